package dev.tollgate.bench;

import dev.tollgate.internal.Algorithms;
import dev.tollgate.policy.Mode;
import dev.tollgate.store.Limit;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import java.util.List;

/**
 * The decision step of a batch whose rules all belong to one scope entity, over that entity's {@code long[]} state:
 * the same {@link Algorithms} calls {@code MemoryStore} makes, without cell layouts, leases or sweeping. Shared by
 * the two experimental stores so that they differ only in how they make the step atomic.
 */
final class SingleCell {

    private SingleCell() {
    }

    /** The longs of state the batch's rules need, laid out in batch order. */
    static int stateSize(List<Operation> ops) {
        int size = 0;
        for (int i = 0, n = ops.size(); i < n; i++) {
            Limit limit = ops.get(i).limit();
            if (limit.algorithm() == dev.tollgate.policy.Algorithm.CONCURRENCY) {
                throw new IllegalArgumentException("the experimental stores hold no concurrency leases: " + limit);
            }
            size += Algorithms.stateSize(limit.algorithm());
        }
        return size;
    }

    /** The one entity every operation charges; fails fast on a batch that spans entities. */
    static String entity(List<Operation> ops) {
        Operation first = ops.get(0);
        for (int i = 1, n = ops.size(); i < n; i++) {
            Operation op = ops.get(i);
            if (op.limit().scope() != first.limit().scope() || !op.entity().equals(first.entity())) {
                throw new IllegalArgumentException("the experimental stores take one scope entity per batch, got "
                        + first.limit().scope() + " " + first.entity() + " and " + op.limit().scope() + " " + op.entity());
            }
        }
        return first.entity();
    }

    /** Evaluates every operation against {@code s} at {@code now} into {@code out}; true if no live rule denies. */
    static boolean evaluate(List<Operation> ops, long[] s, long now, Outcome out) {
        boolean ok = true;
        int offset = 0;
        for (int i = 0, n = ops.size(); i < n; i++) {
            Operation op = ops.get(i);
            Limit limit = op.limit();
            if (!Algorithms.evaluate(limit, s, offset, null, now, op.amount(), out, i) && limit.rule().mode() == Mode.LIVE) {
                ok = false;
            }
            offset += Algorithms.stateSize(limit.algorithm());
        }
        return ok;
    }

    /** Charges every operation the outcome allows (dry-run rules that would deny are not charged). */
    static void charge(List<Operation> ops, long[] s, long now, Outcome out, long reservationId) {
        int offset = 0;
        for (int i = 0, n = ops.size(); i < n; i++) {
            Operation op = ops.get(i);
            Limit limit = op.limit();
            if (out.allowed(i)) {
                Algorithms.charge(limit, s, offset, null, now, op.amount(), reservationId);
            }
            offset += Algorithms.stateSize(limit.algorithm());
        }
    }
}
