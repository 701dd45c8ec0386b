package dev.tollgate.testing;

/**
 * How long property tests search: each test names its usual number of random sequences and steps, and
 * {@code -Dtollgate.sequences=N} or {@code -Dtollgate.steps=N} override them for a deeper search.
 */
public final class PropertyRuns {

    private PropertyRuns() {
    }

    /** The number of random sequences to run: {@code usual}, or {@code -Dtollgate.sequences}. */
    public static int sequences(int usual) {
        return property("tollgate.sequences", usual);
    }

    /** The number of steps per sequence: {@code usual}, or {@code -Dtollgate.steps}. */
    public static int steps(int usual) {
        return property("tollgate.steps", usual);
    }

    private static int property(String name, int usual) {
        String given = System.getProperty(name, "");
        return given.isBlank() ? usual : Integer.parseInt(given.trim());
    }
}
