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
 */
public final class Batch {

    // Either the limits with the subject and charge they apply to, or a given list of operations.
    private final LimitSet limits;
    private final Subject subject;
    private final Charge charge;
    private List<Operation> operations;
    private final boolean commit;
    private final long reservationId;

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

    private Batch(LimitSet limits, Subject subject, Charge charge, boolean commit, long reservationId) {
        this.limits = limits;
        this.subject = subject;
        this.charge = charge;
        this.commit = commit;
        this.reservationId = reservationId;
    }

    /**
     * The batch that puts {@code charge} on each of the limits, for the subject's entity in each limit's scope. The
     * subject must have an entity for every scope of the set: the guard picks the set for the scopes it has.
     */
    public static Batch of(LimitSet limits, Subject subject, Charge charge, boolean commit, long reservationId) {
        return new Batch(Objects.requireNonNull(limits, "limits"), Objects.requireNonNull(subject, "subject"),
                Objects.requireNonNull(charge, "charge"), commit, reservationId);
    }

    /** How many operations. */
    public int size() {
        return limits != null ? limits.size() : operations.size();
    }

    /** The limit of operation {@code i}. */
    public Limit limit(int i) {
        return limits != null ? limits.limit(i) : operations.get(i).limit();
    }

    /** The entity whose budget operation {@code i} charges, for its limit's scope. */
    public String entity(int i) {
        return limits != null ? subject.idFor(limits.limit(i).scope()) : operations.get(i).entity();
    }

    /** What operation {@code i} puts on its rule, in the rule's meter. */
    public long amount(int i) {
        return limits != null ? charge.amount(limits.limit(i).meter()) : operations.get(i).amount();
    }

    /** The operations, sorted by scope. */
    public List<Operation> operations() {
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
    public boolean commit() {
        return commit;
    }

    /** A process-unique id; concurrency rules name their lease after it. */
    public long reservationId() {
        return reservationId;
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
