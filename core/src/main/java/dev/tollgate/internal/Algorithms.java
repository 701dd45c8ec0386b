package dev.tollgate.internal;

import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Rule;
import dev.tollgate.store.Limit;
import dev.tollgate.store.Outcome;

/**
 * The rule algorithms as pure functions over a slice of {@code long} state, for stores that keep state in
 * the JVM. The Redis store's Lua scripts implement the same steps; the conformance suite holds them equal.
 *
 * <p>State layouts (all times in microseconds since the epoch):
 * <ul>
 *   <li>token bucket (GCRA): {@code [tat, fraction]}, the theoretical arrival time held exactly as whole
 *       microseconds plus {@code fraction / refill} of one, so that no rounding is ever lost, even when a unit's
 *       refill time ({@code interval / refill}) is not a whole number of microseconds. The bucket is full when the
 *       arrival time is at or before now. A charge of n moves it on by exactly {@code n * interval / refill}
 *       ({@link Limit#costWhole}, {@link Limit#costFraction}) and is allowed while the arrival time stays within
 *       {@code capacity * interval / refill} of now. The comparisons need no products, so a Lua store stays exact.
 *       Debt moves the arrival time further, up to ten years.</li>
 *   <li>fixed window and calendar quota: {@code [windowEnd, used]}. Keeping the end rather than the start
 *       lets a store tell that the state is stale without knowing the rule.</li>
 *   <li>sliding window: {@code [currentStart, current, previous]}. The estimate is
 *       {@code ceil(previous * w / 1000) + current}, where {@code w = ceil((window - elapsed) / windowMillis)} is
 *       the previous window's remaining weight in thousandths, rounded up so the estimate never undercounts.</li>
 *   <li>concurrency: no longs; the leases live in a {@link LeaseTable}.</li>
 * </ul>
 */
public final class Algorithms {

    /** The furthest debt can push a token bucket's arrival time past now: ten years. */
    public static final long MAX_DEBT_MICROS = 10L * 366 * 86_400 * 1_000_000;

    /** A concurrency denial suggests retrying after at most this long: slots free up as calls end. */
    public static final long CONCURRENCY_RETRY_MICROS = 1_000_000;

    private Algorithms() {
    }

    /** How many longs of state an algorithm keeps. */
    public static int stateSize(Algorithm algorithm) {
        return switch (algorithm) {
            case TOKEN_BUCKET -> 2;
            case FIXED_WINDOW, CALENDAR_QUOTA -> 2;
            case SLIDING_WINDOW -> 3;
            case CONCURRENCY -> 0;
        };
    }

    /**
     * Evaluates a charge of {@code amount} at {@code now} without changing state, and records the result as
     * operation {@code i} of {@code out}: the remaining and reset both as they would be once charged and as they
     * are if the decision charges nothing (the outcome shows the one that happened).
     *
     * @return true if the rule allows the charge
     */
    public static boolean evaluate(Limit limit, long[] s, int o, LeaseTable leases, long now, long amount, Outcome out,
                                   int i) {
        return switch (limit.algorithm()) {
            case TOKEN_BUCKET -> evaluateBucket(limit, s, o, now, amount, out, i);
            case FIXED_WINDOW, CALENDAR_QUOTA -> evaluateWindow(limit, s, o, now, amount, out, i);
            case SLIDING_WINDOW -> evaluateSliding(limit, s, o, now, amount, out, i);
            case CONCURRENCY -> evaluateConcurrency(limit, leases, now, amount, out, i);
        };
    }

