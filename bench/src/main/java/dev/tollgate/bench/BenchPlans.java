package dev.tollgate.bench;

import dev.tollgate.Charge;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Money;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import io.github.bucket4j.Bandwidth;
import dev.tollgate.internal.CoarseClock;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;

/**
 * The limits every contender enforces, written once per library so that they mean the same thing.
 *
 * <ul>
 *   <li><b>allow</b>: a token bucket so large (10^10) that no run can drain it, refilling 100 per second. Almost
 *       every call is allowed. Guava and Resilience4j have no separate capacity, so they get a rate (10^9 per
 *       second) that no run can reach.</li>
 *   <li><b>deny</b>: a bucket of 10 refilling 10 per second: after the first 10 calls, all but 10 calls a second
 *       are denied.</li>
 *   <li><b>three rules</b>: the allow bucket, a daily token quota and a monthly money quota, all far above what a
 *       run uses. Bucket4j meters one unit per bucket, so its three bandwidths all count requests; Tollgate meters
 *       requests, tokens and micro-USD in one atomic step.</li>
 * </ul>
 */
final class BenchPlans {

    static final long BIG = 10_000_000_000L;
    static final long REFILL_PER_SECOND = 100;
    static final long DENY_CAPACITY = 10;

    /** Tokens and micro-USD of one call on the three-rule plan. */
    static final long CALL_TOKENS = 1_000;
    static final long CALL_MICROS = 1_500;

    private BenchPlans() {
    }

    static Policy oneRule(boolean deny) {
        long capacity = deny ? DENY_CAPACITY : BIG;
        long refill = deny ? DENY_CAPACITY : REFILL_PER_SECOND;
        return Policy.of(Plan.named(KeySpace.PLAN)
                .rule(Rule.tokenBucket("burst").capacity(capacity).refill(refill, Duration.ofSeconds(1))));
    }

    static Policy threeRules() {
        return threeRules(false);
    }

    /** The three-rule plan; with {@code deny}, its burst bucket is the small one that denies almost every call. */
    static Policy threeRules(boolean deny) {
        long capacity = deny ? DENY_CAPACITY : BIG;
        long refill = deny ? DENY_CAPACITY : REFILL_PER_SECOND;
        return Policy.of(Plan.named(KeySpace.PLAN)
                .rule(Rule.tokenBucket("burst").capacity(capacity).refill(refill, Duration.ofSeconds(1)))
                .rule(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(1_000_000_000_000_000L).per(Period.DAY))
                .rule(Rule.quota("monthly-usd").limit(Money.ofMicros(1_000_000_000_000_000L)).per(Period.MONTH)));
    }

    /** One call on the three-rule plan: a request, its tokens and its price. */
    static Charge threeRuleCharge() {
        return new Charge(1, CALL_TOKENS, CALL_MICROS);
    }

    // Bandwidths are immutable and shared by every bucket, the cheapest way to use Bucket4j.
    private static final Bandwidth B4J_ALLOW = Bandwidth.builder().capacity(BIG)
            .refillGreedy(REFILL_PER_SECOND, Duration.ofSeconds(1)).build();
    private static final Bandwidth B4J_DENY = Bandwidth.builder().capacity(DENY_CAPACITY)
            .refillGreedy(DENY_CAPACITY, Duration.ofSeconds(1)).build();
    private static final Bandwidth B4J_DAY = Bandwidth.builder().capacity(1_000_000_000_000L)
            .refillIntervally(1_000_000_000_000L, Duration.ofDays(1)).build();
    private static final Bandwidth B4J_MONTH = Bandwidth.builder().capacity(1_000_000_000_000L)
            .refillIntervally(1_000_000_000_000L, Duration.ofDays(30)).build();

    static Bucket bucket4j(boolean deny) {
        return Bucket.builder().addLimit(deny ? B4J_DENY : B4J_ALLOW).build();
    }

    /**
     * Bucket4j reading the same millisecond clock field as Tollgate's memory store: the two engines compared with
     * the cost of reading the system clock taken out of both. The field ticks while a memory store is open.
     */
    static final TimeMeter COARSE_CLOCK = new TimeMeter() {
        @Override
        public long currentTimeNanos() {
            return CoarseClock.SHARED.nowMicros() * 1_000;
        }

        @Override
        public boolean isWallClockBased() {
            return true;
        }
    };

    static Bucket bucket4jCoarseClock(boolean deny, int rules) {
        LocalBucketBuilder b = Bucket.builder().addLimit(deny ? B4J_DENY : B4J_ALLOW);
        if (rules == 3) {
            b.addLimit(B4J_DAY).addLimit(B4J_MONTH);
        }
        return b.withCustomTimePrecision(COARSE_CLOCK).build();
    }

    static Bucket bucket4jThree() {
        return bucket4j(false, 3, SynchronizationStrategy.LOCK_FREE);
    }

    /** A bucket with the burst bandwidth (allow or deny), plus the day and month ones when {@code rules} is 3. */
    static Bucket bucket4j(boolean deny, int rules, SynchronizationStrategy sync) {
        LocalBucketBuilder b = Bucket.builder().addLimit(deny ? B4J_DENY : B4J_ALLOW);
        if (rules == 3) {
            b.addLimit(B4J_DAY).addLimit(B4J_MONTH);
        }
        return b.withSynchronizationStrategy(sync).build();
    }

    private static final RateLimiterConfig R4J_ALLOW = RateLimiterConfig.custom().limitForPeriod(1_000_000_000)
            .limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build();
    private static final RateLimiterConfig R4J_DENY = RateLimiterConfig.custom().limitForPeriod((int) DENY_CAPACITY)
            .limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build();

    static RateLimiter resilience4j(String name, boolean deny) {
        return RateLimiter.of(name, deny ? R4J_DENY : R4J_ALLOW);
    }

    @SuppressWarnings("UnstableApiUsage")
    static com.google.common.util.concurrent.RateLimiter guava(boolean deny) {
        return com.google.common.util.concurrent.RateLimiter.create(deny ? DENY_CAPACITY : 1e9);
    }
}
