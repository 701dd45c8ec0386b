package dev.tollgate.policy;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints durations the way configuration writes them: {@code 30s}, {@code 1m}, {@code 24h}, {@code 7d}. */
public final class Durations {

    private static final Pattern TEXT = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * Parses {@code 250ms}, {@code 30s}, {@code 1m}, {@code 24h} or {@code 7d}.
     *
     * @throws IllegalArgumentException naming the text when it is not of that form
     */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("duration must not be null");
        }
        Matcher m = TEXT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("duration must be a whole number followed by ms, s, m, h or d "
                    + "(like 30s, 1m, 24h, 7d); got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /**
     * Prints the shortest exact form: {@code 1m}, {@code 24h}, {@code 7d}, {@code 1500ms}; finer than a millisecond,
     * {@code 1500us} or {@code 999999ns}. Works from seconds and nanoseconds, so no duration is too long to print.
     */
    public static String format(Duration d) {
        long seconds = d.getSeconds();
        int nanos = d.getNano();
        if (nanos % 1_000_000 != 0) {
            // Rounding to milliseconds would print a rejected 0.5ms as "0ms".
            try {
                long total = d.toNanos();
                return total % 1_000 == 0 ? total / 1_000 + "us" : total + "ns";
            } catch (ArithmeticException e) {
                return d.toString();
            }
        }
        if (nanos == 0 && seconds > 0) {
            // "24h" reads better than "1d" for a rolling window; from two days on, days read better.
            if (seconds >= 2 * 86_400L && seconds % 86_400L == 0) {
                return seconds / 86_400L + "d";
            }
            if (seconds % 3_600L == 0) {
                return seconds / 3_600L + "h";
            }
            if (seconds % 60L == 0) {
                return seconds / 60L + "m";
            }
            return seconds + "s";
        }
        try {
            return Math.addExact(Math.multiplyExact(seconds, 1_000L), nanos / 1_000_000) + "ms";
        } catch (ArithmeticException e) {
            return d.toString();
        }
    }

    /** A wait for people, rounded up to whole seconds: {@code 12s}, {@code 3m 5s}, {@code 2h 0m}. */
    public static String formatWait(Duration d) {
        long seconds = (d.toMillis() + 999) / 1_000;
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3_600) {
            return seconds / 60 + "m " + seconds % 60 + "s";
        }
        return seconds / 3_600 + "h " + (seconds % 3_600) / 60 + "m";
    }
}
