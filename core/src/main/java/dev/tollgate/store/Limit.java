package dev.tollgate.store;

import dev.tollgate.internal.Algorithms;
import dev.tollgate.internal.Arith;
import dev.tollgate.internal.CalendarPeriods;
import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Mode;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;

/**
 * A rule compiled to the integer numbers a store works with. All times are microseconds since the epoch:
 * Redis's {@code TIME} has that resolution, and Lua's doubles hold such times exactly until the year 2255.
 *
 * <p>Every store uses these derived numbers, so rounding is the same everywhere.
 */
public final class Limit {

    private final Rule rule;
    private final long limit;
    private final long intervalMicros;
    private final long refillAmount;
    private final long toleranceWhole;
    private final long toleranceFraction;
    private final long windowMicros;
    private final long leaseMicros;
    // Token bucket: what one unit costs, the usual charge of a request-metered rule, kept so that the hot path
    // does no division.
    private final long unitCostWhole;
    private final long unitCostFraction;
    private final Algorithm algorithm;
    private final Scope scope;
    private final Meter meter;
    private final boolean live;
    private final int stateSize;
    private final Slot slot;
    // Calendar quotas: the last period seen, {start, end}. Zone arithmetic is slow, and almost every call
    // falls in the same period as the one before. Replaced whole, so readers see a consistent pair.
    private volatile long[] lastPeriod = {0, 0};

    private Limit(Rule rule) {
        this.rule = rule;
        this.limit = rule.limit();
        Algorithm algorithm = rule.algorithm();
        this.intervalMicros = algorithm == Algorithm.TOKEN_BUCKET ? micros(rule.refillInterval()) : 0;
        this.refillAmount = rule.refillAmount();
        this.toleranceWhole = algorithm == Algorithm.TOKEN_BUCKET ? computeCostWhole(limit) : 0;
        this.toleranceFraction = algorithm == Algorithm.TOKEN_BUCKET ? computeCostFraction(limit) : 0;
        this.windowMicros = rule.window() != null ? micros(rule.window()) : 0;
        this.leaseMicros = rule.lease() != null ? micros(rule.lease()) : 0;
        this.unitCostWhole = algorithm == Algorithm.TOKEN_BUCKET ? computeCostWhole(1) : 0;
        this.unitCostFraction = algorithm == Algorithm.TOKEN_BUCKET ? computeCostFraction(1) : 0;
        this.algorithm = algorithm;
        this.scope = rule.scope();
        this.meter = rule.meter();
        this.live = rule.mode() == Mode.LIVE;
        this.stateSize = Algorithms.stateSize(algorithm);
        this.slot = Slot.of(this);
    }

    Slot slot() {
        return slot;
    }

    /** How many longs of state the rule keeps in a memory-store cell. */
    int stateSize() {
        return stateSize;
    }

    /** True if the rule denies calls (LIVE), false if it only reports what it would deny (DRY_RUN). */
    public boolean live() {
        return live;
    }

    /**
     * The name of this rule's state within its scope entity: the rule's name, algorithm and meter (and a sliding
     * window's length), e.g. {@code daily-tokens:quota:tokens}. Rules that agree on it share state; shared
     * stores build their keys from it.
     */
    public String stateName() {
        String base = rule.name() + ":" + rule.algorithm().label() + ":" + rule.meter().label();
        return rule.algorithm() == Algorithm.SLIDING_WINDOW ? base + ":" + windowMicros : base;
    }

    /** Compiles a rule. */
    public static Limit of(Rule rule) {
        return new Limit(rule);
    }

    private static long micros(java.time.Duration d) {
        return d.toNanos() / 1_000;
    }

    /** The rule this limit was compiled from. */
    public Rule rule() {
        return rule;
    }

    /** The rule's algorithm. */
    public Algorithm algorithm() {
        return algorithm;
    }

    /** The rule's meter. */
    public Meter meter() {
        return meter;
    }

    /** The rule's scope. */
    public Scope scope() {
        return scope;
    }

    /** The capacity or limit. */
    public long limit() {
        return limit;
    }

