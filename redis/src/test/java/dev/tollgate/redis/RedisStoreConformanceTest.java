package dev.tollgate.redis;

import dev.tollgate.store.Store;
import dev.tollgate.store.StoreConformanceTest;
import dev.tollgate.testing.MutableClock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The core store conformance suite, unchanged, against a real redis-server. Each test gets a fresh key prefix, so
 * tests share the server but never each other's state; time comes from the suite's clock, passed to the scripts.
 * After each test the store must not have decided anything by its failure mode.
 */
class RedisStoreConformanceTest extends StoreConformanceTest {

    private static RedisServers servers;

    @BeforeAll
    static void startRedis() throws Exception {
        servers = RedisServers.standalone();
    }

    @AfterAll
    static void stopRedis() {
        servers.close();
    }

    @Override
    protected Store newStore(MutableClock clock) {
        // The suite checks meaning, not latency: a timeout no loaded CI machine trips, so that no call is decided by
        // the failure mode (the fault tests cover that).
        return RedisStore.builder(servers.first().uri()).clock(clock).keyPrefix("conf" + UUID.randomUUID())
                .timeout(Duration.ofSeconds(10)).build();
    }

    @Override
    protected void closeStore(Store store) {
        RedisStore.Stats stats = ((RedisStore) store).stats();
        store.close();
        if (stats.failures() != 0) {
            throw new AssertionError("Redis calls failed during the test: " + stats);
        }
    }
}