    /**
     * True if the rule allows a charge of {@code amount} at {@code now}, reading the state only: the decision
     * alone, for stores that work out the numbers ({@link #evaluate}) later, from a copy of this state. Not for
     * concurrency rules, whose state is not a slice of longs.
     */
    public static boolean allows(Limit limit, long[] s, int o, long now, long amount) {
        // Comparisons rather than a switch, here and in chargeIfAllowed: a switch on another class's enum reads a
        // lookup table and the constant's ordinal first, and these run for every rule of every decision.
        Algorithm algorithm = limit.algorithm();
        if (algorithm == Algorithm.TOKEN_BUCKET) {
            long sum = fractionSum(limit, s, o, now, amount);
            return withinTolerance(limit, nextWhole(limit, s, o, now, amount, sum) - now, nextFraction(limit, sum));
        }
        if (algorithm == Algorithm.CALENDAR_QUOTA || algorithm == Algorithm.FIXED_WINDOW) {
            return windowUsed(s, o, limit.windowEndAt(now)) + amount <= limit.limit();
        }
        if (algorithm == Algorithm.SLIDING_WINDOW) {
            long window = limit.windowMicros();
            long start = Math.floorDiv(now, window) * window;
            return slidingEstimate(limit, now, start, slidingCurrent(s, o, start),
                    slidingPrevious(s, o, start, window)) + amount <= limit.limit();
        }
        throw new IllegalArgumentException("concurrency rules are decided with their leases");
    }

    /**
     * Decides a charge of {@code amount} at {@code now} on the state at {@code o} in {@code seen} and, if the rule
     * allows it, writes the charged state to the same place in {@code into}: {@link #allows} and {@link #charge} in
     * one pass, for a store that charges a copy of the state it decided on. {@code into} is left alone when the rule
     * denies. Not for concurrency rules.
     *
     * @return true if the rule allows the charge
     */
    public static boolean chargeIfAllowed(Limit limit, long[] seen, long[] into, int o, long now, long amount) {
        Algorithm algorithm = limit.algorithm();
        if (algorithm == Algorithm.TOKEN_BUCKET) {
            long sum = fractionSum(limit, seen, o, now, amount);
            long whole = nextWhole(limit, seen, o, now, amount, sum);
            long fraction = nextFraction(limit, sum);
            if (!withinTolerance(limit, whole - now, fraction)) {
                return false;
            }
            storeArrival(into, o, now, whole, fraction);
            return true;
        }
        if (algorithm == Algorithm.CALENDAR_QUOTA || algorithm == Algorithm.FIXED_WINDOW) {
            long end = limit.windowEndAt(now);
            long used = windowUsed(seen, o, end) + amount;
            if (used > limit.limit()) {
                return false;
            }
            into[o] = end;
            into[o + 1] = Math.min(used, Rule.MAX_LIMIT);
            return true;
        }
        if (algorithm == Algorithm.SLIDING_WINDOW) {
            long window = limit.windowMicros();
            long start = Math.floorDiv(now, window) * window;
            long current = slidingCurrent(seen, o, start);
            long previous = slidingPrevious(seen, o, start, window);
            if (slidingEstimate(limit, now, start, current, previous) + amount > limit.limit()) {
                return false;
            }
            into[o] = start;
            into[o + 1] = Math.min(current + amount, Rule.MAX_SLIDING_LIMIT);
            into[o + 2] = previous;
            return true;
        }
        throw new IllegalArgumentException("concurrency rules are decided with their leases");
    }

    private static long windowUsed(long[] s, int o, long end) {
        return s[o] == end ? s[o + 1] : 0;
    }

    private static long slidingCurrent(long[] s, int o, long start) {
        return s[o] == start ? s[o + 1] : 0;
    }

    private static long slidingPrevious(long[] s, int o, long start, long window) {
        return s[o] == start ? s[o + 2] : s[o] == start - window ? s[o + 1] : 0;
    }

    // ceil(previous * w / 1000) + current, w the previous window's remaining weight in thousandths, rounded up.
    private static long slidingEstimate(Limit limit, long now, long start, long current, long previous) {
        long weight = Arith.ceilDiv(limit.windowMicros() - (now - start), limit.windowMillis());
        return Arith.ceilDiv(previous * weight, 1_000) + current;
    }

