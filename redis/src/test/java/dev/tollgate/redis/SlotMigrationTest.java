package dev.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Limit;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import io.lettuce.core.cluster.SlotHash;
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
import org.junit.jupiter.api.Test;

/**
 * A subject's slot moves to another master while callers hammer it (IMPORTING / MIGRATING, MIGRATE of its keys,
 * SETSLOT NODE): no exception reaches a caller, the limit holds, the state moves with the slot, and decisions
 * come from Redis again once the move is done. Calls caught mid-move may be decided by the failure mode.
 */
class SlotMigrationTest {

    @Test
    void aSubjectsSlotMovesUnderLoadWithoutLosingItsState() throws Exception {
        String prefix = "m" + UUID.randomUUID();
        Limit window = Limit.of(Rule.fixedWindow("w").limit(1_000_000).window(Duration.ofDays(366)).build());
        Limit bucket = Limit.of(Rule.tokenBucket("b").capacity(1_000_000).refill(1, Duration.ofSeconds(1)).build());
        try (RedisServers cluster = RedisServers.cluster(3);
             RedisStore store = RedisStore.cluster(cluster.uris()).keyPrefix(prefix).timeout(Duration.ofSeconds(2))
                     .retryAfterFailure(Duration.ofMillis(20)).build()) {
            int slot = SlotHash.getSlot(Keys.entityKey(prefix, Scope.USER, "mover"));
            RedisServers.Node source = owner(cluster, prefix + ":{u:mover}:probe");
            RedisServers.Node target = cluster.nodes.stream().filter(n -> n != source).findFirst().orElseThrow();
            String sourceId = source.command("CLUSTER MYID");
            String targetId = target.command("CLUSTER MYID");

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong admitted = new AtomicLong();
            AtomicLong fromRedis = new AtomicLong();
            AtomicLong degraded = new AtomicLong();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    while (running.get()) {
                        try {
                            List<Operation> ops = List.of(new Operation(bucket, "mover", 1), new Operation(window, "mover", 1));
                            Outcome o = store.apply(new Batch(ops, true, ThreadLocalRandom.current().nextLong()));
                            if (o.fault() == null) {
                                fromRedis.incrementAndGet();
                            } else {
                                degraded.incrementAndGet();
                            }
                            if (o.committed()) {
                                admitted.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }
                }));
            }
            RedisServers.await(Duration.ofSeconds(10), () -> fromRedis.get() > 200, "load before the move");

            assertThat(target.command("CLUSTER SETSLOT " + slot + " IMPORTING " + sourceId)).isEqualTo("+OK");
            assertThat(source.command("CLUSTER SETSLOT " + slot + " MIGRATING " + targetId)).isEqualTo("+OK");
            String keys = source.bulkArray("CLUSTER GETKEYSINSLOT " + slot + " 100");
            assertThat(keys).isNotBlank();
            assertThat(source.command("MIGRATE 127.0.0.1 " + target.port + " \"\" 0 5000 KEYS " + keys)).isEqualTo("+OK");
            for (RedisServers.Node n : cluster.nodes) {
                assertThat(n.command("CLUSTER SETSLOT " + slot + " NODE " + targetId)).isEqualTo("+OK");
            }
            long moved = fromRedis.get();
            RedisServers.await(Duration.ofSeconds(10), () -> fromRedis.get() > moved + 500, "decisions from the new owner");
            running.set(false);
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();

            assertThat(errors).isEmpty();
            String used = target.used(prefix + ":{u:mover}", window.stateName());
            assertThat(Long.parseLong(used.substring(used.indexOf(':') + 1))).as("state moved with the slot, " + degraded
                    + " calls decided by the failure mode").isEqualTo(admitted.get());
        }
    }

    private static RedisServers.Node owner(RedisServers cluster, String key) {
        for (RedisServers.Node n : cluster.nodes) {
            String probe = n.command("GET " + key);
            if (probe != null && !probe.startsWith("-MOVED")) {
                return n;
            }
        }
        throw new IllegalStateException("no owner for " + key);
    }
}
