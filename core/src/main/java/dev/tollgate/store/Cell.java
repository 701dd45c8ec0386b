package dev.tollgate.store;

import dev.tollgate.internal.Algorithms;
import dev.tollgate.internal.LeaseTable;
import java.util.Arrays;

/**
 * The state of every rule of one scope entity (one user, one team, ...) in the memory store. Guarded by its
 * own monitor. A cell that is back to "full" may be retired and dropped from the map; a thread that finds it
 * retired after locking it starts over with the cell now in the map, so no charge lands in a dropped cell.
 */
final class Cell {

    Layout layout;
    long[] state;
    LeaseTable[] leases;
    boolean retired;

    Cell(Layout layout) {
        this.layout = layout;
        this.state = new long[layout.stateSize];
        this.leases = layout.hasLeases ? new LeaseTable[layout.slots.length] : null;
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
