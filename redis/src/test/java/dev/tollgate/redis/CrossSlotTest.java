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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
 * A decision over user, team and global rules on a 3-master cluster: three slot groups on three slots, reserved
 * in scope order and refunded when a later group denies. The documented bound (docs/redis.md) is that no limit
 * is ever exceeded, and that refunds leave no residue: once every decision has finished, each rule's state holds
 * exactly what was admitted.
 */
class CrossSlotTest {

    private static RedisServers cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisServers.cluster(3);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void userTeamAndGlobalOnThreeSlotsNeverExceedTheirLimitsAndLeaveNoResidue() throws Exception {
        String prefix = "x" + UUID.randomUUID();
        Limit user = Limit.of(Rule.fixedWindow("user-req").limit(40).window(Duration.ofDays(366)).build());
        Limit team = Limit.of(Rule.fixedWindow("team-req").scope(Scope.TEAM).limit(300).window(Duration.ofDays(366)).build());
        Limit global = Limit.of(Rule.fixedWindow("all-req").scope(Scope.GLOBAL).limit(500).window(Duration.ofDays(366)).build());
        String[] teams = {"red", "blue"};
        Set<Integer> slots = new HashSet<>();
        slots.add(SlotHash.getSlot(Keys.entityKey(prefix, Scope.TEAM, "red")));
        slots.add(SlotHash.getSlot(Keys.entityKey(prefix, Scope.TEAM, "blue")));
        slots.add(SlotHash.getSlot(Keys.entityKey(prefix, Scope.GLOBAL, "*")));
        assertThat(slots).as("team and global keys on different slots").hasSize(3);

        int users = 32;
        int threads = 64;
        ConcurrentHashMap<String, AtomicLong> perUser = new ConcurrentHashMap<>();
        ConcurrentHashMap<String, AtomicLong> perTeam = new ConcurrentHashMap<>();
        AtomicLong total = new AtomicLong();
        try (RedisStore a = RedisStore.cluster(cluster.uris()).keyPrefix(prefix).timeout(Duration.ofSeconds(5)).build();
             RedisStore b = RedisStore.cluster(cluster.uris()).keyPrefix(prefix).timeout(Duration.ofSeconds(5)).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                RedisStore store = t % 2 == 0 ? a : b;
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 60; i++) {
                        int u = ThreadLocalRandom.current().nextInt(users);
                        String name = "user" + u;
                        String teamName = teams[u % 2];
                        long amount = 1 + ThreadLocalRandom.current().nextInt(2);
                        List<Operation> ops = List.of(new Operation(user, name, amount),
                                new Operation(team, teamName, amount), new Operation(global, "*", amount));
                        Outcome outcome = store.apply(new Batch(ops, true, ThreadLocalRandom.current().nextLong()));
                        if (outcome.committed()) {
                            perUser.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(amount);
                            perTeam.computeIfAbsent(teamName, k -> new AtomicLong()).addAndGet(amount);
                            total.addAndGet(amount);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(90, TimeUnit.SECONDS);
            }
            pool.shutdown();
            RedisStore.Stats sa = a.stats();
            RedisStore.Stats sb = b.stats();
            assertThat(sa.failures() + sb.failures()).as(sa + " " + sb).isZero();
            assertThat(sa.degradedDecisions() + sb.degradedDecisions()).isZero();
            assertThat(sa.crossSlotRefunds() + sb.crossSlotRefunds()).as("the refund path ran").isPositive();
        }
        // The bound: nothing over any limit ...
        assertThat(total.get()).isLessThanOrEqualTo(500);
        for (String t : teams) {
            assertThat(perTeam.getOrDefault(t, new AtomicLong()).get()).isLessThanOrEqualTo(300);
        }
        // ... and, with every decision finished, each rule's state is exactly what was admitted: refunds are exact.
        assertThat(used(prefix, Scope.GLOBAL, "*", global)).isEqualTo(total.get());
        for (String t : teams) {
            assertThat(used(prefix, Scope.TEAM, t, team)).isEqualTo(perTeam.getOrDefault(t, new AtomicLong()).get());
        }
        for (int u = 0; u < users; u++) {
            String name = "user" + u;
            long admitted = perUser.getOrDefault(name, new AtomicLong()).get();
            assertThat(admitted).isLessThanOrEqualTo(40);
            assertThat(used(prefix, Scope.USER, name, user)).as(name).isEqualTo(admitted);
        }
    }

    private static long used(String prefix, Scope scope, String entity, Limit limit) {
        String key = Keys.entityKey(prefix, scope, entity);
        for (RedisServers.Node n : cluster.nodes) {
            String v = n.used(key, limit.stateName());
            if (v != null && !v.startsWith("-MOVED") && !v.equals("$-1")) {
                return Long.parseLong(v.substring(v.indexOf(':') + 1));
            }
        }
        return 0;
    }
}
