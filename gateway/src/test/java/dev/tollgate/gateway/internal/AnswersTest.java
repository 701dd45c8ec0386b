package dev.tollgate.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.policy.Rule;
import dev.tollgate.testing.Seeds;
import java.math.BigInteger;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AnswersTest {

    /**
     * The window a token bucket's RateLimit-Policy advertises, worked out in longs, against exact big-integer maths,
     * for random buckets that {@link Rule}'s builder accepts: small and large, including those whose product
     * overflows a long and takes the exact path. {@code -Dtollgate.seed=N} replays a run.
     */
    @Test
    void aBucketsWindowIsItsFullRefillTimeRoundedUpToASecond() {
        long seed = Seeds.seed();
        SplittableRandom random = new SplittableRandom(seed);
        long maxIntervalMicros = Rule.MAX_SPAN.toNanos() / 1_000;
        int checked = 0;
        int overflowed = 0;
        while (checked < 20_000) {
            long micros = random.nextBoolean() ? random.nextLong(1_000, 120_000_000) : random.nextLong(1_000, maxIntervalMicros + 1);
            long capacity = random.nextBoolean() ? random.nextLong(1, 1_000_000) : random.nextLong(1, Rule.MAX_LIMIT + 1);
            long refill = random.nextBoolean() ? random.nextLong(1, Math.min(micros, 1_000) + 1)
                    : random.nextLong(1, Math.min(micros, Rule.MAX_LIMIT) + 1);
            Rule rule;
            try {
                rule = Rule.tokenBucket("burst").capacity(capacity).refill(refill, Duration.ofNanos(micros * 1_000)).build();
            } catch (IllegalArgumentException refused) {
                continue; // e.g. more than 10 years to fill: such a bucket never reaches the gateway
            }
            BigInteger product = BigInteger.valueOf(micros).multiply(BigInteger.valueOf(capacity));
            BigInteger[] qr = product.divideAndRemainder(BigInteger.valueOf(refill).multiply(BigInteger.valueOf(1_000_000)));
            long expected = qr[0].longValueExact() + (qr[1].signum() > 0 ? 1 : 0);
            if (product.bitLength() > 63) {
                overflowed++;
            }

            assertThat(Answers.fullRefillSeconds(rule.refillInterval(), rule.limit(), rule.refillAmount()))
                    .as("interval %d us, capacity %d, refill %d; %s", micros, capacity, refill, Seeds.describe(seed))
                    .isEqualTo(expected);
            checked++;
        }
        assertThat(overflowed).as("buckets that took the exact path; %s", Seeds.describe(seed)).isPositive();
    }

    @Test
    void theSamplePlansBucketsAdvertiseTheirFullRefillTime() {
        // capacity 5, 5 per minute (the README's free plan): empty to full in 60 s
        assertThat(Answers.fullRefillSeconds(Duration.ofMinutes(1), 5, 5)).isEqualTo(60);
        // capacity 100,000, 50,000 per minute (the pro plan): two minutes
        assertThat(Answers.fullRefillSeconds(Duration.ofMinutes(1), 100_000, 50_000)).isEqualTo(120);
        // part of a second rounds up: 3 at 2 per 1.5 ms is 2.25 ms
        assertThat(Answers.fullRefillSeconds(Duration.ofNanos(1_500_000), 3, 2)).isEqualTo(1);
    }
}
