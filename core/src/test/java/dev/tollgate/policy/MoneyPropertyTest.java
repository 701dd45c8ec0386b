package dev.tollgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.PropertyRuns;
import dev.tollgate.testing.Seeds;
import java.math.BigInteger;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Money prints and parses back exactly, for every amount of micro-dollars a long holds. */
class MoneyPropertyTest {

    private static final int CASES = 20_000;
    private static final Pattern PRINTED = Pattern.compile("\\$(0|[1-9][0-9]*)\\.[0-9]{2}([0-9]{0,3}[1-9])?");

    @Test
    void everyAmountPrintsAsDollarsAndParsesBackToTheSameMicros() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random random = new Random(seed);
            for (int i = 0; i < PropertyRuns.sequences(CASES); i++) {
                long micros = micros(random);
                Money money = Money.ofMicros(micros);
                String printed = money.toString();
                String where = micros + " micro-USD printed as " + printed + "; " + Seeds.describe(seed);
                assertTrue(PRINTED.matcher(printed).matches(),
                        "at least two decimals, no trailing zeros after: " + where);
                assertEquals(micros, Money.usd(printed).micros(), where);
                assertEquals(micros, Money.usd(printed.substring(1)).micros(), "without the dollar sign: " + where);
                assertEquals(micros, Money.usd("  " + printed + " ").micros(), "with spaces around: " + where);
                assertEquals(micros, Money.usd(money.toDollars().toPlainString()).micros(), where);
            }
        });
    }

    @Test
    void decimalTextParsesToItsExactMicros() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random random = new Random(seed);
            for (int i = 0; i < PropertyRuns.sequences(CASES); i++) {
                BigInteger dollars = BigInteger.valueOf(random.nextLong(Long.MAX_VALUE / 1_000_000 + 2));
                int places = random.nextInt(7);
                int fraction = places == 0 ? 0 : random.nextInt((int) Math.pow(10, places));
                String text = dollars + (places == 0 ? "" : "." + String.format("%0" + places + "d", fraction)
                        + "0".repeat(random.nextInt(3) == 0 ? random.nextInt(4) : 0));
                BigInteger expected = dollars.multiply(BigInteger.valueOf(1_000_000))
                        .add(BigInteger.valueOf(fraction).multiply(BigInteger.TEN.pow(6 - places)));
                String where = "'" + text + "'; " + Seeds.describe(seed);
                if (expected.bitLength() < 64) {
                    assertEquals(expected.longValueExact(), Money.usd(text).micros(), where);
                } else {
                    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                            IllegalArgumentException.class, () -> Money.usd(text), where);
                    assertTrue(e.getMessage().contains("too large") && e.getMessage().contains(text), where);
                }
            }
        });
    }

    /** Micro-dollar amounts of every magnitude: cents, dollars, and up to {@code Long.MAX_VALUE}. */
    private static long micros(Random random) {
        long value = random.nextLong() >>> (1 + random.nextInt(63));
        return switch (random.nextInt(5)) {
            case 0 -> value;
            case 1 -> value / 10_000 * 10_000; // whole cents
            case 2 -> value / 1_000_000 * 1_000_000; // whole dollars
            case 3 -> random.nextInt(1_000);
            default -> Long.MAX_VALUE - random.nextInt(1_000);
        };
    }
}
