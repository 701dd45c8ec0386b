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
 * <p>Only the guard's reservation extends it: a reservation is the batch it reserved, so a call makes one object
 * for both. Everything a store reads is final.
 */
public class Batch {

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
