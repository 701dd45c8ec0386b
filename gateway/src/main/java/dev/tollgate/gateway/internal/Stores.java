package dev.tollgate.gateway.internal;

import dev.tollgate.gateway.Config;
import dev.tollgate.redis.FailureMode;
import dev.tollgate.redis.RedisStore;
import dev.tollgate.store.MemoryStore;
import dev.tollgate.store.Store;

/** Opens the configured store: memory, or Redis with its failure mode. */
public final class Stores {

    private Stores() {
    }

    /**
     * True if the configured store never blocks its caller (the memory store: a few short critical sections), so
     * that calls may be reserved and settled on an I/O thread. Redis calls wait for the network.
     */
    public static boolean neverBlocks(Config.StoreConfig config) {
        return !isRedis(config);
    }

    private static boolean isRedis(Config.StoreConfig config) {
        return config.type().equals("redis");
    }

    /**
     * The memory store, or the Redis store at the configured URL. A Redis that cannot be reached at startup does
     * not stop the gateway: the store decides by its failure mode and connects as soon as Redis answers.
     */
    public static Store open(Config.StoreConfig config) {
        if (!isRedis(config)) {
            return MemoryStore.create();
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
