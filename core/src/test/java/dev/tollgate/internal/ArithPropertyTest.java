package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tollgate.testing.PropertyRuns;
import dev.tollgate.testing.Seeds;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Arith} against {@link BigInteger} on random inputs of every magnitude, up to {@code Long.MAX_VALUE}. */
class ArithPropertyTest {

    private static final int CASES = 50_000;
    private static final BigInteger INFINITE = BigInteger.valueOf(Arith.INFINITE);

    @Test
    void mulDivCeilIsExactOrSaturatesAtInfinite() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random random = new Random(seed);
            for (int i = 0; i < CASES; i++) {
                long a = magnitude(random, 0);
                long b = magnitude(random, 0);
                long c = magnitude(random, 1);
                BigInteger[] qr = big(a).multiply(big(b)).divideAndRemainder(big(c));
                BigInteger ceil = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
                assertEquals(ceil.min(INFINITE).longValueExact(), Arith.mulDivCeil(a, b, c),
                        () -> "mulDivCeil(" + a + ", " + b + ", " + c + ") " + Seeds.describe(seed));
            }
        });
    }

    @Test
    void mulDivFloorIsExactOrSaturatesAtInfinite() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random random = new Random(seed);
            for (int i = 0; i < CASES; i++) {
                long a = magnitude(random, 0);
                long b = magnitude(random, 0);
                long c = magnitude(random, 1);
                BigInteger floor = big(a).multiply(big(b)).divide(big(c));
                assertEquals(floor.min(INFINITE).longValueExact(), Arith.mulDivFloor(a, b, c),
                        () -> "mulDivFloor(" + a + ", " + b + ", " + c + ") " + Seeds.describe(seed));
            }
        });
    }

    @Test
    void ceilDivIsTheExactCeiling() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random random = new Random(seed);
            for (int i = 0; i < CASES; i++) {
                long a = magnitude(random, 0);
                long b = magnitude(random, 1);
                BigInteger[] qr = big(a).divideAndRemainder(big(b));
                BigInteger ceil = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
                assertEquals(ceil.longValueExact(), Arith.ceilDiv(a, b),
                        () -> "ceilDiv(" + a + ", " + b + ") " + Seeds.describe(seed));
            }
        });
    }

    @Test
    void addSatIsTheSumOrInfinite() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random random = new Random(seed);
            for (int i = 0; i < CASES; i++) {
                long a = magnitude(random, 0);
                long b = magnitude(random, 0);
                assertEquals(big(a).add(big(b)).min(INFINITE).longValueExact(), Arith.addSat(a, b),
                        () -> "addSat(" + a + ", " + b + ") " + Seeds.describe(seed));
            }
        });
    }

    @Test
    void edgeValuesAreExactOrSaturate() {
        long[] edges = {0, 1, 2, 3, 999, 1_000, 1_024, (1L << 31) - 1, 1L << 31, (1L << 32) + 1, (1L << 53) - 1,
            1L << 53, Arith.INFINITE - 1, Arith.INFINITE, Arith.INFINITE + 1, (1L << 62) - 1, 1L << 62,
            Long.MAX_VALUE - 1, Long.MAX_VALUE};
        for (long a : edges) {
            for (long b : edges) {
                for (long c : edges) {
                    if (c == 0) {
                        continue;
                    }
                    BigInteger[] qr = big(a).multiply(big(b)).divideAndRemainder(big(c));
                    BigInteger ceil = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
                    String call = "(" + a + ", " + b + ", " + c + ")";
                    assertEquals(ceil.min(INFINITE).longValueExact(), Arith.mulDivCeil(a, b, c), "mulDivCeil" + call);
                    assertEquals(qr[0].min(INFINITE).longValueExact(), Arith.mulDivFloor(a, b, c),
                            "mulDivFloor" + call);
                }
            }
        }
    }

    /** A non-negative long of a random bit length, so small, mid-sized and huge values are all common. */
    private static long magnitude(Random random, long min) {
        int bits = random.nextInt(64);
        long value = bits == 0 ? 0 : random.nextLong() >>> (64 - bits);
        if (random.nextInt(20) == 0) {
            value = random.nextBoolean() ? Long.MAX_VALUE - random.nextInt(3) : Arith.INFINITE + random.nextInt(3) - 1;
        }
        return Math.max(min, value);
    }

    private static BigInteger big(long v) {
        return BigInteger.valueOf(v);
    }
}
