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
 * <p>The state array is copied on write. Its first long is a version: even means the array is published and will
 * never change again, odd that a writer holds it. A decision reads the current array without locking; a denial or
 * a check is then done with no write at all, and an allowed call writes its charge into a copy and publishes it with
 * one compare-and-set of {@link #state} from the array it read (so what it decided still holds). That is the shape
 * of Bucket4j's lock-free bucket: when two cores decide on one hot user, each works on lines of its own and only the
 * reference moves between them, where a lock taken in place made the other core wait and bounced the array's line
 * for every write.
 *
 * <p>Writers that cannot work on a copy alone (several cells at once, leases, a rule the cell lacks, retiring)
 * lock the cell: they publish a copy whose version is odd, change it in place, then make its version even. The
 * version, the latest charge time and the rules' state share one array, so that a decision reads one cache line,
 * not three.
 *
 * <p>The array is replaced when a holder adds a rule. The old one is then locked for good ({@link #MOVED}), so
 * that anyone still reading or waiting on it goes back to {@link #state} for the new one; a retired cell's array
 * is locked for good too ({@link #RETIRED}).
 */
final class Cell {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Cell.class, "state", long[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

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

    /**
     * The version of a state array: odd if a writer holds it (or for good); even if it is published, and then what
     * it holds will never change. Read it before the rest of the array.
     */
    static long version(long[] state) {
        return (long) LONGS.getAcquire(state, VERSION);
    }

    /**
     * Makes {@code next} (a copy of {@code seen} with a charge written into it and an even version) the cell's state
     * if {@code seen} still is: false if another writer came first, and what was decided on {@code seen} must be
     * decided again.
     */
    boolean publish(long[] seen, long[] next) {
        return STATE.compareAndSet(this, seen, next);
    }

    /** Locks the cell; false (and not held) if it was retired. */
    boolean lock() {
        for (int spins = 0; ; spins++) {
            long[] s = state;
            long v = version(s);
            if (v == RETIRED) {
                return false;
            }
            if ((v & 1) == 0 && lockCopy(s, v)) {
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
        long v = version(s);
        return (v & 1) == 0 && lockCopy(s, v);
    }

    // A published array never changes, so the holder gets a copy of its own, odd while it writes.
    private boolean lockCopy(long[] published, long v) {
        long[] held = published.clone();
        held[VERSION] = v + 1;
        return STATE.compareAndSet(this, published, held);
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
