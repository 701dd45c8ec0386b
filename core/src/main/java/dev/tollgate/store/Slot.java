package dev.tollgate.store;

import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Meter;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The identity of a rule's state within one scope entity: its name, algorithm and meter, and for a sliding
 * window its length (the one number needed to tell when its state is stale; a changed length starts afresh).
 * Two plans may both have a "burst" rule, one of requests and one of tokens: a user who moves between them
 * gets a fresh bucket rather than one whose numbers mean something else. Interned,
 * so that the memory store finds a rule's slot in a cell by reference comparison.
 */
record Slot(String name, Algorithm algorithm, Meter meter, long windowMicros) {

    private static final ConcurrentHashMap<Slot, Slot> INTERNED = new ConcurrentHashMap<>();

    static Slot of(Limit limit) {
        long window = limit.algorithm() == Algorithm.SLIDING_WINDOW ? limit.windowMicros() : 0;
        Slot slot = new Slot(limit.rule().name(), limit.algorithm(), limit.rule().meter(), window);
        Slot existing = INTERNED.putIfAbsent(slot, slot);
        return existing != null ? existing : slot;
    }
}
