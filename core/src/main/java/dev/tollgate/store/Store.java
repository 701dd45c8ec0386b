package dev.tollgate.store;

/**
 * Where rule state lives: this process's memory ({@link MemoryStore}) or a shared server such as Redis.
 *
 * <p>Every store keeps one clock (its own: the injected clock in memory, the server's {@code TIME} in Redis),
 * uses the {@link Limit} maths, and passes the same conformance suite.
 */
public interface Store extends AutoCloseable {

    /**
     * Evaluates every operation of the batch at one instant and, if the batch commits and no live rule denies,
     * charges every rule whose result allows it. Atomic: no other batch sees a partial charge, and a denied
     * batch charges nothing. A dry-run rule that would deny reports so and is not charged.
     */
    Outcome apply(Batch batch);

    /**
     * Decides the batch as {@link #apply} does and records the outcome in it, for {@link Batch#outcome()} and the
     * batch's other accessors to read. The guard decides its reservations this way, so that a store may record what
     * it decided without making an {@link Outcome} until someone asks for one: the memory store's usual path makes
     * none, as a reservation that is only settled never needs one.
     */
    default void decide(Batch batch) {
        batch.decided(apply(batch));
    }

    /**
     * Moves each charged rule from its estimate to its actual amount and ends the reservation's concurrency
     * leases. A surplus is refunded to the window it was charged in (if that window is still current); extra
     * usage is charged now, as debt, even past the limit.
     */
    void adjust(Adjustment adjustment);

    /** Releases the store's resources. */
    @Override
    void close();
}
