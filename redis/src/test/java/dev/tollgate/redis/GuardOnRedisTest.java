package dev.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis store is selectable wherever the memory store is: a {@link Guard} built on it, as the README shows,
 * reserves, settles and denies with the engine's sentences, on server time; two guards on one Redis share the
 * budget; with Redis gone a fail-closed guard says so.
 */
class GuardOnRedisTest {

    private static RedisServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = RedisServers.standalone();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    private static Policy policy() {
        return Policy.of(Plan.named("free")
                .rule(Rule.tokenBucket("burst").meter(Meter.REQUESTS).capacity(5).refill(5, Duration.ofMinutes(1)))
                .rule(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(10_000).per(Period.DAY).zone(ZoneOffset.UTC)));
    }

    @Test
    void twoGuardsOnOneRedisShareOneBudget() {
        try (RedisStore storeA = RedisStore.builder(servers.first().uri()).keyPrefix("g1").build();
             RedisStore storeB = RedisStore.builder(servers.first().uri()).keyPrefix("g1").build();
             Guard a = Guard.builder(policy()).store(storeA).build();
             Guard b = Guard.builder(policy()).store(storeB).build()) {
            Subject alice = Subject.user("alice", "free");
            try (Reservation r = a.reserve(alice, Charge.tokens(4_000).plusRequest())) {
                assertThat(r.allowed()).isTrue();
                r.settle(Charge.tokens(3_000).plusRequest());
            }
            try (Reservation r = b.reserve(alice, Charge.tokens(6_000).plusRequest())) {
                assertThat(r.allowed()).isTrue();
                r.settle(Charge.tokens(6_000).plusRequest());
            }
            try (Reservation r = a.reserve(alice, Charge.tokens(2_000).plusRequest())) {
                Decision d = r.decision();
                assertThat(d.allowed()).isFalse();
                assertThat(d.reason()).startsWith("daily-tokens: 10,000 tokens per day: 1,000 tokens left, this call needs 2,000 tokens; resets at");
            }
        }
    }

    @Test
    void aFailClosedGuardSaysTheLimitStoreIsUnavailable() throws Exception {
        try (RedisServers own = RedisServers.standalone();
             Guard guard = Guard.builder(policy()).store(RedisStore.builder(own.first().uri())
                     .timeout(Duration.ofMillis(200)).build()).build()) {
            own.first().kill();
            try (Reservation r = guard.reserve(Subject.user("bob", "free"), Charge.tokens(10).plusRequest())) {
                assertThat(r.denied()).isTrue();
                assertThat(r.decision().reason()).contains("denies; the limit store (Redis at [" + own.first().uri()
                        + "]) is unavailable").endsWith("denied (fail-closed)");
            }
        }
    }
}
