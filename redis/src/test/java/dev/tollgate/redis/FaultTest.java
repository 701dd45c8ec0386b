package dev.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.internal.Decisions;
import dev.tollgate.policy.Rule;
import dev.tollgate.store.Adjustment;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Correction;
import dev.tollgate.store.Limit;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Faults under load, against a real server: {@code kill -9} of redis-server mid-load and a restart on the same
 * port, in each failure mode; and {@code SCRIPT FLUSH} mid-load. No exception ever reaches a caller, each mode
 * decides as configured while Redis is gone, and the store is back on Redis within seconds of its return.
 */
class FaultTest {

    private static final Limit WINDOW = Limit.of(Rule.fixedWindow("hourly").limit(1_000_000_000).window(Duration.ofDays(366)).build());

    /** Callers that reserve and settle in a loop, recording what they see. */
    private static final class Load implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final AtomicLong fromRedis = new AtomicLong();
        final AtomicLong faulted = new AtomicLong();
        final AtomicLong faultedCommitted = new AtomicLong();
        final AtomicLong faultedDenied = new AtomicLong();
        final AtomicReference<Outcome> lastFaulted = new AtomicReference<>();
        final ExecutorService pool;
        final List<Future<?>> futures = new ArrayList<>();

        Load(RedisStore store, int threads) {
            pool = Executors.newFixedThreadPool(threads);
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    while (running.get()) {
                        try {
                            long id = ThreadLocalRandom.current().nextLong();
                            String user = "user" + ThreadLocalRandom.current().nextInt(100);
                            Operation op = new Operation(WINDOW, user, 1);
                            Outcome o = store.apply(new Batch(List.of(op), true, id));
                            if (o.fault() == null) {
                                fromRedis.incrementAndGet();
                            } else {
                                faulted.incrementAndGet();
                                lastFaulted.set(o);
                                // Pacing, as a real caller would: spinning would starve the restarting server.
                                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                                if (o.committed()) {
                                    faultedCommitted.incrementAndGet();
                                } else {
                                    faultedDenied.incrementAndGet();
                                }
                            }
                            if (o.committed()) {
                                store.adjust(new Adjustment(List.of(new Correction(WINDOW, user, 1, 0)), o.nowMicros(), id));
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }
                }));
            }
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }
    }

    @ParameterizedTest
    @EnumSource(FailureMode.class)
    void killingRedisMidLoadDecidesByTheFailureModeAndRecoversWithinSeconds(FailureMode mode) throws Exception {
        try (RedisServers servers = RedisServers.standalone();
             RedisStore store = RedisStore.builder(servers.first().uri()).keyPrefix("f" + UUID.randomUUID())
                     .failureMode(mode).localShare(0.5).timeout(Duration.ofMillis(200))
                     .retryAfterFailure(Duration.ofMillis(100)).build();
             Load load = new Load(store, 8)) {
            RedisServers.await(Duration.ofSeconds(10), () -> load.fromRedis.get() > 200, "decisions from Redis");

            servers.first().kill();
            RedisServers.await(Duration.ofSeconds(10), () -> load.faulted.get() > 200, "decisions by " + mode);
            assertThat(store.healthy()).isFalse();
            Outcome degraded = load.lastFaulted.get();
            assertThat(degraded.fault()).contains("limit store").contains("unavailable");
            switch (mode) {
                case FAIL_CLOSED -> {
                    assertThat(load.faultedCommitted.get()).isZero();
                    assertThat(degraded.allowed(0)).isFalse();
                    String reason = Decisions.from(List.of(new Operation(WINDOW, "u", 1)), degraded, null).reason();
                    assertThat(reason).contains("the limit store (Redis at").contains("is unavailable").contains("fail-closed");
                    assertThat(store.stats().failClosedDenied()).isPositive();
                }
                case FAIL_OPEN -> {
                    assertThat(load.faultedDenied.get()).isZero();
                    assertThat(store.stats().failOpenAllowed()).isPositive();
                }
                case LOCAL_FALLBACK -> {
                    assertThat(load.faultedCommitted.get()).isPositive();
                    assertThat(degraded.fault()).contains("local fallback with 50% of each limit");
                }
            }

            long before = load.fromRedis.get();
            long restartedAt = System.nanoTime();
            servers.first().start();
            RedisServers.await(Duration.ofSeconds(5), () -> load.fromRedis.get() > before + 100, "recovery after restart");
            long recoveredMillis = (System.nanoTime() - restartedAt) / 1_000_000;
            assertThat(recoveredMillis).isLessThan(5_000);
            assertThat(store.healthy()).isTrue();
            assertThat(store.stats().failures()).isPositive();
            assertThat(store.stats().scriptReloads()).as("the restarted server had no scripts").isPositive();
            load.close();
            assertThat(load.errors).as("errors reaching callers").isEmpty();
        }
    }

    @Test
    void aServerThatStopsAnsweringIsTimedOutAndEveryWaitingCallerIsDecidedByTheFailureMode() throws Exception {
        int callers = 16;
        try (RedisServers servers = RedisServers.standalone();
             RedisStore store = RedisStore.builder(servers.first().uri()).keyPrefix("p" + UUID.randomUUID())
                     .failureMode(FailureMode.FAIL_CLOSED).timeout(Duration.ofMillis(200))
                     .retryAfterFailure(Duration.ofMillis(50)).build();
             Load load = new Load(store, callers)) {
            RedisServers.await(Duration.ofSeconds(10), () -> load.fromRedis.get() > 200, "decisions from Redis");

            // Stopped, not killed: the connection stays up and nothing is answered, so only the timeout ends a wait.
            servers.first().pause();
            long pausedAt = System.nanoTime();
            try {
                RedisServers.await(Duration.ofSeconds(10), () -> load.faulted.get() > callers, "decisions by the timeout");
                long firstMillis = (System.nanoTime() - pausedAt) / 1_000_000;
                // 200 ms of timeout, at most a tick (50 ms here) of sweep, and room for a loaded machine.
                assertThat(firstMillis).isLessThan(2_000);
                assertThat(store.healthy()).isFalse();
                assertThat(store.stats().lastFailure()).isEqualTo("no answer within 200 ms");
                assertThat(load.lastFaulted.get().fault()).contains("no answer within 200 ms").contains("fail-closed");
                assertThat(load.faultedCommitted.get()).isZero();
            } finally {
                servers.first().resume();
            }
            long before = load.fromRedis.get();
            RedisServers.await(Duration.ofSeconds(10), () -> load.fromRedis.get() > before + 100, "recovery after resume");
            load.close();
            assertThat(load.errors).as("errors reaching callers").isEmpty();
        }
    }

    @Test
    void localFallbackGivesEachInstanceItsShareOfTheLimit() throws Exception {
        Limit ten = Limit.of(Rule.fixedWindow("ten").limit(10).window(Duration.ofDays(1)).build());
        Limit bucket = Limit.of(Rule.tokenBucket("burst").capacity(8).refill(4, Duration.ofDays(1)).build());
        try (RedisServers servers = RedisServers.standalone();
             RedisStore store = RedisStore.builder(servers.first().uri()).failureMode(FailureMode.LOCAL_FALLBACK)
                     .localShare(0.5).timeout(Duration.ofMillis(200)).build()) {
            servers.first().kill();
            int admitted = 0;
            long firstAt = 0;
            for (int i = 0; i < 20; i++) {
                Outcome o = store.apply(new Batch(List.of(new Operation(ten, "bob", 1)), true, i));
                assertThat(o.fault()).contains("local fallback");
                admitted += o.committed() ? 1 : 0;
                firstAt = i == 0 ? o.nowMicros() : firstAt;
            }
            assertThat(admitted).isEqualTo(5);
            // A release of a local reservation goes back to the local store.
            store.adjust(new Adjustment(List.of(new Correction(ten, "bob", 1, 0)), firstAt, 0));
            assertThat(store.apply(new Batch(List.of(new Operation(ten, "bob", 1)), true, 99)).committed()).isTrue();
            int burst = 0;
            for (int i = 0; i < 10; i++) {
                burst += store.apply(new Batch(List.of(new Operation(bucket, "bob", 1)), true, 100 + i)).committed() ? 1 : 0;
            }
            assertThat(burst).isEqualTo(4);
        }
    }

    @Test
    void failOpenUsageSettledAfterRedisReturnsIsCharged() throws Exception {
        Limit window = Limit.of(Rule.fixedWindow("hundred").limit(100).window(Duration.ofDays(1)).build());
        try (RedisServers servers = RedisServers.standalone();
             RedisStore store = RedisStore.builder(servers.first().uri()).keyPrefix("o").failureMode(FailureMode.FAIL_OPEN)
                     .timeout(Duration.ofMillis(200)).retryAfterFailure(Duration.ofMillis(50)).build()) {
            servers.first().kill();
            Outcome open = store.apply(new Batch(List.of(new Operation(window, "fay", 10)), true, 42));
            assertThat(open.committed()).isTrue();
            assertThat(open.fault()).contains("fail-open");
            servers.first().start();
            RedisServers.await(Duration.ofSeconds(5), () -> store.apply(
                    new Batch(List.of(new Operation(window, "fay", 0)), false, 0)).fault() == null, "Redis again");
            store.adjust(new Adjustment(List.of(new Correction(window, "fay", 10, 30)), open.nowMicros(), 42));
            Outcome after = store.apply(new Batch(List.of(new Operation(window, "fay", 0)), false, 0));
            assertThat(after.remaining(0)).isEqualTo(70);
        }
    }

    @Test
    void aStoreBuiltWhileRedisIsDownStartsInItsFailureModeAndConnectsWhenRedisAppears() throws Exception {
        Limit window = Limit.of(Rule.fixedWindow("w").limit(100).window(Duration.ofDays(1)).build());
        try (RedisServers servers = RedisServers.standalone()) {
            servers.first().kill();
            try (RedisStore store = RedisStore.builder(servers.first().uri()).timeout(Duration.ofMillis(200))
                    .connectTimeout(Duration.ofMillis(200)).retryAfterFailure(Duration.ofMillis(50)).build()) {
                assertThat(store.healthy()).isFalse();
                Outcome down = store.apply(new Batch(List.of(new Operation(window, "gus", 1)), true, 1));
                assertThat(down.committed()).isFalse();
                assertThat(down.fault()).contains("unavailable");
                servers.first().start();
                RedisServers.await(Duration.ofSeconds(10), () -> store.apply(
                        new Batch(List.of(new Operation(window, "gus", 1)), true, 2)).committed(), "a first connection");
                assertThat(store.healthy()).isTrue();
            }
        }
    }

    @Test
    void scriptFlushMidLoadNeverReachesACaller() throws Exception {
        try (RedisServers servers = RedisServers.standalone();
             RedisStore store = RedisStore.builder(servers.first().uri()).keyPrefix("s" + UUID.randomUUID())
                     .timeout(Duration.ofSeconds(2)).build();
             Load load = new Load(store, 8)) {
            for (int i = 0; i < 20; i++) {
                long seen = load.fromRedis.get();
                assertThat(servers.first().command("SCRIPT FLUSH")).isEqualTo("+OK");
                RedisServers.await(Duration.ofSeconds(10), () -> load.fromRedis.get() > seen + 50, "decisions after flush " + i);
            }
            load.close();
            assertThat(load.errors).isEmpty();
            assertThat(load.faulted.get()).isZero();
            assertThat(store.stats().failures()).isZero();
            assertThat(store.stats().scriptReloads()).isGreaterThanOrEqualTo(20);
        }
    }
}
