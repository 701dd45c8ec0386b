package dev.tollgate.policy;

import static dev.tollgate.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Durations parse the configuration forms only, reject the rest naming the text, and print exactly. */
class DurationsTest {

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "5", "s", "ms", "5x", "5 s", "-5s", "+5s", "1.5s", "5sec", "5S5", "PT5S", "1h30m",
        "5 ", "1000000000000d", "0x10s", "\u0665s"})
    void textThatIsNotAWholeNumberAndAUnitIsRejectedWithTheText(String text) {
        assertRejected(() -> Durations.parse(text), "duration", "'" + text + "'");
    }

    @Test
    void nullTextIsRejected() {
        assertRejected(() -> Durations.parse(null), "duration", "null");
    }

    @Test
    void theConfigurationFormsParse() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse(" 30S "));
        assertEquals(Duration.ofMinutes(1), Durations.parse("1m"));
        assertEquals(Duration.ofHours(24), Durations.parse("24h"));
        assertEquals(Duration.ofDays(999_999_999_999L), Durations.parse("999999999999d"));
    }

    @Test
    void formatIsExactEvenBelowAMillisecondAndForHugeDurations() {
        assertEquals("24h", Durations.format(Duration.ofDays(1)));
        assertEquals("7d", Durations.format(Duration.ofDays(7)));
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1_500)));
        assertEquals("0ms", Durations.format(Duration.ZERO));
        assertEquals("-1000ms", Durations.format(Duration.ofSeconds(-1)));
        assertEquals("1500us", Durations.format(Duration.ofNanos(1_500_000)));
        assertEquals("999999ns", Durations.format(Duration.ofNanos(999_999)));
        assertEquals("999999999999d", Durations.format(Duration.ofDays(999_999_999_999L)));
        assertEquals(Long.MAX_VALUE + "s", Durations.format(Duration.ofSeconds(Long.MAX_VALUE)));
        Duration mostNegative = Duration.ofSeconds(Long.MIN_VALUE);
        assertEquals(mostNegative.toString(), Durations.format(mostNegative));
    }
}
