package dev.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real threads against a real server: 64 callers split over two stores (as if two gateways) hammer one subject.
 * What is admitted never exceeds the limit, and since every caller keeps asking until one unit no longer fits,
 * it reaches the limit exactly.
 */
class ConcurrencyTest {

    private static RedisServers servers;

    @BeforeAll
    static void start() throws Exception {
        servers = RedisServers.standalone();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void sixtyFourCallersOnTwoInstancesAdmitExactlyTheLimit() throws Exception {
        String prefix = "c" + UUID.randomUUID();
        // One unit refills per day, so during the test the bucket admits its capacity and not one unit more.
        Limit bucket = Limit.of(Rule.tokenBucket("burst").capacity(3_000).refill(1, Duration.ofDays(1)).build());
        Limit window = Limit.of(Rule.fixedWindow("yearly").limit(5_000).window(Duration.ofDays(366)).build());
        Limit inFlight = Limit.of(Rule.concurrency("in-flight").limit(48).lease(Duration.ofMinutes(1)).build());
        int threads = 64;
        AtomicLong admitted = new AtomicLong();
        AtomicLong concurrencyDenials = new AtomicLong();
        try (RedisStore a = RedisStore.builder(servers.first().uri()).keyPrefix(prefix).timeout(Duration.ofSeconds(5)).build();
             RedisStore b = RedisStore.builder(servers.first().uri()).keyPrefix(prefix).timeout(Duration.ofSeconds(5)).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                RedisStore store = t % 2 == 0 ? a : b;
                done.add(pool.submit(() -> {
                    go.await();
                    while (true) {
                        long amount = ThreadLocalRandom.current().nextInt(3) == 0 ? 2 : 1;
                        long id = ThreadLocalRandom.current().nextLong();
                        List<Operation> ops = List.of(new Operation(bucket, "alice", amount),
                                new Operation(window, "alice", amount), new Operation(inFlight, "alice", 1));
                        Outcome outcome = store.apply(new Batch(ops, true, id));
                        if (outcome.committed()) {
                            admitted.addAndGet(amount);
                            store.adjust(new Adjustment(List.of(new Correction(bucket, "alice", amount, amount),
                                    new Correction(window, "alice", amount, amount),
                                    new Correction(inFlight, "alice", 1, 1)), outcome.nowMicros(), id));
                        } else if (!outcome.allowed(2)) {
                            concurrencyDenials.incrementAndGet();
                        } else if (amount == 1) {
                            return null;
                        }
                    }
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(a.stats().failures() + b.stats().failures()).as(a.stats() + " " + b.stats()).isZero();
            assertThat(a.stats().degradedDecisions() + b.stats().degradedDecisions()).isZero();
        }
        assertThat(admitted.get()).isEqualTo(3_000);
        String used = servers.first().used(prefix + ":{u:alice}", window.stateName());
        assertThat(used).isEqualTo(":3000");
    }
}
