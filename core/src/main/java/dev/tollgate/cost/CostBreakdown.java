package dev.tollgate.cost;

import dev.tollgate.policy.Money;

/**
 * The exact cost of one call, part by part, in pico-USD (10^-12 USD, that is tokens times micro-USD per million
 * tokens), and its total rounded up once to whole micro-USD.
 *
 * <p>Rounding happens once per call, on the exact sum: a call never costs less than what it consumed, and never more
 * than one micro-USD above it.
 *
 * @param inputPicos uncached input
 * @param cachedInputPicos cache reads
 * @param cacheWritePicos cache writes, 5-minute and 1-hour together
 * @param outputPicos output, reasoning included
 */
public record CostBreakdown(long inputPicos, long cachedInputPicos, long cacheWritePicos, long outputPicos) {

    /** Pico-USD in one micro-USD. */
    public static final long PICOS_PER_MICRO = 1_000_000L;

    /** Every part must be >= 0. */
    public CostBreakdown {
        if (inputPicos < 0 || cachedInputPicos < 0 || cacheWritePicos < 0 || outputPicos < 0) {
            throw new IllegalArgumentException("cost parts must be >= 0");
        }
    }

    /** The exact total in pico-USD. */
    public long totalPicos() {
        return Math.addExact(Math.addExact(inputPicos, cachedInputPicos), Math.addExact(cacheWritePicos, outputPicos));
    }

    /** The total rounded up to whole micro-USD: the amount a budget is charged. */
    public long micros() {
        long total = totalPicos();
        return total / PICOS_PER_MICRO + (total % PICOS_PER_MICRO == 0 ? 0 : 1);
    }

    /** The total as {@link Money}, rounded up to whole micro-USD. */
    public Money money() {
        return Money.ofMicros(micros());
    }

    @Override
    public String toString() {
        return "Cost[" + money() + " = input " + inputPicos + " + cached " + cachedInputPicos + " + cache-write "
                + cacheWritePicos + " + output " + outputPicos + " pico-USD]";
    }
}
