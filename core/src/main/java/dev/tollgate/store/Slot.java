package dev.tollgate.store;

import dev.tollgate.policy.Algorithm;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identity of a rule's state within one scope entity: its name and algorithm, and for a sliding window its
 * length (the one number needed to tell when its state is stale; a changed length starts afresh). Interned,
 * so that the memory store finds a rule's slot in a cell by reference comparison.
 */
record Slot(String name, Algorithm algorithm, long windowMicros) {

    private static final ConcurrentHashMap<Slot, Slot> INTERNED = new ConcurrentHashMap<>();

    static Slot of(Limit limit) {
        long window = limit.algorithm() == Algorithm.SLIDING_WINDOW ? limit.windowMicros() : 0;
        Slot slot = new Slot(limit.rule().name(), limit.algorithm(), window);
        Slot existing = INTERNED.putIfAbsent(slot, slot);
        return existing != null ? existing : slot;
    }
}
