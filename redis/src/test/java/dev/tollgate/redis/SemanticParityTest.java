package dev.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Mode;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import dev.tollgate.store.Adjustment;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Correction;
import dev.tollgate.store.Limit;
import dev.tollgate.store.MemoryStore;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import dev.tollgate.store.Store;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.Seeds;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The strongest check that Redis and memory mean the same thing: seeded random sequences of reserves, checks,
 * settles, releases and time travel, run through a {@link MemoryStore} and a {@link RedisStore} on one
 * {@link MutableClock}, must give identical outcomes, field by field, at every step. On a standalone server
 * (one script per decision) and on a 3-master cluster (cross-slot groups with refunds).
 */
class SemanticParityTest {

    private static final int RUNS = Integer.getInteger("tollgate.parity-runs", 12);
    private static final int STEPS = Integer.getInteger("tollgate.parity-steps", 400);
    private static final String[] ZONES = {"UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"};

    private static RedisServers standalone;
    private static RedisServers cluster;

    @BeforeAll
    static void startServers() throws Exception {
        standalone = RedisServers.standalone();
        cluster = RedisServers.cluster(3);
    }

    @AfterAll
    static void stopServers() {
        if (standalone != null) {
            standalone.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void randomSequencesGiveIdenticalOutcomesOnAStandaloneServer() {
        long seed = Seeds.seed();
        for (int run = 0; run < RUNS; run++) {
            long runSeed = seed + run;
            MutableClock clock = MutableClock.at("2026-03-08T06:59:00Z");
            try (RedisStore redis = RedisStore.builder(standalone.first().uri()).clock(clock)
                    .keyPrefix("p" + UUID.randomUUID()).build();
                 MemoryStore memory = MemoryStore.withClock(clock)) {
                replay(runSeed, clock, memory, redis);
                assertThat(redis.stats().failures()).as(redis.stats().lastFailure()).isZero();
            }
        }
    }

    @Test
    void randomSequencesGiveIdenticalOutcomesOnACluster() {
        long seed = Seeds.seed();
        for (int run = 0; run < RUNS / 2; run++) {
            long runSeed = seed + run;
            MutableClock clock = MutableClock.at("2026-10-31T23:59:58Z");
            try (RedisStore redis = RedisStore.cluster(cluster.uris()).clock(clock)
                    .keyPrefix("p" + UUID.randomUUID()).build();
                 MemoryStore memory = MemoryStore.withClock(clock)) {
                replay(runSeed, clock, memory, redis);
                assertThat(redis.stats().failures()).as(redis.stats().lastFailure()).isZero();
            }
        }
    }

    private record Pending(List<Operation> ops, Outcome outcome, long id) {
    }

    static void replay(long seed, MutableClock clock, Store memory, Store redis) {
        Random r = new Random(seed);
        List<Limit> limits = new ArrayList<>();
        Scope[] scopes = {Scope.USER, Scope.USER, Scope.KEY, Scope.TEAM, Scope.GLOBAL};
        int count = 1 + r.nextInt(5);
        for (int i = 0; i < count; i++) {
            limits.add(Limit.of(randomRule(r, "r" + i, scopes[r.nextInt(scopes.length)])));
        }
        limits.sort(Comparator.comparing(Limit::scope));
        List<Pending> pending = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            String where = Seeds.describe(seed) + " step " + step + " rules " + limits;
            int action = r.nextInt(10);
            if (action < 5) {
                String user = "u" + r.nextInt(3);
                String apiKey = user + "-key{" + r.nextInt(2) + "}";
                List<Operation> ops = new ArrayList<>();
                for (Limit limit : limits) {
                    if (r.nextInt(8) == 0) {
                        continue;
                    }
                    String entity = switch (limit.scope()) {
                        case USER -> user;
                        case KEY -> apiKey;
                        case TEAM -> "team" + (user.equals("u0") ? 0 : 1);
                        default -> "*";
                    };
                    long amount = r.nextInt(6) == 0 ? 0 : 1 + (long) (r.nextDouble() * limit.limit() * 0.6);
                    if (r.nextInt(40) == 0) {
                        amount = limit.limit() + 1 + r.nextInt(3);
                    }
                    ops.add(new Operation(limit, entity, amount));
                }
                boolean commit = r.nextInt(5) != 0;
                long id = r.nextLong();
                Batch batch = new Batch(ops, commit, id);
                Outcome expected = memory.apply(batch);
                Outcome actual = redis.apply(batch);
                assertSame(expected, actual, where);
                if (expected.committed() && commit) {
                    pending.add(new Pending(ops, expected, id));
                }
            } else if (action < 7 && !pending.isEmpty()) {
                Pending p = pending.remove(r.nextInt(pending.size()));
                List<Correction> corrections = new ArrayList<>();
                for (int i = 0; i < p.ops.size(); i++) {
                    if (!p.outcome.allowed(i)) {
                        continue;
                    }
                    Operation op = p.ops.get(i);
                    long actualAmount = switch (r.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> op.amount();
                        case 2 -> op.amount() / 2;
                        default -> op.amount() + 1 + r.nextInt((int) Math.min(op.limit().limit(), 50));
                    };
                    corrections.add(new Correction(op.limit(), op.entity(), op.amount(), actualAmount));
                }
                Adjustment adjustment = new Adjustment(corrections, p.outcome.nowMicros(), p.id);
                memory.adjust(adjustment);
                redis.adjust(adjustment);
            } else {
                long micros = switch (r.nextInt(6)) {
                    case 0 -> r.nextInt(1_000);
                    case 1 -> r.nextInt(1_000_000);
                    case 2 -> r.nextInt(20_000_000);
                    case 3 -> r.nextInt(600_000_000);
                    case 4 -> (long) r.nextInt(48) * 3_600_000_000L;
                    default -> 0;
                };
                clock.advance(Duration.ofNanos(micros * 1_000));
            }
        }
    }

    static void assertSame(Outcome expected, Outcome actual, String where) {
        assertThat(actual.nowMicros()).as("now, " + where).isEqualTo(expected.nowMicros());
        assertThat(actual.committed()).as("committed, " + where + ", fault " + actual.fault()).isEqualTo(expected.committed());
        assertThat(actual.size()).as("size, " + where).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            String op = "op " + i + ", " + where;
            assertThat(actual.allowed(i)).as("allowed " + op).isEqualTo(expected.allowed(i));
            assertThat(actual.remaining(i)).as("remaining " + op).isEqualTo(expected.remaining(i));
            assertThat(actual.resetAtMicros(i)).as("reset " + op).isEqualTo(expected.resetAtMicros(i));
            assertThat(actual.retryAfterMicros(i)).as("retry " + op).isEqualTo(expected.retryAfterMicros(i));
        }
    }

