package dev.tollgate.policy;

/** How a rule counts over time. */
public enum Algorithm {
    /** A bucket of {@code capacity} units that refills continuously (GCRA: one timestamp of state). */
    TOKEN_BUCKET("token-bucket"),
    /** A counter that resets at fixed, epoch-aligned intervals. */
    FIXED_WINDOW("fixed-window"),
    /** The two-window weighted approximation of a sliding window, as Cloudflare and Upstash do it. */
    SLIDING_WINDOW("sliding-window"),
    /** A counter that resets at calendar boundaries (midnight, Monday, the first of the month) in a time zone. */
    CALENDAR_QUOTA("quota"),
    /** Calls in flight at once; each holds a lease until it is settled, released, or times out. */
    CONCURRENCY("concurrency");

    private final String label;

    Algorithm(String label) {
        this.label = label;
    }

    /** The name used in configuration, e.g. {@code token-bucket}. */
    public String label() {
        return label;
    }
}
