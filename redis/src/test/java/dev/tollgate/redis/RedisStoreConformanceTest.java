package dev.tollgate.redis;

import dev.tollgate.store.Store;
import dev.tollgate.store.StoreConformanceTest;
import dev.tollgate.testing.MutableClock;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The core store conformance suite, unchanged, against a real redis-server. Each test gets a fresh key prefix, so
 * tests share the server but never each other's state; time comes from the suite's clock, passed to the scripts.
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
        return RedisStore.builder(servers.first().uri()).clock(clock).keyPrefix("conf" + UUID.randomUUID()).build();
    }

    @Override
    protected void closeStore(Store store) {
        store.close();
    }
}