    /** Charges {@code amount} at {@code now}; call only after {@link #evaluate} allowed it in the same critical section. */
    public static void charge(Limit limit, long[] s, int o, LeaseTable leases, long now, long amount, long leaseId) {
        switch (limit.algorithm()) {
            case TOKEN_BUCKET -> addToBucket(limit, s, o, now, amount);
            case FIXED_WINDOW, CALENDAR_QUOTA -> {
                rollWindow(limit, s, o, now);
                s[o + 1] = Math.min(s[o + 1] + amount, Rule.MAX_LIMIT);
            }
            case SLIDING_WINDOW -> {
                rollSliding(limit, s, o, now);
                s[o + 1] = Math.min(s[o + 1] + amount, Rule.MAX_SLIDING_LIMIT);
            }
            case CONCURRENCY -> {
                if (amount > 0) {
                    leases.add(leaseId, now + limit.leaseMicros(), amount);
                }
            }
        }
    }

    /**
     * Moves a charge made at {@code reservedAt} from {@code estimated} to {@code actual}. A surplus is refunded only
     * to the window it was charged in, if that window is still counted; extra usage is charged now, past the limit
     * if need be. Concurrency leases end.
     */
    public static void correct(Limit limit, long[] s, int o, LeaseTable leases, long now, long reservedAt,
                               long estimated, long actual, long leaseId) {
        switch (limit.algorithm()) {
            case TOKEN_BUCKET -> {
                if (actual > estimated) {
                    addToBucket(limit, s, o, now, actual - estimated);
                } else if (actual < estimated && !bucketFull(s, o, now)) {
                    long whole = s[o] - limit.costWhole(estimated - actual);
                    long fraction = s[o + 1] - limit.costFraction(estimated - actual);
                    if (fraction < 0) {
                        fraction += limit.refillAmount();
                        whole--;
                    }
                    // A refund never makes the bucket fuller than full.
                    s[o] = whole < now ? now : whole;
                    s[o + 1] = whole < now ? 0 : fraction;
                }
            }
            case FIXED_WINDOW, CALENDAR_QUOTA -> {
                long currentEnd = rollWindow(limit, s, o, now);
                long diff = clampedDiff(actual, estimated);
                if (diff > 0) {
                    s[o + 1] = Math.min(s[o + 1] + diff, Rule.MAX_LIMIT);
                } else if (diff < 0 && limit.windowEndAt(reservedAt) == currentEnd) {
                    s[o + 1] = Math.max(s[o + 1] + diff, 0);
                }
            }
            case SLIDING_WINDOW -> {
                long current = rollSliding(limit, s, o, now);
                long charged = Math.floorDiv(reservedAt, limit.windowMicros()) * limit.windowMicros();
                long diff = clampedDiff(actual, estimated);
                if (diff > 0) {
                    s[o + 1] = Math.min(s[o + 1] + diff, Rule.MAX_SLIDING_LIMIT);
                } else if (diff < 0 && charged == current) {
                    s[o + 1] = Math.max(s[o + 1] + diff, 0);
                } else if (diff < 0 && charged == current - limit.windowMicros()) {
                    s[o + 2] = Math.max(s[o + 2] + diff, 0);
                }
            }
            case CONCURRENCY -> leases.remove(leaseId);
        }
    }

    // A window's count never exceeds MAX_LIMIT, so a difference beyond it means the same as MAX_LIMIT, and keeping
    // it there means that adding it to the count cannot overflow a long.
    private static long clampedDiff(long actual, long estimated) {
        return Math.max(-Rule.MAX_LIMIT, Math.min(Rule.MAX_LIMIT, actual - estimated));
    }

    /**
     * True if the rule is back to its full limit, so its state can be forgotten. Needs only the algorithm and, for a
     * sliding window, its length: a store can sweep state without the policy at hand.
     */
    public static boolean isIdle(Algorithm algorithm, long windowMicros, long[] s, int o, LeaseTable leases, long now) {
        return switch (algorithm) {
            case TOKEN_BUCKET -> bucketFull(s, o, now);
            case FIXED_WINDOW, CALENDAR_QUOTA -> s[o + 1] == 0 || s[o] <= now;
            case SLIDING_WINDOW -> (s[o + 1] == 0 && s[o + 2] == 0) || s[o] + 2 * windowMicros <= now;
            case CONCURRENCY -> {
                leases.purge(now);
                yield leases.isEmpty();
            }
        };
    }

