package dev.tollgate.internal;

import java.math.BigInteger;

/** Integer arithmetic that never overflows silently: it is exact, or saturates where saturation is the meaning. */
public final class Arith {

    /** A cost so large that nothing can ever pay it; adding to it stays here. */
    public static final long INFINITE = Long.MAX_VALUE / 4;

    private Arith() {
    }

    /** {@code ceil(a * b / c)} for non-negative a, b and positive c, exact; saturates at {@link #INFINITE}. */
    public static long mulDivCeil(long a, long b, long c) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        if (high == 0 && low >= 0) {
            long q = low / c;
            return Math.min(low % c == 0 ? q : q + 1, INFINITE);
        }
        BigInteger[] qr = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divideAndRemainder(BigInteger.valueOf(c));
        BigInteger q = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
        return q.bitLength() < 63 ? Math.min(q.longValue(), INFINITE) : INFINITE;
    }

    /** {@code floor(a * b / c)} for non-negative a, b and positive c, exact; saturates at {@link #INFINITE}. */
    public static long mulDivFloor(long a, long b, long c) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        if (high == 0 && low >= 0) {
            return Math.min(low / c, INFINITE);
        }
        BigInteger q = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(c));
        return q.bitLength() < 63 ? Math.min(q.longValue(), INFINITE) : INFINITE;
    }

    /** {@code (a * b) mod c} for non-negative a, b and positive c, exact. */
    public static long mulMod(long a, long b, long c) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        if (high == 0 && low >= 0) {
            return low % c;
        }
        return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(BigInteger.valueOf(c)).longValue();
    }

    /** {@code ceil((a * b + add) / c)} for non-negative a, b, add and positive c, exact; saturates at {@link #INFINITE}. */
    public static long mulAddDivCeil(long a, long b, long add, long c) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        if (high == 0 && low >= 0 && low + add >= 0) {
            long sum = low + add;
            long q = sum / c;
            return Math.min(sum % c == 0 ? q : q + 1, INFINITE);
        }
        BigInteger[] qr = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).add(BigInteger.valueOf(add))
                .divideAndRemainder(BigInteger.valueOf(c));
        BigInteger q = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
        return q.bitLength() < 63 ? Math.min(q.longValue(), INFINITE) : INFINITE;
    }

    /** {@code ceil(a / b)} for non-negative a and positive b. */
    public static long ceilDiv(long a, long b) {
        long q = a / b;
        return a % b == 0 ? q : q + 1;
    }

    /** {@code a + b} for non-negative values, saturating at {@link #INFINITE}. */
    public static long addSat(long a, long b) {
        long sum = a + b;
        return sum < 0 || sum > INFINITE ? INFINITE : sum;
    }
}
