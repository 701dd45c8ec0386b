package dev.tollgate.internal;

import java.math.BigInteger;
import java.util.List;

/**
 * A token bucket as it is defined, not as GCRA computes it: an exact rational number of tokens that refills
 * continuously at {@code refill / interval} tokens per microsecond up to the capacity. A call of n is allowed while n
 * tokens are available; extra usage at settlement takes the balance below zero (debt), down to ten years of refill;
 * a refund adds tokens back, up to the capacity.
 *
 * <p>Tokens are held as {@code tokens * interval}, so every quantity is an integer: refilling for {@code dt}
 * microseconds adds {@code dt * refill}, a call of n takes {@code n * interval}. Times derived from it (when the
 * bucket is full again, when a call fits) are rounded up to whole microseconds; they are exact when the interval is a
 * whole multiple of the refill amount.
 */
final class TokenBucketModel implements ReferenceModel {

    private final long capacity;
    private final BigInteger refill;
    private final BigInteger interval;
    private final BigInteger full;
    private final BigInteger deepestDebt;
    private BigInteger scaled;
    private long at;

    TokenBucketModel(long capacity, long refillAmount, long intervalMicros, long startMicros) {
        this.capacity = capacity;
        this.refill = BigInteger.valueOf(refillAmount);
        this.interval = BigInteger.valueOf(intervalMicros);
        this.full = BigInteger.valueOf(capacity).multiply(interval);
        this.deepestDebt = full.subtract(BigInteger.valueOf(Algorithms.MAX_DEBT_MICROS).multiply(refill));
        this.scaled = full;
        this.at = startMicros;
    }

    private void refillTo(long now) {
        scaled = scaled.add(BigInteger.valueOf(now - at).multiply(refill)).min(full);
        at = now;
    }

    @Override
    public Expected evaluate(long now, long amount) {
        refillTo(now);
        BigInteger need = BigInteger.valueOf(amount).multiply(interval);
        boolean allowed = need.compareTo(scaled) <= 0;
        BigInteger after = allowed ? scaled.subtract(need) : scaled;
        long remaining = after.signum() <= 0 ? 0 : after.divide(interval).longValueExact();
        long reset = now + ceilDiv(full.subtract(after), refill);
        long retry;
        if (allowed) {
            retry = 0;
        } else if (amount > capacity) {
            retry = NEVER;
        } else {
            retry = ceilDiv(need.subtract(scaled), refill);
        }
        return new Expected(allowed, remaining, reset, retry);
    }

    @Override
    public void charge(long now, long amount, long key) {
        refillTo(now);
        scaled = scaled.subtract(BigInteger.valueOf(amount).multiply(interval));
    }

    @Override
    public void correct(long now, long reservedAt, long estimated, long actual, long key) {
        refillTo(now);
        BigInteger extra = BigInteger.valueOf(actual - estimated).multiply(interval);
        scaled = scaled.subtract(extra).max(deepestDebt).min(full);
    }

    @Override
    public long typicalSpanMicros() {
        return ceilDiv(full, refill);
    }

    @Override
    public List<Long> landmarks(long now) {
        refillTo(now);
        BigInteger nextWhole = scaled.signum() >= 0
                ? scaled.divide(interval).add(BigInteger.ONE).multiply(interval)
                : scaled.negate().divide(interval).negate().multiply(interval);
        long toNextToken = ceilDiv(nextWhole.min(full).subtract(scaled), refill);
        return List.of(now + ceilDiv(full.subtract(scaled), refill), now + Math.max(1, toNextToken));
    }

    private static long ceilDiv(BigInteger a, BigInteger b) {
        BigInteger[] qr = a.divideAndRemainder(b);
        return (qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0]).longValueExact();
    }

    /** Tokens now, as an exact fraction. */
    @Override
    public String toString() {
        return "tokens=" + scaled + "/" + interval + " at " + at;
    }
}
