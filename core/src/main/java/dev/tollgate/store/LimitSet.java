package dev.tollgate.store;

import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Scope;
import java.util.Arrays;

/**
 * The limits a decision applies, sorted by scope (user first, global last; plan order within a scope), with what a
 * store would otherwise work out on every call: how many longs of state they span, whether they all sit on one scope
 * entity, and where each one's state sits in a memory-store cell laid out for them. Built once per plan (and per
 * combination of scopes a subject has), and shared by every decision on it.
 */
public final class LimitSet {

    private static final int SCOPES = Scope.values().length;

    private final Limit[] limits;
    // The longs of state a deferred outcome copies, or -1 if its batches must be decided eagerly: concurrency rules
    // keep leases, not longs, and a deferred outcome holds at most 64 allowed bits.
    final int deferredStateSize;
    final boolean oneScope;
    // For each scope (by ordinal), the interned layout of that scope's limits in order, or null if none; and for each
    // limit, where its state starts in the array of a cell with that layout.
    final Layout[] layoutByScope;
    final int[] offsets;
    // When every limit sits on one entity and is decided deferred: the layout of a cell made for them, and the
    // length of its state array; else null and 0. The memory store's fastest path needs nothing else.
    final Layout oneCellLayout;
    final int oneCellLength;

    private LimitSet(Limit[] limits) {
        this.limits = limits;
        this.oneScope = limits.length == 0 || limits[0].scope() == limits[limits.length - 1].scope();
        this.deferredStateSize = deferredStateSize(limits);
        this.layoutByScope = new Layout[SCOPES];
        this.offsets = new int[limits.length];
        for (int from = 0; from < limits.length; ) {
            Scope scope = limits[from].scope();
            int to = from + 1;
            while (to < limits.length && limits[to].scope() == scope) {
                to++;
            }
            Slot[] slots = new Slot[to - from];
            for (int i = from; i < to; i++) {
                slots[i - from] = limits[i].slot();
            }
            Layout layout = Layout.of(slots);
            layoutByScope[scope.ordinal()] = layout;
            for (int i = from; i < to; i++) {
                offsets[i] = Cell.HEADER + layout.offsets[i - from];
            }
            from = to;
        }
        boolean oneCell = oneScope && limits.length > 0 && deferredStateSize >= 0;
        this.oneCellLayout = oneCell ? layoutByScope[limits[0].scope().ordinal()] : null;
        this.oneCellLength = oneCell ? Cell.HEADER + oneCellLayout.stateSize : 0;
    }

    /**
     * The set of these limits.
     *
     * @param limits the limits, sorted by scope; at most one per rule name and scope
     * @throws IllegalArgumentException if they are not sorted by scope
     */
    public static LimitSet of(Limit... limits) {
        Limit[] copy = limits.clone();
        for (int i = 1; i < copy.length; i++) {
            if (copy[i].scope().compareTo(copy[i - 1].scope()) < 0) {
                throw new IllegalArgumentException("limits must be sorted by scope, but " + copy[i].rule().name()
                        + " (" + copy[i].scope() + ") comes after " + copy[i - 1].rule().name() + " ("
                        + copy[i - 1].scope() + ")");
            }
        }
        return new LimitSet(copy);
    }

    /** How many limits. */
    public int size() {
        return limits.length;
    }

    /** Limit {@code i}, in scope order. */
    public Limit limit(int i) {
        return limits[i];
    }

    Limit[] limits() {
        return limits;
    }

    static int deferredStateSize(Limit[] limits) {
        if (limits.length > Outcome.MAX_DEFERRED) {
            return -1;
        }
        int size = 0;
        for (Limit limit : limits) {
            if (limit.algorithm() == Algorithm.CONCURRENCY) {
                return -1;
            }
            size += limit.stateSize();
        }
        return size;
    }

    @Override
    public String toString() {
        return Arrays.toString(limits);
    }
}
