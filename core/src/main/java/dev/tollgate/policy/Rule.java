package dev.tollgate.policy;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One limit: an algorithm, what it counts (its {@link Meter}), whose budget it is (its {@link Scope}), its
 * numbers, and whether it is enforced ({@link Mode}). Rules are immutable and made with the builders:
 *
 * <pre>{@code
 * Rule.tokenBucket("burst").meter(REQUESTS).capacity(5).refill(5, Duration.ofMinutes(1))
 * Rule.quota("daily-tokens").meter(TOKENS).limit(20_000).per(DAY).zone(UTC)
 * Rule.quota("monthly-spend").limit(Money.usd("5.00")).per(MONTH)
 * Rule.slidingWindow("hourly").meter(TOKENS).limit(100_000).window(Duration.ofHours(1))
 * Rule.concurrency("in-flight").limit(4)
 * }</pre>
 *
 * <p>Every number is checked where it is given, and a missing one when the rule is built, with a message
 * that names the rule, the field and the value.
 */
public final class Rule {

    /**
     * The largest limit or amount a rule may hold: 2^53 - 1. Stores that keep state in Lua (whose numbers are
     * doubles) stay exact below it.
     */
    public static final long MAX_LIMIT = (1L << 53) - 1;

    /**
     * The largest sliding-window limit. The previous window's weight is kept in thousandths, so a count times
     * 1,000 must stay below 2^53.
     */
    public static final long MAX_SLIDING_LIMIT = MAX_LIMIT / 1_000;

    /** The shortest interval, window or lease: one millisecond. */
    public static final Duration MIN_SPAN = Duration.ofMillis(1);

    /** The longest interval, window or lease: 366 days. */
    public static final Duration MAX_SPAN = Duration.ofDays(366);

    /** A concurrency lease that is never settled or released ends after this long unless the rule says otherwise. */
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(10);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final String name;
    private final Algorithm algorithm;
    private final Meter meter;
    private final Scope scope;
    private final Mode mode;
    private final long limit;
    private final long refillAmount;
    private final Duration refillInterval;
    private final Duration window;
    private final Period period;
    private final ZoneId zone;
    private final Duration lease;
    private String description;

    private Rule(Builder<?> b) {
        this.name = b.name;
        this.algorithm = b.algorithm;
        this.meter = b.meter;
        this.scope = b.scope;
        this.mode = b.mode;
        this.limit = b.limit;
        this.refillAmount = b.refillAmount;
        this.refillInterval = b.refillInterval;
        this.window = b.window;
        this.period = b.period;
        this.zone = b.zone;
        this.lease = b.lease;
    }

    /** A token bucket: up to {@code capacity} units at once, refilled continuously at a steady rate. */
    public static TokenBucketBuilder tokenBucket(String name) {
        return new TokenBucketBuilder(name);
    }

    /** A fixed window: at most {@code limit} units per window, windows aligned to the epoch. */
    public static WindowBuilder fixedWindow(String name) {
        return new WindowBuilder(name, Algorithm.FIXED_WINDOW);
    }

    /**
     * A sliding window, approximated from two fixed windows: the previous window's count weighted by how much
     * of it still overlaps the sliding window, plus the current count. The weight is rounded up to the next
     * thousandth, so the estimate errs towards denying, by at most 0.1% of the limit; the approximation itself
     * assumes the previous window's calls were spread evenly.
     */
    public static WindowBuilder slidingWindow(String name) {
        return new WindowBuilder(name, Algorithm.SLIDING_WINDOW);
    }

    /** A calendar quota: at most {@code limit} units per day, week or month, resetting at midnight in a zone. */
    public static QuotaBuilder quota(String name) {
        return new QuotaBuilder(name);
    }

    /** A concurrency limit: at most {@code limit} calls in flight at once. */
    public static ConcurrencyBuilder concurrency(String name) {
        return new ConcurrencyBuilder(name);
    }

    /** The rule's name, unique within a plan; it appears in decisions and denial messages. */
    public String name() {
        return name;
    }

    /** How the rule counts over time. */
    public Algorithm algorithm() {
        return algorithm;
    }

    /** What the rule counts. */
    public Meter meter() {
        return meter;
    }

    /** Whose budget the rule counts against. */
    public Scope scope() {
        return scope;
    }

    /** Whether the rule denies or only reports. */
    public Mode mode() {
        return mode;
    }

    /** The capacity (token bucket) or limit (windows, quotas, concurrency), in the meter's unit (micro-USD for money). */
    public long limit() {
        return limit;
    }

