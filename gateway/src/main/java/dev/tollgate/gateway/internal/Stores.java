package dev.tollgate.gateway.internal;

import dev.tollgate.gateway.Config;
import dev.tollgate.redis.FailureMode;
import dev.tollgate.redis.RedisStore;
import dev.tollgate.store.MemoryStore;
import dev.tollgate.store.Store;
import java.time.Clock;

/** Opens the configured store: memory, or Redis with its failure mode. */
public final class Stores {

    private Stores() {
    }

    /**
     * The memory store, or the Redis store at the configured URL. A Redis that cannot be reached at startup does
     * not stop the gateway: the store decides by its failure mode and connects as soon as Redis answers.
     */
    public static Store open(Config.StoreConfig config) {
        if (!config.type().equals("redis")) {
            return MemoryStore.withClock(Clock.systemUTC());
        }
        FailureMode mode = switch (config.failureMode()) {
            case "fail-open" -> FailureMode.FAIL_OPEN;
            case "local" -> FailureMode.LOCAL_FALLBACK;
            default -> FailureMode.FAIL_CLOSED;
        };
        RedisStore.Builder b = RedisStore.builder(config.url()).cluster(config.cluster()).timeout(config.timeout())
                .failureMode(mode);
        if (mode == FailureMode.LOCAL_FALLBACK) {
            b.localShare(config.localShare());
        }
        return b.build();
    }
}
