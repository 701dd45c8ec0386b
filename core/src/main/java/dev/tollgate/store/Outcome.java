package dev.tollgate.store;

import dev.tollgate.internal.Algorithms;

/**
 * What a store decided for a {@link Batch}: the store's time, whether it charged, and for every operation (in
 * batch order) whether it allowed, what remains, when it is whole again and when the call would fit.
 */
public final class Outcome {

    /** {@link #retryAfterMicros} of an operation that can never allow the call: it is larger than the limit. */
    public static final long NEVER = -1;

    private static final int FIELDS = 6;

    private final long nowMicros;
    // Filled in by the store as it decides; null for a deferred outcome, whose numbers are worked out when first read.
    private final long[] values;
    private boolean committed;
    private String fault;

    // A deferred outcome: the operations, a copy of each one's state as the store saw it (their slices laid end to
    // end), and which of them allowed the call. Most callers read only allowed(), so the memory store leaves
    // remaining, reset and retry-after to whoever asks, from the copy, with the same Algorithms code.
    private final Batch deferredOps;
    private final long[] deferredState;
    // Where each operation's slice starts in deferredState; null when the slices lie end to end.
    private final int[] deferredOffsets;
    private final long allowedBits;
    private volatile long[] worked;

    /** An outcome for {@code size} operations, decided at {@code nowMicros}. Stores fill it in with {@link #set}. */
    public Outcome(long nowMicros, int size) {
        this.nowMicros = nowMicros;
        this.values = new long[size * FIELDS];
        this.deferredOps = null;
        this.deferredState = null;
        this.deferredOffsets = null;
        this.allowedBits = 0;
    }

    private Outcome(long nowMicros, Batch ops, long[] state, int[] offsets, long allowedBits, boolean committed) {
        this.nowMicros = nowMicros;
        this.values = null;
        this.deferredOps = ops;
        this.deferredState = state;
        this.deferredOffsets = offsets;
        this.allowedBits = allowedBits;
        this.committed = committed;
    }

    /** Most operations a deferred outcome can hold: one bit each of a long, less two the memory store uses. */
    static final int MAX_DEFERRED = Long.SIZE - 2;

    /**
     * An outcome whose numbers are worked out when first read, from {@code state}: each operation's state slice as
     * it was when decided, end to end in operation order. No concurrency operations (their state is not longs).
     */
    static Outcome deferred(long nowMicros, Batch ops, long[] state, long allowedBits, boolean committed) {
        return new Outcome(nowMicros, ops, state, null, allowedBits, committed);
    }

    /**
     * A deferred outcome whose operations' slices start at {@code offsets} in {@code state}, an array that no one
     * will change again: the memory store's published state, read in place instead of copied.
     */
    static Outcome deferredInPlace(long nowMicros, Batch ops, long[] state, int[] offsets, long allowedBits,
                                   boolean committed) {
        return new Outcome(nowMicros, ops, state, offsets, allowedBits, committed);
    }

    private long[] values() {
        if (values != null) {
            return values;
        }
        long[] v = worked;
        if (v == null) {
            // Deterministic, so two threads that race here work out the same numbers.
            Outcome eager = new Outcome(nowMicros, deferredOps.size());
            for (int i = 0, packed = 0, n = deferredOps.size(); i < n; i++) {
                Limit limit = deferredOps.limit(i);
                int at = deferredOffsets != null ? deferredOffsets[i] : packed;
                Algorithms.evaluate(limit, deferredState, at, null, nowMicros, deferredOps.amount(i), eager, i);
                packed += limit.stateSize();
            }
            v = eager.values;
            worked = v;
        }
        return v;
    }

    /**
     * Records one operation's result. For an operation that allows the call, {@code remaining} and
     * {@code resetAtMicros} are as they will be once it is charged; {@link #setUncharged} gives them as they are
     * if the decision charges nothing. Until then both are the same.
     */
    public void set(int i, boolean allowed, long remaining, long resetAtMicros, long retryAfterMicros) {
        int at = i * FIELDS;
        values[at] = allowed ? 1 : 0;
        values[at + 1] = remaining;
        values[at + 2] = resetAtMicros;
        values[at + 3] = retryAfterMicros;
        values[at + 4] = remaining;
        values[at + 5] = resetAtMicros;
    }

    /** Records what operation {@code i} has left, and when it is whole again, if nothing is charged. */
    public void setUncharged(int i, long remaining, long resetAtMicros) {
        int at = i * FIELDS;
        values[at + 4] = remaining;
        values[at + 5] = resetAtMicros;
    }

    /** Records whether the batch was charged. */
    public void committed(boolean value) {
        this.committed = value;
    }

    /**
     * Marks an outcome that the store made without its shared state, because that state was unreachable: a
     * fail-closed denial, a fail-open allowance or a local-fallback decision. The reason says so in words a
     * person understands, and becomes the decision's reason.
     */
    public void fault(String reason) {
        this.fault = reason;
    }

    /** Why the store decided without its shared state, or null when it decided normally. */
    public String fault() {
        return fault;
    }

    /** The store's time when it decided. */
    public long nowMicros() {
        return nowMicros;
    }

    /** How many operations. */
    public int size() {
        return values != null ? values.length / FIELDS : deferredOps.size();
    }

    /** True if the batch was charged: it asked to commit and no live rule denied. */
    public boolean committed() {
        return committed;
    }

    /** True if operation {@code i} allows the call. */
    public boolean allowed(int i) {
        if (values == null) {
            return (allowedBits & (1L << i)) != 0;
        }
        return values[i * FIELDS] == 1;
    }

    /** What remains on operation {@code i} once the call is charged (as it is, for an operation that denies). */
    public long remaining(int i) {
        return values()[i * FIELDS + 1];
    }

    /** When operation {@code i} is back to its full limit once the call is charged. */
    public long resetAtMicros(int i) {
        return values()[i * FIELDS + 2];
    }

    /** What remains on operation {@code i} if the decision charges nothing. */
    public long remainingUncharged(int i) {
        return values()[i * FIELDS + 4];
    }

    /** When operation {@code i} is back to its full limit if the decision charges nothing. */
    public long resetAtUnchargedMicros(int i) {
        return values()[i * FIELDS + 5];
    }

    /** How long until operation {@code i} would allow the call: 0 now, {@link #NEVER} never. */
    public long retryAfterMicros(int i) {
        return values()[i * FIELDS + 3];
    }
}
