package dev.tollgate.store;

/**
 * What a store decided for a {@link Batch}: the store's time, whether it charged, and for every operation (in
 * batch order) whether it allowed, what remains, when it is whole again and when the call would fit.
 */
public final class Outcome {

    /** {@link #retryAfterMicros} of an operation that can never allow the call: it is larger than the limit. */
    public static final long NEVER = -1;

    private static final int FIELDS = 4;

    private final long nowMicros;
    private final long[] values;
    private boolean committed;
    private String fault;

    /** An outcome for {@code size} operations, decided at {@code nowMicros}. Stores fill it in with {@link #set}. */
    public Outcome(long nowMicros, int size) {
        this.nowMicros = nowMicros;
        this.values = new long[size * FIELDS];
    }

    /** Records one operation's result. */
    public void set(int i, boolean allowed, long remaining, long resetAtMicros, long retryAfterMicros) {
        int at = i * FIELDS;
        values[at] = allowed ? 1 : 0;
        values[at + 1] = remaining;
        values[at + 2] = resetAtMicros;
        values[at + 3] = retryAfterMicros;
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
        return values.length / FIELDS;
    }

    /** True if the batch was charged: it asked to commit and no live rule denied. */
    public boolean committed() {
        return committed;
    }

    /** True if operation {@code i} allows the call. */
    public boolean allowed(int i) {
        return values[i * FIELDS] == 1;
    }

    /** What remains on operation {@code i} after the decision. */
    public long remaining(int i) {
        return values[i * FIELDS + 1];
    }

    /** When operation {@code i} is back to its full limit. */
    public long resetAtMicros(int i) {
        return values[i * FIELDS + 2];
    }

    /** How long until operation {@code i} would allow the call: 0 now, {@link #NEVER} never. */
    public long retryAfterMicros(int i) {
        return values[i * FIELDS + 3];
    }
}
