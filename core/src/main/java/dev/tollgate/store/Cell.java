package dev.tollgate.store;

import dev.tollgate.internal.Algorithms;
import dev.tollgate.internal.LeaseTable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The state of every rule of one scope entity (one user, one team, ...) in the memory store. A cell that is back
 * to "full" may be retired and dropped from the map; a thread that finds it retired after locking it starts over
 * with the cell now in the map, so no charge lands in a dropped cell.
 *
 * <p>Guarded by a sequence lock kept in the first long of its state array: a version that is odd while a writer
 * holds the cell. A decision reads the state without locking, then checks that the version has not moved; a denial
 * or a check is then done with no write at all, and an allowed call takes the lock with one compare-and-set from
 * the version it read (so what it decided still holds). The version, the latest charge time and the rules' state
 * share one array, so that a decision touches one cache line, not three: when two cores decide on one hot user,
 * every line they both touch has to move between them.
 *
 * <p>The array is replaced when the cell gains a rule. The old one is then locked for good ({@link #MOVED}), so
 * that anyone still reading or waiting on it goes back to {@link #state} for the new one; a retired cell's array
 * is locked for good too ({@link #RETIRED}).
 */
final class Cell {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Where the version sits in the state array. */
    static final int VERSION = 0;
    /**
     * Where the latest time a decision charged the cell at sits. Time is read before locking, so a caller that read
     * the clock earlier may lock later; it decides at this time instead, so that a cell never sees time go back.
     */
    static final int LAST_MICROS = 1;
    /** Where the rules' state starts: a layout's offsets are counted from here. */
    static final int HEADER = 2;

    // Odd, so locked: the version of an array the cell has replaced, and of a retired cell's array.
    private static final long MOVED = -1;
    private static final long RETIRED = -3;

    // Spins this often before yielding: critical sections are a few dozen nanoseconds, so a waiter that spins
    // longer is waiting on a holder that has been descheduled.
    private static final int SPINS = 64;

    // Changed only by the lock holder, and always before the array that goes with it is published in `state`.
    Layout layout;
    volatile long[] state;
    LeaseTable[] leases;

    Cell(Layout layout) {
        this.layout = layout;
        this.state = new long[HEADER + layout.stateSize];
        this.leases = layout.hasLeases ? new LeaseTable[layout.slots.length] : null;
    }

    /** The version of a state array, to read it under without locking: odd if a writer holds it (or for good). */
    static long version(long[] state) {
        return (long) LONGS.getAcquire(state, VERSION);
    }

    /** True if no writer has held the array since its {@link #version} was {@code v}: what was read holds. */
    static boolean validate(long[] state, long v) {
        VarHandle.acquireFence();
        return (long) LONGS.getVolatile(state, VERSION) == v;
    }

    /**
     * Locks the array if no writer has held it since its version was {@code v} (even). The array is then the cell's
     * current one: replacing it takes its lock.
     */
    static boolean tryUpgrade(long[] state, long v) {
        return LONGS.compareAndSet(state, VERSION, v, v + 1);
    }

    /** Locks the cell; false (and not held) if it was retired. */
    boolean lock() {
        for (int spins = 0; ; spins++) {
            long[] s = state;
            long v = (long) LONGS.getVolatile(s, VERSION);
            if (v == RETIRED) {
                return false;
            }
            if ((v & 1) == 0 && LONGS.compareAndSet(s, VERSION, v, v + 1)) {
                return true;
            }
            if (spins < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** Locks the cell if no one holds it and it is not retired. */
    boolean tryLock() {
        long[] s = state;
        long v = (long) LONGS.getVolatile(s, VERSION);
        return (v & 1) == 0 && LONGS.compareAndSet(s, VERSION, v, v + 1);
    }

    /** Unlocks the cell, which the caller holds. */
    void unlock() {
        long[] s = state;
        LONGS.setRelease(s, VERSION, s[VERSION] + 1);
    }

    /** Marks the cell, which the caller holds, retired: it stays locked for good. */
    void retire() {
        LONGS.setRelease(state, VERSION, RETIRED);
    }

    /** The latest time a decision charged the cell at; for the lock holder. */
    long lastMicros() {
        return state[LAST_MICROS];
    }

    /** Records the time of a charge; for the lock holder. */
    void lastMicros(long micros) {
        state[LAST_MICROS] = micros;
    }

    /** The slot index of a rule, extending the layout (and replacing the array) when the cell has never seen it. */
    int slotOf(Slot slot) {
        int index = layout.indexOf(slot);
        if (index >= 0) {
            return index;
        }
        Layout extended = layout.with(slot);
        long[] old = state;
        // The copy carries the version, odd: the caller holds the new array as it held the old one.
        long[] grown = Arrays.copyOf(old, HEADER + extended.stateSize);
        if (extended.hasLeases) {
            leases = leases == null ? new LeaseTable[extended.slots.length] : Arrays.copyOf(leases, extended.slots.length);
        }
        layout = extended;
        state = grown;
        LONGS.setRelease(old, VERSION, MOVED);
        return layout.indexOf(slot);
    }

    /**
     * For readers without the lock: where a rule's state starts in {@code state} (an array of this cell's, read
     * before), or -1 if the layout has no slot for it or does not fit that array (a torn read). Looks at
     * {@code guess} first.
     */
    int offsetIfPresent(Slot slot, int guess, int size, long[] state) {
        Layout seen = layout;
        int index = seen.indexOf(slot, guess);
        if (index < 0 || index >= seen.offsets.length) {
            return -1;
        }
        int offset = HEADER + seen.offsets[index];
        return offset + size <= state.length ? offset : -1;
    }

    /** Where slot {@code slotIndex}'s state starts in the array; for the lock holder. */
    int offset(int slotIndex) {
        return HEADER + layout.offsets[slotIndex];
    }

    LeaseTable leases(int slotIndex) {
        if (leases == null) {
            return null;
        }
        LeaseTable table = leases[slotIndex];
        if (table == null && layout.slots[slotIndex].algorithm() == dev.tollgate.policy.Algorithm.CONCURRENCY) {
            table = new LeaseTable();
            leases[slotIndex] = table;
        }
        return table;
    }

    /** True if every rule in the cell is back to its full limit; for the lock holder. */
    boolean isIdle(long now) {
        Slot[] slots = layout.slots;
        long[] s = state;
        for (int i = 0; i < slots.length; i++) {
            Slot slot = slots[i];
            if (!Algorithms.isIdle(slot.algorithm(), slot.windowMicros(), s, HEADER + layout.offsets[i], leases(i), now)) {
                return false;
            }
        }
        return true;
    }
}