    /** Token bucket: units added per {@link #refillInterval()}; 0 for other algorithms. */
    public long refillAmount() {
        return refillAmount;
    }

    /** Token bucket: the interval over which {@link #refillAmount()} units are added; null for other algorithms. */
    public Duration refillInterval() {
        return refillInterval;
    }

    /** Fixed and sliding windows: the window length; null for other algorithms. */
    public Duration window() {
        return window;
    }

    /** Calendar quota: the period; null for other algorithms. */
    public Period period() {
        return period;
    }

    /** Calendar quota: the zone whose midnight resets it; UTC unless set. Null for other algorithms. */
    public ZoneId zone() {
        return zone;
    }

    /** Concurrency: how long an unsettled call holds its slot; null for other algorithms. */
    public Duration lease() {
        return lease;
    }

    /** A copy of this rule with another limit (capacity for a token bucket); used for per-user overrides. */
    public Rule withLimit(long newLimit) {
        Builder<?> b = toBuilder();
        b.limit = checkLimit(newLimit, algorithm == Algorithm.SLIDING_WINDOW ? MAX_SLIDING_LIMIT : MAX_LIMIT, "limit");
        return b.build();
    }

    /** A copy of this rule in another mode. */
    public Rule withMode(Mode newMode) {
        Builder<?> b = toBuilder();
        b.mode = Objects.requireNonNull(newMode, "mode");
        return b.build();
    }

    private Builder<?> toBuilder() {
        Builder<?> b = switch (algorithm) {
            case TOKEN_BUCKET -> new TokenBucketBuilder(name);
            case FIXED_WINDOW, SLIDING_WINDOW -> new WindowBuilder(name, algorithm);
            case CALENDAR_QUOTA -> new QuotaBuilder(name);
            case CONCURRENCY -> new ConcurrencyBuilder(name);
        };
        b.meter = meter;
        b.meterSet = true;
        b.scope = scope;
        b.mode = mode;
        b.limit = limit;
        b.refillAmount = refillAmount;
        b.refillInterval = refillInterval;
        b.window = window;
        b.period = period;
        b.zone = zone;
        b.lease = lease;
        return b;
    }

    /** A short description of the limit for people: {@code "20,000 tokens per day"}. */
    public String describe() {
        String d = description;
        if (d == null) {
            d = buildDescription(); // immutable rule: a race builds the same string twice, harmlessly
            description = d;
        }
        return d;
    }

    private String buildDescription() {
        String amount = meter.format(limit);
        return switch (algorithm) {
            case TOKEN_BUCKET -> "burst of " + amount + ", refilling " + describedRefill() + " per "
                    + Durations.format(refillInterval);
            case FIXED_WINDOW, SLIDING_WINDOW -> amount + " per " + Durations.format(window);
            case CALENDAR_QUOTA -> amount + " per " + period.label();
            case CONCURRENCY -> limit + (limit == 1 ? " call" : " calls") + " in flight";
        };
    }

