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
 * <p>Guarded by its own sequence lock: a version that is odd while a writer holds the cell. A decision reads the
 * state without locking, then checks that the version has not moved; a denial or a check is then done with no
 * write at all, and an allowed call takes the lock with one compare-and-set from the version it read (so what it
 * decided still holds). Sixteen bytes a cell, where a {@code StampedLock} would cost about fifty.
 */
final class Cell {

    private static final VarHandle VERSION;

    static {
        try {
            VERSION = MethodHandles.lookup().findVarHandle(Cell.class, "version", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What {@link #tryOptimisticRead} returns while a writer holds the cell. */
    static final long LOCKED = -1;

    // Spins this often before yielding: critical sections are a few dozen nanoseconds, so a waiter that spins
    // longer is waiting on a holder that has been descheduled.
    private static final int SPINS = 64;

    Layout layout;
    long[] state;
    LeaseTable[] leases;
    boolean retired;
    // The latest time a decision charged this cell at. Time is read before locking, so a caller that read the clock
    // earlier may lock later; it decides at this time instead, so that a cell never sees time go back.
    long lastMicros;
    @SuppressWarnings("unused") // through VERSION
    private volatile long version;

    Cell(Layout layout) {
        this.layout = layout;
        this.state = new long[layout.stateSize];
        this.leases = layout.hasLeases ? new LeaseTable[layout.slots.length] : null;
    }

    /** A version to read the cell under without locking, or {@link #LOCKED} if a writer holds it now. */
    long tryOptimisticRead() {
        long v = (long) VERSION.getAcquire(this);
        return (v & 1) == 0 ? v : LOCKED;
    }

    /** True if no writer has held the cell since {@link #tryOptimisticRead} returned {@code v}: what was read holds. */
    boolean validate(long v) {
        VarHandle.acquireFence();
        return (long) VERSION.getVolatile(this) == v;
    }

    /** Locks the cell if no writer has held it since version {@code v} was read. */
    boolean tryUpgrade(long v) {
        return VERSION.compareAndSet(this, v, v + 1);
    }

    void lock() {
        for (int spins = 0; ; spins++) {
            long v = (long) VERSION.getVolatile(this);
            if ((v & 1) == 0 && VERSION.compareAndSet(this, v, v + 1)) {
                return;
            }
            if (spins < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    boolean tryLock() {
        long v = (long) VERSION.getVolatile(this);
        return (v & 1) == 0 && VERSION.compareAndSet(this, v, v + 1);
    }

    void unlock() {
        VERSION.setRelease(this, (long) VERSION.getOpaque(this) + 1);
    }

    /** The slot index of a rule, extending the layout when the cell has never seen it. */
    int slotOf(Slot slot) {
        int index = layout.indexOf(slot);
        if (index >= 0) {
            return index;
        }
        Layout extended = layout.with(slot);
        state = Arrays.copyOf(state, extended.stateSize);
        if (extended.hasLeases) {
            leases = leases == null ? new LeaseTable[extended.slots.length] : Arrays.copyOf(leases, extended.slots.length);
        }
        layout = extended;
        return layout.indexOf(slot);
    }

    /**
     * For readers without the lock: where a rule's state starts in {@code state} (this cell's array, read before),
     * or -1 if the layout has no slot for it or does not fit that array (a torn read). Looks at {@code guess} first.
     */
    int offsetIfPresent(Slot slot, int guess, int size, long[] state) {
        Layout seen = layout;
        int index = seen.indexOf(slot, guess);
        if (index < 0 || index >= seen.offsets.length) {
            return -1;
        }
        int offset = seen.offsets[index];
        return offset + size <= state.length ? offset : -1;
    }

    int offset(int slotIndex) {
        return layout.offsets[slotIndex];
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

    /** True if every rule in the cell is back to its full limit. */
    boolean isIdle(long now) {
        Slot[] slots = layout.slots;
        for (int i = 0; i < slots.length; i++) {
            Slot slot = slots[i];
            if (!Algorithms.isIdle(slot.algorithm(), slot.windowMicros(), state, layout.offsets[i], leases(i), now)) {
                return false;
            }
        }
        return true;
    }
}
