package dev.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Limit;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A cluster store opens its connections to the masters when it connects (Lettuce 7.7 rejects a command whose
 * node connection is still opening). A master that is down then must cost only its own slots: the others decide
 * from Redis from the first call.
 */
class ClusterPartialStartTest {

    @Test
    void aMasterDownAtStartLeavesOnlyItsSlotsToTheFailureMode() throws Exception {
        String prefix = "ps" + UUID.randomUUID();
        Limit window = Limit.of(Rule.fixedWindow("w").limit(1_000_000).window(Duration.ofDays(1)).build());
        try (RedisServers cluster = RedisServers.cluster(3)) {
            for (RedisServers.Node n : cluster.nodes) {
                // the live masters keep serving their slots while another master's are uncovered
                assertThat(n.command("CONFIG SET cluster-require-full-coverage no")).isEqualTo("+OK");
            }
            RedisServers.Node down = cluster.nodes.get(2);
            List<RedisServers.Node> up = cluster.nodes.subList(0, 2);
            String onAnUpMaster = subject(prefix, key -> up.stream().anyMatch(n -> owns(n, key)));
            String onTheDownMaster = subject(prefix, key -> up.stream().noneMatch(n -> owns(n, key)));
            down.kill();

            try (RedisStore store = RedisStore.cluster(cluster.uris()).keyPrefix(prefix)
                    .timeout(Duration.ofMillis(500)).build()) {
                Outcome first = store.apply(new Batch(List.of(new Operation(window, onAnUpMaster, 1)), true, 1L));
                Outcome lost = store.apply(new Batch(List.of(new Operation(window, onTheDownMaster, 1)), true, 2L));

                assertThat(first.fault()).as("the first decision on a master that is up").isNull();
                assertThat(first.committed()).isTrue();
                assertThat(first.allowed(0)).isTrue();
                assertThat(lost.fault()).as("a decision on the master that is down").isNotNull();
            }
        }
    }

    private static boolean owns(RedisServers.Node node, String key) {
        String reply = node.command("GET " + key);
        return reply != null && !reply.startsWith("-MOVED");
    }

    private static String subject(String prefix, Predicate<String> keyWanted) {
        return IntStream.range(0, 10_000).mapToObj(i -> "user-" + i)
                .filter(s -> keyWanted.test(Keys.entityKey(prefix, Scope.USER, s)))
                .findFirst().orElseThrow();
    }
}