    static Rule randomRule(Random r, String name, Scope scope) {
        Rule.Builder<?> b;
        int kind = r.nextInt(5);
        long limit = r.nextInt(4) == 0 ? 1 + r.nextInt(1_000_000) : 1 + r.nextInt(20);
        Duration span = switch (r.nextInt(4)) {
            case 0 -> Duration.ofMillis(1 + r.nextInt(50));
            case 1 -> Duration.ofMillis(1 + r.nextInt(2_000));
            case 2 -> Duration.ofSeconds(1 + r.nextInt(120));
            default -> Duration.ofMinutes(1 + r.nextInt(180));
        };
        switch (kind) {
            case 0 -> {
                long intervalMicros = span.toNanos() / 1_000;
                long refill = 1 + (long) (r.nextDouble() * Math.min(limit, intervalMicros));
                b = Rule.tokenBucket(name).capacity(limit).refill(Math.min(refill, intervalMicros), span);
            }
            case 1 -> b = Rule.fixedWindow(name).limit(limit).window(span);
            case 2 -> b = Rule.slidingWindow(name).limit(limit).window(span);
            case 3 -> b = Rule.quota(name).limit(limit).per(Period.values()[r.nextInt(Period.values().length)])
                    .zone(ZoneId.of(ZONES[r.nextInt(ZONES.length)]));
            default -> b = Rule.concurrency(name).limit(1 + r.nextInt(4)).lease(span);
        }
        b.scope(scope).meter(kind == 4 || r.nextBoolean() ? Meter.REQUESTS : Meter.TOKENS);
        if (r.nextInt(5) == 0) {
            b.mode(Mode.DRY_RUN);
        }
        return b.build();
    }
}
