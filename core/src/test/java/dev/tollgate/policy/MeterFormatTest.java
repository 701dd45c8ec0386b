package dev.tollgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.Seeds;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Amounts in messages are grouped the English way, whatever the JVM's locale. */
class MeterFormatTest {

    @Test
    void groupsDigitsInThreesWithCommas() {
        assertThat(Meter.TOKENS.format(20_000)).isEqualTo("20,000 tokens");
        assertThat(Meter.TOKENS.format(1)).isEqualTo("1 token");
        assertThat(Meter.REQUESTS.format(999)).isEqualTo("999 requests");
        assertThat(Meter.REQUESTS.format(1_000)).isEqualTo("1,000 requests");
        assertThat(Meter.REQUESTS.format(1_234_567)).isEqualTo("1,234,567 requests");
        assertThat(Meter.USD.format(5_000_000)).isEqualTo("$5.00");
    }

    @Test
    void agreesWithTheRootLocaleGroupingForAnyLong() {
        long seed = Seeds.seed();
        SplittableRandom random = new SplittableRandom(seed);
        long[] edges = {0, 9, 10, 99, 100, 999, 1_000, -1, -999, -1_000, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long n : edges) {
            assertThat(Meter.grouped(n)).as("%d", n).isEqualTo(String.format(Locale.ROOT, "%,d", n));
        }
        for (int i = 0; i < 10_000; i++) {
            // Spread over every digit count, not just the 19-digit numbers most random longs have.
            long n = random.nextLong() >> random.nextInt(64);
            assertThat(Meter.grouped(n)).as("%d; %s", n, Seeds.describe(seed))
                    .isEqualTo(String.format(Locale.ROOT, "%,d", n));
        }
    }

    @Test
    void ignoresTheDefaultLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY); // would group as 20.000
            assertThat(Meter.TOKENS.format(20_000)).isEqualTo("20,000 tokens");
        } finally {
            Locale.setDefault(before);
        }
    }
}
