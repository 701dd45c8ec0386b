package dev.tollgate.store;

import dev.tollgate.internal.Arith;
import dev.tollgate.internal.CalendarPeriods;
import dev.tollgate.policy.Algorithm;
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
    private final long toleranceMicros;
    private final long windowMicros;
    private final long leaseMicros;
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
        this.toleranceMicros = algorithm == Algorithm.TOKEN_BUCKET ? bucketTolerance() : 0;
        this.windowMicros = rule.window() != null ? micros(rule.window()) : 0;
        this.leaseMicros = rule.lease() != null ? micros(rule.lease()) : 0;
        this.slot = Slot.of(this);
    }

    Slot slot() {
        return slot;
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
        return rule.algorithm();
    }

    /** The rule's scope. */
    public Scope scope() {
        return rule.scope();
    }

    /** The capacity or limit. */
    public long limit() {
        return limit;
    }

    /**
     * Token bucket: the time an amount takes to refill, rounded up to a whole microsecond. Rounding up means a
     * call never gets more than its share; the rule's validation (at most one unit per microsecond) means the
     * rounding can never let more than the capacity through.
     */
    public long costMicros(long amount) {
        return Arith.mulDivCeil(amount, intervalMicros, refillAmount);
    }

    /**
     * Token bucket: how far ahead of now the theoretical arrival time may run. At least the cost of the capacity,
     * and enough for the capacity in single units, whose costs are each rounded up; but always less than the cost
     * of one unit more, so no split of the calls ever holds more than the capacity at once.
     */
    public long toleranceMicros() {
        return toleranceMicros;
    }

    // Each charge is rounded up on its own, so `capacity` calls of one unit cost up to capacity - 1 microseconds
    // more than costMicros(capacity): with that as the tolerance, a bucket of 3 refilling 3 per second (333,334µs a
    // unit, 1,000,000µs for 3) admitted only 2 calls. Any split of at most `capacity` units costs at most
    // capacity * costMicros(1); any split of capacity + 1 units costs at least costMicros(capacity + 1).
    private long bucketTolerance() {
        return Math.min(Arith.mulDivCeil(limit, costMicros(1), 1), costMicros(limit + 1) - 1);
    }

    /** Token bucket: units that refill in the given time, rounded down. */
    public long unitsIn(long micros) {
        return micros <= 0 ? 0 : Arith.mulDivFloor(micros, refillAmount, intervalMicros);
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
        if (rule.algorithm() == Algorithm.CALENDAR_QUOTA) {
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

    /** Fixed/sliding windows and calendar quotas: the end of the window or period that starts at {@code startMicros}. */
    public long windowEnd(long startMicros) {
        if (rule.algorithm() == Algorithm.CALENDAR_QUOTA) {
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
