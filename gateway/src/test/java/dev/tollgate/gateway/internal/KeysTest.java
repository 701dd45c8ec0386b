package dev.tollgate.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.Subject;
import dev.tollgate.gateway.Config;
import dev.tollgate.testing.Seeds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class KeysTest {

    /**
     * {@link Keys#sha256} copies one shared digest instead of looking one up per call; threads hashing at once must
     * each get their own key's hash, the same as a digest of their own would give.
     */
    @Test
    void threadsHashingAtOnceEachGetTheirKeysHash() throws Exception {
        long seed = Seeds.seed();
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom random = new SplittableRandom(seed + t);
                results.add(pool.submit(() -> {
                    start.await();
                    int mismatches = 0;
                    for (int i = 0; i < 5_000; i++) {
                        String key = "tg-" + Long.toHexString(random.nextLong()) + "-" + i;
                        byte[] own = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
                        if (!MessageDigest.isEqual(own, Keys.sha256(key))) {
                            mismatches++;
                        }
                    }
                    return mismatches;
                }));
            }
            start.countDown();
            for (Future<Integer> result : results) {
                assertThat(result.get()).as(Seeds.describe(seed)).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Config.KeyConfig key(String key, String id, String user, String team, boolean revoked) {
        return new Config.KeyConfig(Keys.sha256(key), id, user, "free", team, "acme", revoked);
    }

    /**
     * A key's subject is one object for the life of the configuration: the engine remembers, per subject object,
     * the plan variant it last decided with, and a subject built anew on every call would miss it every time.
     */
    @Test
    void aKeyAuthenticatesToTheSameSubjectOnEveryCall() {
        Keys keys = new Keys(List.of(key("tg-a", "key-a", "alice", "research", false),
                key("tg-b", "key-b", "bob", null, false)), List.of());

        Keys.Valid first = (Keys.Valid) keys.client("tg-a");
        Keys.Valid again = (Keys.Valid) keys.client(" tg-a ");

        assertThat(again.subject()).isSameAs(first.subject());
        assertThat(first.subject()).isEqualTo(Subject.user("alice", "free").inTeam("research").inOrg("acme")
                .withKey("key-a"));
        assertThat(((Keys.Valid) keys.client("tg-b")).subject()).isEqualTo(Subject.user("bob", "free").inOrg("acme")
                .withKey("key-b"));
    }

    @Test
    void revokedUnknownAndMissingKeysAreToldApart() {
        Keys keys = new Keys(List.of(key("tg-a", "key-a", "alice", null, false),
                key("tg-old", "key-old", "alice", null, true)), List.of(Keys.sha256("svc-1")));

        assertThat(keys.client("tg-old")).isEqualTo(new Keys.Revoked("key-old"));
        assertThat(keys.client("tg-nope")).isInstanceOf(Keys.Unknown.class);
        assertThat(keys.client("  ")).isInstanceOf(Keys.Missing.class);
        assertThat(keys.client(null)).isInstanceOf(Keys.Missing.class);
        assertThat(keys.service("svc-1")).isTrue();
        assertThat(keys.service("tg-a")).isFalse(); // a client key is not a service key
        // the decision API's subject for a user: its live key's user, plan, team and org, without the key
        assertThat(keys.subjectOf("alice")).isEqualTo(Subject.user("alice", "free").inOrg("acme"));
        assertThat(keys.subjectOf("alice")).isSameAs(keys.subjectOf("alice")); // built once, as a key's subject is
        assertThat(keys.subjectOf("carol")).isNull();
    }
}
