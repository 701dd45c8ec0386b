package dev.tollgate.policy;

/** Whether a rule is enforced or only observed. */
public enum Mode {
    /** The rule denies calls that exceed it. */
    LIVE,
    /**
     * Shadow mode: the rule is counted and reports "would deny" in the decision, but never denies. A call
     * it would deny is not charged to it, so its state shows what a live rule would allow next.
     */
    DRY_RUN;

    /** Parses {@code live} or {@code dry-run} (also {@code dry_run}, {@code shadow}), ignoring case. */
    public static Mode parse(String text) {
        String normal = text.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        return switch (normal) {
            case "live" -> LIVE;
            case "dry-run", "dryrun", "shadow" -> DRY_RUN;
            default -> throw new IllegalArgumentException("mode must be live or dry-run; got '" + text + "'");
        };
    }
}
