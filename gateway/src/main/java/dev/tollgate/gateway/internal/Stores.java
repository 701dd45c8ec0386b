package dev.tollgate.gateway.internal;

import dev.tollgate.gateway.Config;
import dev.tollgate.store.MemoryStore;
import dev.tollgate.store.Store;
import java.time.Clock;

/** Opens the configured store. */
public final class Stores {

    private Stores() {
    }

    /** The memory store, or the Redis store at the configured URL. */
    public static Store open(Config.StoreConfig config) {
        if (config.type().equals("redis")) {
            throw new IllegalStateException("store.type redis is not available in this build yet");
        }
        return MemoryStore.withClock(Clock.systemUTC());
    }
}
