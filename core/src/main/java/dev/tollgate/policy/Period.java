package dev.tollgate.policy;

/** A calendar period for quotas: it resets at local midnight, on Monday, or on the first of the month. */
public enum Period {
    /** Resets every day at midnight in the rule's zone. */
    DAY("day"),
    /** Resets every Monday at midnight in the rule's zone (ISO weeks). */
    WEEK("week"),
    /** Resets on the first day of every month at midnight in the rule's zone. */
    MONTH("month");

    private final String label;

    Period(String label) {
        this.label = label;
    }

    /** The lower-case name used in configuration and messages. */
    public String label() {
        return label;
    }

    /** Parses {@code day}, {@code week} or {@code month} (also {@code daily}, {@code weekly}, {@code monthly}). */
    public static Period parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("period must be day, week or month; got null");
        }
        String normal = text.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (normal) {
            case "day", "daily" -> DAY;
            case "week", "weekly" -> WEEK;
            case "month", "monthly" -> MONTH;
            default -> throw new IllegalArgumentException("period must be day, week or month; got '" + text + "'");
        };
    }
}