    private static boolean evaluateBucket(Limit limit, long[] s, int o, long now, long amount, Outcome out, int i) {
        long capacity = limit.limit();
        boolean full = bucketFull(s, o, now);
        long whole = full ? now : s[o];
        long fraction = full ? 0 : s[o + 1];
        long sum = fractionSum(limit, s, o, now, amount);
        long nextWhole = nextWhole(limit, s, o, now, amount, sum);
        long nextFraction = nextFraction(limit, sum);
        boolean allowed = withinTolerance(limit, nextWhole - now, nextFraction);
        if (allowed) {
            long remaining = Math.max(0, capacity - limit.unitsUsed(nextWhole - now, nextFraction));
            out.set(i, true, remaining, ceilMicros(nextWhole, nextFraction), 0);
            out.setUncharged(i, Math.max(0, capacity - limit.unitsUsed(whole - now, fraction)),
                    full ? now : ceilMicros(whole, fraction));
        } else {
            // It fits once the arrival time after the charge is within the tolerance of now.
            long fitsAt = nextWhole - limit.toleranceWhole() + (nextFraction > limit.toleranceFraction() ? 1 : 0);
            long retry = amount > capacity ? Outcome.NEVER : fitsAt - now;
            long remaining = Math.max(0, capacity - limit.unitsUsed(whole - now, fraction));
            out.set(i, false, remaining, full ? now : ceilMicros(whole, fraction), retry);
        }
        return allowed;
    }

    private static void addToBucket(Limit limit, long[] s, int o, long now, long amount) {
        long sum = fractionSum(limit, s, o, now, amount);
        long whole = nextWhole(limit, s, o, now, amount, sum);
        storeArrival(s, o, now, whole, nextFraction(limit, sum));
    }

    // Writes a bucket's arrival time after a charge, no further than MAX_DEBT_MICROS past now.
    private static void storeArrival(long[] s, int o, long now, long whole, long fraction) {
        boolean capped = whole - now >= MAX_DEBT_MICROS;
        s[o] = capped ? now + MAX_DEBT_MICROS : whole;
        s[o + 1] = capped ? 0 : fraction;
    }

    // The bucket's arrival time once `amount` is added, whole microseconds and fraction apart. Every bucket decision
    // and charge goes through these three, so they cannot disagree on the carry. fractionSum is the fraction before
    // the carry: the bucket's own (none when full) plus the charge's.
    private static long fractionSum(Limit limit, long[] s, int o, long now, long amount) {
        return (bucketFull(s, o, now) ? 0 : s[o + 1]) + limit.costFraction(amount);
    }

    private static long nextWhole(Limit limit, long[] s, int o, long now, long amount, long fractionSum) {
        long whole = Arith.addSat(bucketFull(s, o, now) ? now : s[o], limit.costWhole(amount));
        return fractionSum >= limit.refillAmount() ? Arith.addSat(whole, 1) : whole;
    }

    private static long nextFraction(Limit limit, long fractionSum) {
        return fractionSum >= limit.refillAmount() ? fractionSum - limit.refillAmount() : fractionSum;
    }

    // (whole + fraction/refill) <= (toleranceWhole + toleranceFraction/refill), compared without products.
    private static boolean withinTolerance(Limit limit, long whole, long fraction) {
        return whole < limit.toleranceWhole() || whole == limit.toleranceWhole() && fraction <= limit.toleranceFraction();
    }

    private static boolean bucketFull(long[] s, int o, long now) {
        return s[o] < now || s[o] == now && s[o + 1] == 0;
    }

    private static long ceilMicros(long whole, long fraction) {
        return fraction > 0 ? whole + 1 : whole;
    }

