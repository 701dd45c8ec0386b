package dev.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import dev.tollgate.store.Batch;
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
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The master that holds a subject's slot dies under load and its replica is promoted: no exception reaches a
 * caller, calls are decided by the failure mode meanwhile, and once Lettuce sees the new topology decisions come
 * from Redis again, with scripts reloaded on the promoted node.
 */
class ClusterFailoverTest {

    @Test
    void aMastersDeathFailsOverToItsReplicaAndTheStoreFollows() throws Exception {
        String prefix = "fo" + UUID.randomUUID();
        Limit window = Limit.of(Rule.fixedWindow("w").limit(1_000_000_000).window(Duration.ofDays(366)).build());
        try (RedisServers cluster = RedisServers.cluster(3, 1);
             RedisStore store = RedisStore.cluster(cluster.uris()).keyPrefix(prefix).timeout(Duration.ofMillis(500))
                     .retryAfterFailure(Duration.ofMillis(100)).build()) {
            String key = Keys.entityKey(prefix, Scope.USER, "fiona");
            for (RedisServers.Node n : cluster.nodes) {
                RedisServers.await(Duration.ofSeconds(20), () -> "master".equals(n.info("replication", "role"))
                        || "up".equals(n.info("replication", "master_link_status")), "replica " + n.port + " in sync");
            }
            RedisServers.Node master = cluster.nodes.stream().filter(n -> {
                String reply = n.command("GET " + key);
                return reply != null && !reply.startsWith("-MOVED") && "master".equals(n.info("replication", "role"));
            }).findFirst().orElseThrow();

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong fromRedis = new AtomicLong();
            AtomicLong degraded = new AtomicLong();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    while (running.get()) {
                        try {
                            Outcome o = store.apply(new Batch(List.of(new Operation(window, "fiona", 1)), true,
                                    ThreadLocalRandom.current().nextLong()));
                            if (o.fault() == null) {
                                fromRedis.incrementAndGet();
                            } else {
                                degraded.incrementAndGet();
                                // Pacing, as a real caller that was denied would: a spinning caller would starve the
                                // servers' failover election on a small machine.
                                LockSupport.parkNanos(1_000_000);
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }
                }));
            }
            RedisServers.await(Duration.ofSeconds(10), () -> fromRedis.get() > 200, "load before the failover");
            master.kill();
            RedisServers.await(Duration.ofSeconds(20), () -> degraded.get() > 0, "the failure mode to decide");
            RedisServers.Node survivor = cluster.nodes.stream().filter(n -> n != master).findFirst().orElseThrow();
            RedisServers.await(Duration.ofSeconds(30), () -> {
                String nodes = survivor.bulk("CLUSTER NODES");
                return nodes != null && nodes.contains("master,fail") && survivor.bulk("CLUSTER INFO").contains("cluster_state:ok");
            }, "the cluster to promote the replica");
            long before = fromRedis.get();
            try {
                RedisServers.await(Duration.ofSeconds(30), () -> fromRedis.get() > before + 200, "decisions from the promoted replica");
            } catch (IllegalStateException e) {
                throw new AssertionError(store.stats() + "\n" + survivor.bulk("CLUSTER NODES"), e);
            }
            running.set(false);
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(errors).isEmpty();
            assertThat(store.stats().failures()).isPositive();
            assertThat(store.healthy()).isTrue();
        }
    }
}