    /** Token bucket: units added per {@link #refillIntervalMicros()}. */
    public long refillAmount() {
        return refillAmount;
    }

    /** Token bucket: the refill interval. */
    public long refillIntervalMicros() {
        return intervalMicros;
    }

    /**
     * Token bucket: the whole microseconds an amount takes to refill, {@code floor(amount * interval / refill)};
     * {@link #costFraction} holds the rest, in {@code 1/refill}ths of a microsecond, so that no rounding is lost.
     * Saturates at {@link Arith#INFINITE} for amounts no bucket could ever hold.
     */
    public long costWhole(long amount) {
        return amount == 1 ? unitCostWhole : computeCostWhole(amount);
    }

    private long computeCostWhole(long amount) {
        return Arith.mulDivFloor(amount, intervalMicros, refillAmount);
    }

    /** Token bucket: the rest of {@link #costWhole}, {@code (amount * interval) mod refill}, in 1/refill µs. */
    public long costFraction(long amount) {
        return amount == 1 ? unitCostFraction : computeCostFraction(amount);
    }

    private long computeCostFraction(long amount) {
        return computeCostWhole(amount) >= Arith.INFINITE ? 0 : Arith.mulMod(amount, intervalMicros, refillAmount);
    }

    /** Token bucket: the whole microseconds the capacity takes to refill; how far ahead of now the bucket may run. */
    public long toleranceWhole() {
        return toleranceWhole;
    }

    /** Token bucket: the rest of {@link #toleranceWhole}, in 1/refill µs. */
    public long toleranceFraction() {
        return toleranceFraction;
    }

    /**
     * Token bucket: the units a debt of {@code whole + fraction/refill} microseconds has used, rounded up (so that
     * what is reported as remaining can really be taken).
     */
    public long unitsUsed(long whole, long fraction) {
        if (whole < 0) {
            return 0;
        }
        return Arith.mulAddDivCeil(whole, refillAmount, fraction, intervalMicros);
    }

    /** Sliding windows: the window length in whole milliseconds, the unit of the previous window's weight. */
    public long windowMillis() {
        return windowMicros / 1_000;
    }

    /** Fixed and sliding windows: the window length. */
    public long windowMicros() {
        return windowMicros;
    }

    /** Concurrency: how long an unsettled lease holds its slot. */
    public long leaseMicros() {
        return leaseMicros;
    }

    /** Fixed/sliding windows and calendar quotas: the start of the window or period that holds {@code nowMicros}. */
    public long windowStart(long nowMicros) {
        if (algorithm == Algorithm.CALENDAR_QUOTA) {
            long[] period = lastPeriod;
            if (nowMicros >= period[0] && nowMicros < period[1]) {
                return period[0];
            }
            long start = CalendarPeriods.start(rule.period(), rule.zone(), nowMicros);
            lastPeriod = new long[] {start, CalendarPeriods.next(rule.period(), rule.zone(), start)};
            return start;
        }
        return Math.floorDiv(nowMicros, windowMicros) * windowMicros;
    }

    /**
     * Fixed windows and calendar quotas: the end of the window or period that holds {@code nowMicros}, as
     * {@code windowEnd(windowStart(nowMicros))} is, with one read of the last period instead of two.
     */
    public long windowEndAt(long nowMicros) {
        if (algorithm == Algorithm.CALENDAR_QUOTA) {
            long[] period = lastPeriod;
            if (nowMicros >= period[0] && nowMicros < period[1]) {
                return period[1];
            }
        }
        return windowEnd(windowStart(nowMicros));
    }

    /** Fixed/sliding windows and calendar quotas: the end of the window or period that starts at {@code startMicros}. */
    public long windowEnd(long startMicros) {
        if (algorithm == Algorithm.CALENDAR_QUOTA) {
            long[] period = lastPeriod;
            if (period[0] == startMicros) {
                return period[1];
            }
            return CalendarPeriods.next(rule.period(), rule.zone(), startMicros);
        }
        return startMicros + windowMicros;
    }

    @Override
    public String toString() {
        return "Limit[" + rule + "]";
    }
}