    private static boolean evaluateWindow(Limit limit, long[] s, int o, long now, long amount, Outcome out, int i) {
        long end = limit.windowEndAt(now);
        long used = windowUsed(s, o, end);
        boolean allowed = used + amount <= limit.limit();
        long after = allowed ? used + amount : used;
        long retry = allowed ? 0 : amount > limit.limit() ? Outcome.NEVER : end - now;
        out.set(i, allowed, Math.max(0, limit.limit() - after), end, retry);
        out.setUncharged(i, Math.max(0, limit.limit() - used), end);
        return allowed;
    }

    private static boolean evaluateSliding(Limit limit, long[] s, int o, long now, long amount, Outcome out, int i) {
        long window = limit.windowMicros();
        long start = Math.floorDiv(now, window) * window;
        long current = slidingCurrent(s, o, start);
        long previous = slidingPrevious(s, o, start, window);
        long estimate = slidingEstimate(limit, now, start, current, previous);
        long max = limit.limit();
        boolean allowed = estimate + amount <= max;
        long currentAfter = allowed ? current + amount : current;
        long reset = currentAfter > 0 ? start + 2 * window : previous > 0 ? start + window : now;
        long retry;
        if (allowed) {
            retry = 0;
        } else if (amount > max) {
            retry = Outcome.NEVER;
        } else {
            retry = slidingRetry(limit, start, current, previous, amount, now);
        }
        out.set(i, allowed, Math.max(0, max - estimate - (allowed ? amount : 0)), reset, retry);
        out.setUncharged(i, Math.max(0, max - estimate),
                current > 0 ? start + 2 * window : previous > 0 ? start + window : now);
        return allowed;
    }

    // The first instant at which the weighted estimate leaves room for the amount: later in this window as the
    // previous window's weight falls, or else in the next window, where this window's count becomes the previous.
    private static long slidingRetry(Limit limit, long start, long current, long previous, long amount, long now) {
        long window = limit.windowMicros();
        long millis = limit.windowMillis();
        long room = limit.limit() - current - amount;
        long at;
        if (room >= 0) {
            long weight = Math.min(1_000, room * 1_000 / previous);
            at = start + window - weight * millis;
        } else {
            long weight = Math.min(1_000, (limit.limit() - amount) * 1_000 / current);
            at = start + 2 * window - weight * millis;
        }
        return Math.max(1, at - now);
    }

    private static boolean evaluateConcurrency(Limit limit, LeaseTable leases, long now, long amount, Outcome out,
                                               int i) {
        leases.purge(now);
        long inFlight = leases.inFlight();
        boolean allowed = inFlight + amount <= limit.limit();
        long after = allowed ? inFlight + amount : inFlight;
        long reset = Math.max(now, leases.latestExpiry(now));
        if (allowed && amount > 0) {
            reset = Math.max(reset, now + limit.leaseMicros()); // the lease this call takes, like remaining does
        }
        long retry;
        if (allowed) {
            retry = 0;
        } else if (amount > limit.limit()) {
            retry = Outcome.NEVER;
        } else {
            retry = Math.max(1, Math.min(CONCURRENCY_RETRY_MICROS, leases.earliestExpiry(now) - now));
        }
        out.set(i, allowed, Math.max(0, limit.limit() - after), reset, retry);
        out.setUncharged(i, Math.max(0, limit.limit() - inFlight), Math.max(now, leases.latestExpiry(now)));
        return allowed;
    }

    private static long rollWindow(Limit limit, long[] s, int o, long now) {
        long end = limit.windowEndAt(now);
        if (s[o] != end) {
            s[o] = end;
            s[o + 1] = 0;
        }
        return end;
    }

    private static long rollSliding(Limit limit, long[] s, int o, long now) {
        long window = limit.windowMicros();
        long start = Math.floorDiv(now, window) * window;
        if (s[o] == start) {
            return start;
        }
        s[o + 2] = s[o] == start - window ? s[o + 1] : 0;
        s[o + 1] = 0;
        s[o] = start;
        return start;
    }
}