    /**
     * The refill as people read it: grouped like the capacity, and in dollars for money (the unit it is kept in is
     * the micro-dollar). The unit of requests and tokens is left to the capacity before it.
     */
    private String describedRefill() {
        return meter == Meter.USD ? meter.format(refillAmount) : Meter.grouped(refillAmount);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Rule r)) {
            return false;
        }
        return limit == r.limit && refillAmount == r.refillAmount && name.equals(r.name) && algorithm == r.algorithm
                && meter == r.meter && scope == r.scope && mode == r.mode
                && Objects.equals(refillInterval, r.refillInterval) && Objects.equals(window, r.window)
                && period == r.period && Objects.equals(zone, r.zone) && Objects.equals(lease, r.lease);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, algorithm, meter, scope, mode, limit, refillAmount, refillInterval, window, period,
                zone, lease);
    }

    @Override
    public String toString() {
        return name + " (" + algorithm.label() + ", " + scope.label() + ", " + describe()
                + (mode == Mode.DRY_RUN ? ", dry-run" : "") + ")";
    }

    static long checkLimit(long value, long max, String field) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
        if (value > max) {
            throw new IllegalArgumentException(field + " must be <= " + max + ", got " + value);
        }
        return value;
    }

    static Duration checkSpan(Duration value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (value.compareTo(MIN_SPAN) < 0) {
            throw new IllegalArgumentException(field + " must be at least 1ms, got " + Durations.format(value));
        }
        if (value.compareTo(MAX_SPAN) > 0) {
            throw new IllegalArgumentException(field + " must be at most 366d, got " + Durations.format(value));
        }
        return value;
    }

    /**
     * What every rule builder shares: the name, meter, scope and mode.
     *
     * @param <B> the concrete builder, so chained calls keep their type
     */
    public abstract static sealed class Builder<B extends Builder<B>>
            permits TokenBucketBuilder, WindowBuilder, QuotaBuilder, ConcurrencyBuilder {
        final String name;
        final Algorithm algorithm;
        Meter meter = Meter.REQUESTS;
        boolean meterSet;
        Scope scope = Scope.USER;
        Mode mode = Mode.LIVE;
        long limit;
        long refillAmount;
        Duration refillInterval;
        Duration window;
        Period period;
        ZoneId zone;
        Duration lease;

        Builder(String name, Algorithm algorithm) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("rule name must be 1-64 letters, digits, '.', '_' or '-', "
                        + "starting with a letter or digit; got " + (name == null ? "null" : "'" + name + "'"));
            }
            this.name = name;
            this.algorithm = algorithm;
        }

        @SuppressWarnings("unchecked")
        final B self() {
            return (B) this;
        }

        /** What the rule counts; requests unless set. */
        public B meter(Meter meter) {
            if (meter == null) {
                throw new IllegalArgumentException(name + ": meter must not be null");
            }
            if (meterSet && limit > 0 && this.meter == Meter.USD && meter != Meter.USD) {
                throw new IllegalArgumentException(name + ": the limit is money, so the meter must be usd, got "
                        + meter.label());
            }
            this.meter = meter;
            this.meterSet = true;
            return self();
        }

        /** Whose budget the rule counts against; the user unless set. */
        public B scope(Scope scope) {
            if (scope == null) {
                throw new IllegalArgumentException(name + ": scope must not be null");
            }
            this.scope = scope;
            return self();
        }

        /** Live or dry-run; live unless set. */
        public B mode(Mode mode) {
            if (mode == null) {
                throw new IllegalArgumentException(name + ": mode must not be null");
            }
            this.mode = mode;
            return self();
        }

        /** Shorthand for {@code mode(Mode.DRY_RUN)}. */
        public B dryRun() {
            return mode(Mode.DRY_RUN);
        }

        final void setLimit(long value, String field) {
            long max = algorithm == Algorithm.SLIDING_WINDOW ? MAX_SLIDING_LIMIT : MAX_LIMIT;
            try {
                this.limit = checkLimit(value, max, field);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": " + e.getMessage());
            }
        }

        final void setMoneyLimit(Money money, String field) {
            if (money == null) {
                throw new IllegalArgumentException(name + ": " + field + " must not be null");
            }
            if (meterSet && meter != Meter.USD) {
                throw new IllegalArgumentException(name + ": " + field + " is money (" + money
                        + ") but the meter is " + meter.label());
            }
            setLimit(money.micros(), field + " (micro-USD)");
            this.meter = Meter.USD;
            this.meterSet = true;
        }

        final Duration span(Duration value, String field) {
            try {
                return checkSpan(value, field);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": " + e.getMessage());
            }
        }

        final void require(boolean present, String field) {
            if (!present) {
                throw new IllegalArgumentException(name + ": " + field + " is required for a "
                        + algorithm.label() + " rule");
            }
        }

        /** Checks that every required number is present and returns the immutable rule. */
        public Rule build() {
            validate();
            return new Rule(this);
        }

        abstract void validate();
    }

    /** Builds a token bucket rule; see {@link Rule#tokenBucket(String)}. */
    public static final class TokenBucketBuilder extends Builder<TokenBucketBuilder> {
        TokenBucketBuilder(String name) {
            super(name, Algorithm.TOKEN_BUCKET);
        }

        /** The most units the bucket holds, and so the largest burst. */
        public TokenBucketBuilder capacity(long capacity) {
            setLimit(capacity, "capacity");
            return this;
        }

        /** The most money the bucket holds. */
        public TokenBucketBuilder capacity(Money capacity) {
            setMoneyLimit(capacity, "capacity");
            return this;
        }

        /**
         * Adds {@code amount} units every {@code interval}, continuously (a unit at a time, evenly spread). The
         * interval is a whole number of microseconds, at least 1ms.
         */
        public TokenBucketBuilder refill(long amount, Duration interval) {
            try {
                checkLimit(amount, MAX_LIMIT, "refill-rate");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": " + e.getMessage());
            }
            Duration checked = span(interval, "interval");
            if (checked.getNano() % 1_000 != 0) {
                // Stores keep time in whole microseconds; truncating would refill faster than asked.
                throw new IllegalArgumentException(name + ": interval must be a whole number of microseconds, got "
                        + Durations.format(checked));
            }
            long intervalMicros = checked.toNanos() / 1_000;
            if (amount > intervalMicros) {
                throw new IllegalArgumentException(name + ": refill-rate must be at most one unit per microsecond, got "
                        + amount + " per " + Durations.format(checked) + "; use a window or quota rule for higher rates");
            }
            this.refillAmount = amount;
            this.refillInterval = checked;
            return this;
        }

        @Override
        void validate() {
            require(limit > 0, "capacity");
            require(refillAmount > 0, "refill");
            long intervalMicros = refillInterval.toNanos() / 1_000;
            // The time to fill an empty bucket must fit the exact range stores keep time in.
            java.math.BigInteger fill = java.math.BigInteger.valueOf(limit)
                    .multiply(java.math.BigInteger.valueOf(intervalMicros))
                    .divide(java.math.BigInteger.valueOf(refillAmount));
            if (fill.compareTo(java.math.BigInteger.valueOf(MAX_SPAN.toNanos() / 1_000 * 10)) > 0) {
                throw new IllegalArgumentException(name + ": an empty bucket would take more than 10 years to refill ("
                        + "capacity " + limit + ", refill " + refillAmount + " per " + Durations.format(refillInterval)
                        + ")");
            }
        }
    }

    /** Builds a fixed or sliding window rule; see {@link Rule#fixedWindow(String)}. */
    public static final class WindowBuilder extends Builder<WindowBuilder> {
        WindowBuilder(String name, Algorithm algorithm) {
            super(name, algorithm);
        }

        /** The most units per window. */
        public WindowBuilder limit(long limit) {
            setLimit(limit, "limit");
            return this;
        }

        /** The most money per window. */
        public WindowBuilder limit(Money limit) {
            setMoneyLimit(limit, "limit");
            return this;
        }

        /** The window's length. */
        public WindowBuilder window(Duration window) {
            Duration checked = span(window, "window");
            if (checked.toNanos() % 1_000_000 != 0) {
                throw new IllegalArgumentException(name + ": window must be a whole number of milliseconds, got "
                        + checked);
            }
            this.window = checked;
            return this;
        }

        @Override
        void validate() {
            require(limit > 0, "limit");
            require(window != null, "window");
        }
    }

    /** Builds a calendar quota rule; see {@link Rule#quota(String)}. */
    public static final class QuotaBuilder extends Builder<QuotaBuilder> {
        QuotaBuilder(String name) {
            super(name, Algorithm.CALENDAR_QUOTA);
            this.zone = ZoneOffset.UTC;
        }

        /** The most units per period. */
        public QuotaBuilder limit(long limit) {
            setLimit(limit, "limit");
            return this;
        }

        /** The most money per period. */
        public QuotaBuilder limit(Money limit) {
            setMoneyLimit(limit, "limit");
            return this;
        }

        /** The calendar period the quota resets on. */
        public QuotaBuilder per(Period period) {
            if (period == null) {
                throw new IllegalArgumentException(name + ": period must not be null");
            }
            this.period = period;
            return this;
        }

        /** The zone whose midnight resets the quota; UTC unless set. */
        public QuotaBuilder zone(ZoneId zone) {
            if (zone == null) {
                throw new IllegalArgumentException(name + ": zone must not be null");
            }
            this.zone = zone;
            return this;
        }

        @Override
        void validate() {
            require(limit > 0, "limit");
            require(period != null, "period");
        }
    }

    /** Builds a concurrency rule; see {@link Rule#concurrency(String)}. */
    public static final class ConcurrencyBuilder extends Builder<ConcurrencyBuilder> {
        ConcurrencyBuilder(String name) {
            super(name, Algorithm.CONCURRENCY);
            this.lease = DEFAULT_LEASE;
        }

        /** The most calls in flight at once. */
        public ConcurrencyBuilder limit(long limit) {
            setLimit(limit, "limit");
            return this;
        }

        /** How long a call that is never settled or released holds its slot; 10 minutes unless set. */
        public ConcurrencyBuilder lease(Duration lease) {
            this.lease = span(lease, "lease");
            return this;
        }

        @Override
        void validate() {
            require(limit > 0, "limit");
            if (meter != Meter.REQUESTS) {
                throw new IllegalArgumentException(name + ": a concurrency rule counts calls, so its meter must be "
                        + "requests, got " + meter.label());
            }
        }
    }
}
