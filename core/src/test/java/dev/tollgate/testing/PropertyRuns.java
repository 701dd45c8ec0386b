package dev.tollgate.testing;

import org.junit.jupiter.api.function.Executable;

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

    /**
     * Runs a property test's body so that any failure names the seed to replay it: assertion messages that do not
     * already carry it, and unexpected exceptions from the code under test, are wrapped with
     * {@link Seeds#describe(long)}.
     */
    public static void replayable(long seed, Executable body) {
        try {
            body.execute();
        } catch (Throwable t) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof AssertionError && message.contains(Seeds.describe(seed))) {
                throw (AssertionError) t;
            }
            throw new AssertionError(t.getClass().getSimpleName() + ": " + message + "\n" + Seeds.describe(seed), t);
        }
    }

    private static int property(String name, int usual) {
        String given = System.getProperty(name, "");
        return given.isBlank() ? usual : Integer.parseInt(given.trim());
    }
}
