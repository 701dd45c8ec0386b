package dev.tollgate.store;

import dev.tollgate.internal.Algorithms;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where each rule's state sits in a memory-store cell's {@code long[]}. Layouts are immutable and interned,
 * so the million cells of a plan's users share one. A cell that meets a rule it has no slot for (a user who
 * changed plan, a team shared by two plans) moves to an extended layout; what it had is kept.
 */
final class Layout {

    private static final ConcurrentHashMap<List<Slot>, Layout> INTERNED = new ConcurrentHashMap<>();

    final Slot[] slots;
    final int[] offsets;
    final int stateSize;
    final boolean hasLeases;
    private final ConcurrentHashMap<Slot, Layout> extensions = new ConcurrentHashMap<>();

    private Layout(Slot[] slots) {
        this.slots = slots;
        this.offsets = new int[slots.length];
        int size = 0;
        boolean leases = false;
        for (int i = 0; i < slots.length; i++) {
            offsets[i] = size;
            size += Algorithms.stateSize(slots[i].algorithm());
            leases |= slots[i].algorithm() == dev.tollgate.policy.Algorithm.CONCURRENCY;
        }
        this.stateSize = size;
        this.hasLeases = leases;
    }

    static Layout of(Slot[] slots) {
        return INTERNED.computeIfAbsent(List.of(slots), key -> new Layout(slots.clone()));
    }

    /**
     * The index of a slot, or -1; looks at {@code guess} first. A cell is laid out for the rules that created it,
     * in their order, so the rule's position in its batch is nearly always right.
     */
    int indexOf(Slot slot, int guess) {
        Slot[] s = slots;
        return guess < s.length && s[guess] == slot ? guess : indexOf(slot);
    }

    /** The index of a slot, or -1. */
    int indexOf(Slot slot) {
        Slot[] s = slots;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == slot) {
                return i;
            }
        }
        return -1;
    }

    /** This layout with one more slot at the end. */
    Layout with(Slot slot) {
        return extensions.computeIfAbsent(slot, added -> {
            Slot[] more = Arrays.copyOf(slots, slots.length + 1);
            more[slots.length] = added;
            return Layout.of(more);
        });
    }
}
