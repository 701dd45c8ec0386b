package dev.tollgate.testing;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Seeds for property tests: {@code -Dtollgate.seed=N} replays one, otherwise each run draws a new one. Every
 * failure message must carry {@link #describe(long)} so that the failure can be replayed.
 */
public final class Seeds {

    private Seeds() {
    }

    /** The seed given with {@code -Dtollgate.seed}, or a fresh random one. */
    public static long seed() {
        String given = System.getProperty("tollgate.seed", "");
        return given.isBlank() ? ThreadLocalRandom.current().nextLong() : Long.parseLong(given.trim());
    }

    /** {@code seed=N (rerun with -Dtollgate.seed=N)}. */
    public static String describe(long seed) {
        return "seed=" + seed + " (rerun with -Dtollgate.seed=" + seed + ")";
    }
}
