package dev.tollgate.redis;

import static dev.tollgate.redis.SemanticParityTest.assertSame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.policy.Rule;
import dev.tollgate.store.Adjustment;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Correction;
import dev.tollgate.store.Limit;
import dev.tollgate.store.MemoryStore;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.Seeds;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lua numbers are doubles, exact only below 2^53. Limits at {@link Rule#MAX_LIMIT} = 2^53-1, sliding windows at
 * {@link Rule#MAX_SLIDING_LIMIT}, amounts far above any limit, debts that saturate, and times decades ahead must
 * give exactly what the memory store gives.
 */
class LuaNumberEdgesTest {

    private static RedisServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = RedisServers.standalone();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    private interface Steps {
        void run(MutableClock clock, Pair stores);
    }

    private record Pair(MemoryStore memory, RedisStore redis) {
        Outcome apply(Batch batch, String where) {
            Outcome expected = memory.apply(batch);
            Outcome actual = redis.apply(batch);
            assertSame(expected, actual, where);
            return expected;
        }

        void adjust(Adjustment adjustment) {
            memory.adjust(adjustment);
            redis.adjust(adjustment);
        }
    }

    private static void both(String start, Steps steps) {
        MutableClock clock = MutableClock.at(start);
        try (RedisStore redis = RedisStore.builder(servers.first().uri()).clock(clock).keyPrefix("e" + UUID.randomUUID()).build();
             MemoryStore memory = MemoryStore.withClock(clock)) {
            steps.run(clock, new Pair(memory, redis));
            assertThat(redis.stats().failures()).as(redis.stats().lastFailure()).isZero();
        }
    }

    @Test
    void aWindowAtTheLargestLimitCountsToTheLastUnit() {
        Limit max = Limit.of(Rule.fixedWindow("max").limit(Rule.MAX_LIMIT).window(Duration.ofDays(366)).build());
        both("2026-11-22T10:00:00Z", (clock, s) -> {
            Outcome first = s.apply(new Batch(List.of(new Operation(max, "a", Rule.MAX_LIMIT - 1)), true, 1), "max-1");
            assertThat(first.remaining(0)).isEqualTo(1);
            assertThat(s.apply(new Batch(List.of(new Operation(max, "a", 2)), true, 2), "one over").committed()).isFalse();
            assertThat(s.apply(new Batch(List.of(new Operation(max, "a", 1)), true, 3), "last").committed()).isTrue();
            assertThat(s.apply(new Batch(List.of(new Operation(max, "a", 1)), true, 4), "full").committed()).isFalse();
            // Settling far above the estimate saturates at the largest limit, exactly.
            s.adjust(new Adjustment(List.of(new Correction(max, "a", 1, Long.MAX_VALUE)), first.nowMicros(), 3));
            s.apply(new Batch(List.of(new Operation(max, "a", 0)), false, 5), "after debt");
            s.adjust(new Adjustment(List.of(new Correction(max, "a", Rule.MAX_LIMIT - 1, 0)), first.nowMicros(), 1));
            s.apply(new Batch(List.of(new Operation(max, "a", 3)), false, 6), "after refund");
        });
    }

    @Test
    void amountsFarAboveEveryLimitCanNeverFit() {
        Limit window = Limit.of(Rule.fixedWindow("w").limit(10).window(Duration.ofMinutes(1)).build());
        Limit bucket = Limit.of(Rule.tokenBucket("b").capacity(10).refill(1, Duration.ofSeconds(1)).build());
        Limit sliding = Limit.of(Rule.slidingWindow("s").limit(10).window(Duration.ofMinutes(1)).build());
        both("2026-11-22T10:00:00Z", (clock, s) -> {
            for (long amount : new long[] {Rule.MAX_LIMIT, Rule.MAX_LIMIT + 1, Long.MAX_VALUE / 2, Long.MAX_VALUE}) {
                Outcome o = s.apply(new Batch(List.of(new Operation(bucket, "a", amount), new Operation(window, "a", amount),
                        new Operation(sliding, "a", amount)), true, amount), "amount " + amount);
                assertThat(o.retryAfterMicros(0)).isEqualTo(Outcome.NEVER);
                assertThat(o.retryAfterMicros(1)).isEqualTo(Outcome.NEVER);
            }
        });
    }

    @Test
    void aSlidingWindowAtItsLargestLimitWeighsThePreviousWindowExactly() {
        long max = Rule.MAX_SLIDING_LIMIT;
        Limit sliding = Limit.of(Rule.slidingWindow("s").limit(max).window(Duration.ofSeconds(10)).build());
        both("2026-11-22T10:00:00Z", (clock, s) -> {
            s.apply(new Batch(List.of(new Operation(sliding, "a", max - 3)), true, 1), "fill");
            for (int i = 0; i < 40; i++) {
                clock.advance(Duration.ofMillis(331));
                s.apply(new Batch(List.of(new Operation(sliding, "a", 1 + i % 3)), true, 2 + i), "step " + i);
            }
        });
    }

    @Test
    void aHugeTokenBucketAndItsDebtStayExact() {
        Limit bucket = Limit.of(Rule.tokenBucket("b").capacity(300_000_000_000_000L).refill(1_000_000, Duration.ofSeconds(1)).build());
        both("2026-11-22T10:00:00Z", (clock, s) -> {
            Outcome o = s.apply(new Batch(List.of(new Operation(bucket, "a", 299_999_999_999_999L)), true, 1), "nearly all");
            s.apply(new Batch(List.of(new Operation(bucket, "a", 2)), true, 2), "one over");
            s.adjust(new Adjustment(List.of(new Correction(bucket, "a", 299_999_999_999_999L, Long.MAX_VALUE)), o.nowMicros(), 1));
            s.apply(new Batch(List.of(new Operation(bucket, "a", 1)), true, 3), "deep in debt");
            clock.advance(Duration.ofDays(3660));
            s.apply(new Batch(List.of(new Operation(bucket, "a", 1)), true, 4), "ten years on");
        });
    }

    @Test
    void randomSequencesStayExactTwoHundredYearsAhead() {
        long seed = Seeds.seed();
        for (int run = 0; run < 4; run++) {
            long runSeed = seed + run;
            // 2^53 microseconds is June 2255; with ten years of debt on top, 2245 is as far as exact time goes.
            both("2245-01-01T00:00:00Z", (clock, s) -> SemanticParityTest.replay(runSeed, clock, s.memory(), s.redis()));
        }
    }
}
