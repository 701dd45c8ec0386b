package dev.tollgate.store;

import dev.tollgate.Charge;
import dev.tollgate.Subject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Every rule operation of one decision. Operations come sorted by scope (user first, global last); within a scope
 * they share one entity. Stores lock or reserve in that order.
 *
 * <p>The guard builds a batch from a plan's {@link LimitSet}, the subject and the charge, and stores read operation
 * {@code i} through {@link #limit}, {@link #entity} and {@link #amount}: no operation objects are made on the way.
 * {@link #operations()} lists them for stores that want a list.
 *
 * <p>A batch also holds what its store decided ({@link Store#decide}), so that the guard's reservation, which
 * extends it, is one object for the call, its operations and their outcome. The memory store records its usual
 * decision as the published state it decided on, and an {@link Outcome} is made from it only when someone asks. Only
 * the guard's reservation extends it. Everything a store reads is final.
 */
public class Batch {

    // Either the limits with the subject and charge they apply to, or a given list of operations.
    private final LimitSet limits;
    private final Subject subject;
    private final Charge charge;
    private List<Operation> operations;
    private final boolean commit;
    private final long reservationId;

    // What a store decided: an outcome, or else the memory store's record of the state it decided on (an array that
    // is never written again), its time, which operations allowed and whether it charged. Written once, by the
    // deciding thread, before the batch is handed to anyone else.
    private Outcome outcome;
    private long[] decidedState;
    private long decidedAtMicros;
    private long allowedBits;
    private boolean charged;

    /**
     * A batch of these operations.
     *
     * @param operations the operations, sorted by scope
     * @param commit true to charge when allowed (reserve), false to only evaluate (check)
     * @param reservationId a process-unique id; concurrency rules name their lease after it
     */
    public Batch(List<Operation> operations, boolean commit, long reservationId) {
        this.limits = null;
        this.subject = null;
        this.charge = null;
        this.operations = List.copyOf(operations);
        this.commit = commit;
        this.reservationId = reservationId;
    }

    /**
     * The batch that puts {@code charge} on each of the limits, for the subject's entity in each limit's scope: what
     * {@link #of} makes, for the guard's reservation to extend.
     */
    protected Batch(LimitSet limits, Subject subject, Charge charge, boolean commit, long reservationId) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.subject = Objects.requireNonNull(subject, "subject");
        this.charge = Objects.requireNonNull(charge, "charge");
        this.commit = commit;
        this.reservationId = reservationId;
    }

    /**
     * The batch that puts {@code charge} on each of the limits, for the subject's entity in each limit's scope. The
     * subject must have an entity for every scope of the set: the guard picks the set for the scopes it has.
     */
    public static Batch of(LimitSet limits, Subject subject, Charge charge, boolean commit, long reservationId) {
        return new Batch(limits, subject, charge, commit, reservationId);
    }

    /** How many operations. */
    public final int size() {
        return limits != null ? limits.size() : operations.size();
    }

    /** The limit of operation {@code i}. */
    public final Limit limit(int i) {
        return limits != null ? limits.limit(i) : operations.get(i).limit();
    }

    /** The entity whose budget operation {@code i} charges, for its limit's scope. */
    public final String entity(int i) {
        return limits != null ? subject.idFor(limits.limit(i).scope()) : operations.get(i).entity();
    }

    /** What operation {@code i} puts on its rule, in the rule's meter. */
    public final long amount(int i) {
        return limits != null ? charge.amount(limits.limit(i).meter()) : operations.get(i).amount();
    }

    /** The operations, sorted by scope. */
    public final List<Operation> operations() {
        List<Operation> list = operations;
        if (list == null) {
            List<Operation> built = new ArrayList<>(size());
            for (int i = 0, n = size(); i < n; i++) {
                built.add(new Operation(limit(i), entity(i), amount(i)));
            }
            list = Collections.unmodifiableList(built);
            operations = list;
        }
        return list;
    }

    /** True to charge when allowed (reserve), false to only evaluate (check). */
    public final boolean commit() {
        return commit;
    }

    /** A process-unique id; concurrency rules name their lease after it. */
    public final long reservationId() {
        return reservationId;
    }

    /** Records what a store decided for this batch: {@link Store#decide} does, once. */
    public final void decided(Outcome decided) {
        this.outcome = Objects.requireNonNull(decided, "outcome");
    }

    // The memory store's record of a decision made on one cell laid out for this batch's limit set: `state` is the
    // published array it decided on, so each operation's state is at the set's offset in it.
    final void decidedInPlace(long nowMicros, long[] state, long allowed, boolean charge) {
        this.decidedState = state;
        this.decidedAtMicros = nowMicros;
        this.allowedBits = allowed;
        this.charged = charge;
    }

    /**
     * What the store decided for this batch. Made from the store's record the first time it is asked for if the store
     * recorded no outcome of its own, and then possibly again on another thread: each is the same.
     *
     * @throws IllegalStateException if no store has decided this batch
     */
    public final Outcome outcome() {
        if (outcome != null) {
            return outcome;
        }
        if (decidedState == null) {
            throw new IllegalStateException("no store has decided this batch yet");
        }
        return Outcome.deferredInPlace(decidedAtMicros, this, decidedState, limits.offsets, allowedBits, charged);
    }

    /** True if the store that decided this batch charged it: it asked to commit and no live rule denied. */
    public final boolean charged() {
        return outcome != null ? outcome.committed() : charged;
    }

    /** True if operation {@code i} allowed the call, in the store's decision. */
    public final boolean allowedBy(int i) {
        return outcome != null ? outcome.allowed(i) : (allowedBits & (1L << i)) != 0;
    }

    /** The store's time when it decided this batch. */
    public final long decidedAtMicros() {
        return outcome != null ? outcome.nowMicros() : decidedAtMicros;
    }

    /** The charge this batch puts on its limits, or null if it was given its operations. */
    protected final Charge charge() {
        return charge;
    }

    /** The limit set this batch was built from, or null if it was given its operations. */
    LimitSet limitSet() {
        return limits;
    }

    @Override
    public String toString() {
        return "Batch" + operations() + (commit ? " reserve " + Long.toHexString(reservationId) : " check");
    }
}
