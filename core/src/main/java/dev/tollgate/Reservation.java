package dev.tollgate;

/**
 * A charge reserved before a call, to be corrected once the call's real usage is known. Exactly one of
 * {@link #settle} or {@link #release} takes effect; a second call is an error and charges nothing.
 *
 * <pre>{@code
 * try (Reservation r = guard.reserve(subject, estimate)) {
 *     if (r.denied()) return tooManyRequests(r.decision());
 *     Usage usage = callTheModel();
 *     r.settle(Charge.tokens(usage.total()).usd(usage.cost()));
 * }   // close() releases the reservation if the call failed before settle
 * }</pre>
 *
 * <p>A reservation that is never settled keeps its estimate: nothing is refunded, and a concurrency slot it
 * holds ends when the rule's lease times out. Reservations are safe to settle from any thread.
 */
public interface Reservation extends AutoCloseable {

    /** The reservation's id, unique within the process. */
    String id();

    /** The decision made when the charge was reserved. */
    Decision decision();

    /** The estimated charge that was reserved. */
    Charge estimate();

    /** True if the call may run. */
    default boolean allowed() {
        return decision().allowed();
    }

    /** True if the call was denied; nothing was charged. */
    default boolean denied() {
        return !allowed();
    }

    /**
     * Corrects the reservation to the call's actual usage. Usage below the estimate is refunded; usage above it
     * is charged anyway and puts the rules into debt, so that the next calls wait. Concurrency slots are freed.
     *
     * @throws IllegalStateException if the reservation was denied, or already settled or released; nothing is
     *     charged twice
     */
    void settle(Charge actual);

    /**
     * Returns the whole estimate (the call did not run, or cost nothing) and frees concurrency slots.
     *
     * @throws IllegalStateException if the reservation was denied, or already settled or released
     */
    void release();

    /** True once settled or released. */
    boolean isFinished();

    /** Releases the reservation if it was allowed and is not finished yet; otherwise does nothing. */
    @Override
    void close();
}
