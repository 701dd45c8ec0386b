package dev.tollgate.internal;

import java.util.List;

/**
 * A deliberately simple model of one rule, written from the documented semantics rather than from the engine's
 * state layout, for property tests to compare the engine against step by step. Times are microseconds since the
 * epoch; the driver only moves time forward.
 */
interface ReferenceModel {

    /** {@link #retryAfterMicros} of a call that can never fit: it is larger than the limit. */
    long NEVER = -1;

    /**
     * What the rule should answer to a call of {@code amount} at {@code now}; changes nothing.
     *
     * @param allowed true if the call fits
     * @param remaining what is left after the decision (the amount taken only if allowed), never negative
     * @param resetAtMicros when the rule is back to its full limit if nothing more is charged
     * @param retryAfterMicros 0 if allowed, {@link #NEVER} if it can never fit, else how long until it fits
     */
    record Expected(boolean allowed, long remaining, long resetAtMicros, long retryAfterMicros) {
        @Override
        public String toString() {
            return (allowed ? "allowed" : "denied") + " remaining=" + remaining + " resetAt=" + resetAtMicros
                    + " retryAfter=" + (retryAfterMicros == NEVER ? "never" : retryAfterMicros + "us");
        }
    }

    /** Evaluates without charging. */
    Expected evaluate(long now, long amount);

    /** Charges an allowed call; {@code key} names the reservation (concurrency leases). */
    void charge(long now, long amount, long key);

    /** Settles a reservation made at {@code reservedAt}: from {@code estimated} to {@code actual} (0 on release). */
    void correct(long now, long reservedAt, long estimated, long actual, long key);

    /** A time scale for random clock moves: the window, the time to refill, the lease. */
    long typicalSpanMicros();

    /** Instants after {@code now} where the rule's answers change (window ends, lease expiries, refills). */
    List<Long> landmarks(long now);

    /** The model's state, for failure messages. */
    @Override
    String toString();
}
