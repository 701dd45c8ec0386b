package dev.tollgate.store;

import dev.tollgate.internal.Algorithms;
import dev.tollgate.internal.CalendarPeriods;
import dev.tollgate.internal.CoarseClock;
import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Scope;
import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A store in this process's memory, on an injectable clock.
 *
 * <p>Each scope entity (a user, a team, ...) has one cell holding the state of all its rules, guarded by the
 * cell's sequence lock. A decision on one cell reads it without locking and locks it only to charge, if nothing
 * changed meanwhile; a decision on several cells locks them in scope order (user first, global last), so decisions
 * never deadlock. Each is atomic: all its rules are charged, or none.
 *
 * <p>Memory stays bounded: a cell that is back to full (every bucket refilled, every window over, no lease held)
 * is dropped. Every 32nd new cell sweeps a few old ones on the caller's thread, so the map grows only while
 * its cells are in use; {@link #cleanUp()} sweeps them all.
 */
public final class MemoryStore implements Store {

    // Memory stays bounded if every new cell pays for a look at a couple of old ones: each 32nd new cell sweeps
    // up to 64. A store whose users are all known never sweeps, and so never pays for it.
    private static final int SWEEP_ONE_IN_NEW = 32;
    private static final int SWEEP_BATCH = 64;

    private static final int SCOPES = Scope.values().length;

    // What decideDeferred reports besides one bit per operation that allows (at most Outcome.MAX_DEFERRED of them).
    private static final long LIVE_DENIED = 1L << 62;
    private static final long TORN = 1L << 63;

    // What applyOptimistically returns when another writer published first. Deciding again on the new state, after
    // a short back-off, is cheaper than waiting on a lock, but only a few times: a decision that keeps losing takes
    // the lock, and then it is sure to finish.
    private static final Outcome LOST_RACE = new Outcome(0, 0);
    private static final int OPTIMISTIC_ATTEMPTS = 8;

    private final Clock clock;
    // The system clock is read through CoarseClock, a field one thread refreshes every millisecond while decisions
    // come fast, instead of from Clock.instant(), which costs a vDSO call and an Instant: about half of a decision.
    // Decisions are then made to the millisecond, as Bucket4j's default clock makes them.
    private final boolean systemClock;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ConcurrentHashMap<String, Cell>[] cellsByScope;
    private final Iterator<Map.Entry<String, Cell>>[] sweepCursors;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private int newCells;

    @SuppressWarnings("unchecked")
    private MemoryStore(Clock clock, boolean systemClock) {
        this.clock = clock;
        this.systemClock = systemClock;
        this.cellsByScope = new ConcurrentHashMap[SCOPES];
        this.sweepCursors = new Iterator[SCOPES];
        for (int i = 0; i < SCOPES; i++) {
            cellsByScope[i] = new ConcurrentHashMap<>();
        }
    }

    /**
     * A memory store on the system UTC clock, read to the millisecond. Above about 64,000 decisions a second the
     * time comes from a field that a shared daemon thread refreshes every millisecond (see {@link CoarseClock}); it
     * may lag the system clock by a tick plus scheduling delay, which can only delay a refill, never admit more.
     * {@link #close} lets the thread end.
     */
    public static MemoryStore create() {
        CoarseClock.SHARED.acquire();
        return new MemoryStore(Clock.systemUTC(), true);
    }

    /** A memory store on this clock; tests pass a clock they can move. */
    public static MemoryStore withClock(Clock clock) {
        return new MemoryStore(Objects.requireNonNull(clock, "clock"), false);
    }

    // What decideOn returns when it recorded its decision in the batch instead of making an outcome.
    private static final Outcome RECORDED = new Outcome(0, 0);

    @Override
    public Outcome apply(Batch batch) {
        return decideOn(batch, false);
    }

    @Override
    public void decide(Batch batch) {
        Outcome outcome = decideOn(batch, true);
        if (outcome != RECORDED) {
            batch.decided(outcome);
        }
    }

    // Decides the batch. With `record`, the usual decision (one cell laid out for the batch's limits) is recorded in
    // the batch, and RECORDED returned, so that no outcome is made for a reservation whose numbers no one reads.
    private Outcome decideOn(Batch batch, boolean record) {
        int size = batch.size();
        // The clock is read before any lock, so the lock is held for the decision alone; cells keep time from going
        // back (Cell.LAST_MICROS).
        long clockNow = now();
        if (size == 0) {
            Outcome outcome = new Outcome(clockNow, 0);
            outcome.committed(batch.commit());
            return outcome;
        }
        LimitSet set = batch.limitSet();
        int stateSize = set != null ? set.deferredStateSize : deferredStateSize(batch);
        Outcome outcome;
        // Operations come sorted by scope, so one scope at both ends means one cell: the usual, user-only plan.
        Scope firstScope = batch.limit(0).scope();
        if (set != null ? set.oneScope : firstScope == batch.limit(size - 1).scope()) {
            String entity = batch.entity(0);
            do {
                Cell cell = cellFor(firstScope, entity, batch, 0, size);
                outcome = null;
                for (int attempt = 0; stateSize >= 0; attempt++) {
                    outcome = set != null && cell.layout == set.oneCellLayout
                            ? applyInPlace(cell, set, batch, clockNow, record)
                            : applyOptimistically(cell, batch, clockNow, stateSize);
                    if (outcome != LOST_RACE) {
                        break;
                    }
                    outcome = null;
                    if (attempt + 1 == OPTIMISTIC_ATTEMPTS) {
                        break; // to the lock, without a back-off that no attempt follows
                    }
                    backOff(attempt);
                }
                if (outcome == null) {
                    outcome = applyLocked(cell, null, batch, clockNow, stateSize);
                }
            } while (outcome == null);
            return outcome;
        }
        Cell[] cells = new Cell[SCOPES];
        do {
            fetchCells(batch, cells);
            outcome = applyLocked(null, cells, batch, clockNow, stateSize);
        } while (outcome == null);
        return outcome;
    }

    @Override
    public void adjust(Adjustment adjustment) {
        List<Correction> corrections = adjustment.corrections();
        if (corrections.isEmpty()) {
            return;
        }
        Cell[] cells = new Cell[SCOPES];
        do {
            fetchCellsFor(corrections, cells);
        } while (!lockedAdjust(cells, adjustment));
    }

    /** Drops every cell whose rules are all back to full (passing by any that a decision holds at that moment). */
    public void cleanUp() {
        long now = now();
        for (ConcurrentHashMap<String, Cell> cells : cellsByScope) {
            for (Map.Entry<String, Cell> entry : cells.entrySet()) {
                retireIfIdle(cells, entry.getKey(), entry.getValue(), now);
            }
        }
    }

    /** How many scope entities (users, teams, ...) the store holds state for. */
    public long size() {
        long total = 0;
        for (ConcurrentHashMap<String, Cell> cells : cellsByScope) {
            total += cells.size();
        }
        return total;
    }

    @Override
    public void close() {
        for (ConcurrentHashMap<String, Cell> cells : cellsByScope) {
            cells.clear();
        }
        if (systemClock && closed.compareAndSet(false, true)) {
            CoarseClock.SHARED.release();
        }
    }

    private long now() {
        return systemClock ? CoarseClock.SHARED.nowMicros() : CalendarPeriods.toMicros(clock.instant());
    }

    // For a batch given its operations: the longs of state a deferred outcome copies, or -1 if it must be decided
    // eagerly (a LimitSet works this out once).
    private static int deferredStateSize(Batch batch) {
        Limit[] limits = new Limit[batch.size()];
        for (int i = 0; i < limits.length; i++) {
            limits[i] = batch.limit(i);
        }
        return LimitSet.deferredStateSize(limits);
    }

    // Where operation i's state starts in the cell, for a holder of its lock: the limit set's offset if the cell has
    // the set's layout, as cells made for the plan do; otherwise looked up, and added if the cell lacks the rule.
    private static int lockedOffset(Cell cell, LimitSet set, int i, Limit limit) {
        int offset = presetOffset(cell, set, i, limit);
        return offset >= 0 ? offset : cell.offset(cell.slotOf(limit.slot()));
    }

    // The limit set's offset for operation i if the cell has the set's layout, else -1. Without the lock the layout
    // read may be newer than the state array read before it: the caller checks the offset fits its array.
    private static int presetOffset(Cell cell, LimitSet set, int i, Limit limit) {
        return set != null && cell.layout == set.layoutByScope[limit.scope().ordinal()] ? set.offsets[i] : -1;
    }

    // Where operation i's state starts in `state`, an array of the cell's read without its lock, or -1 if the
    // cell's layout lacks the rule or does not fit that array (a writer extending the cell came in between).
    private static int unlockedOffset(Cell cell, LimitSet set, int i, Limit limit, long[] state) {
        int offset = presetOffset(cell, set, i, limit);
        if (offset < 0) {
            return cell.offsetIfPresent(limit.slot(), i, limit.stateSize(), state);
        }
        return offset + limit.stateSize() <= state.length ? offset : -1;
    }

    // After a lost race, waits 1, 2, 4, ... spin hints before deciding again. Without it, two cores on one hot user
    // take the cell's reference from each other on nearly every call, and each loser makes the winner's next
    // publish fail too: measured on one hot subject at 2 threads, backing off gave 1.8x the decisions a second.
    private static void backOff(int attempt) {
        for (int spin = 0; spin < 1 << attempt; spin++) {
            Thread.onSpinWait();
        }
    }

    // Decides on one cell without locking it, and charges by publishing a copy of the state it decided on.
    // LOST_RACE if another writer published first; null when the caller must decide under the lock: a writer holds
    // the cell, the cell needs a new slot, or was retired. The outcome gets a copy of the slices it decided on.
    private static Outcome applyOptimistically(Cell cell, Batch batch, long clockNow, int stateSize) {
        long[] seen = new long[stateSize];
        long[] state = cell.state;
        long version = Cell.version(state);
        if ((version & 1) != 0) {
            return null; // held by a writer, replaced or retired
        }
        // A published array never changes; only the layout, read apart from it, may be newer than it.
        long now = Math.max(clockNow, state[Cell.LAST_MICROS]);
        long found = decideDeferred(seen, cell, state, null, batch, now, false);
        if (found == TORN) {
            return null;
        }
        boolean commit = batch.commit() && (found & LIVE_DENIED) == 0;
        if (commit && !chargeCopy(cell, state, version, batch, now, found)) {
            return LOST_RACE;
        }
        return Outcome.deferred(now, batch, seen, found & ~LIVE_DENIED, commit);
    }

    // applyOptimistically for the usual case, made apart because it is most of the store's work: a cell laid out
    // for the batch's limit set, so each rule's state is at the set's offset in any array of the cell long enough
    // for them (a layout only ever grows at its end). A reserve writes each rule's charge into a copy of the state as
    // it decides the rule, so each rule is worked out once; a live denial drops the copy. The outcome reads the
    // published array in place, and with `record` is not made at all: the batch keeps what it needs.
    private static Outcome applyInPlace(Cell cell, LimitSet set, Batch batch, long clockNow, boolean record) {
        long[] state = cell.state;
        long version = Cell.version(state);
        if ((version & 1) != 0 || state.length < set.oneCellLength) {
            return null; // held by a writer, replaced or retired; or an array older than the layout read before it
        }
        long now = Math.max(clockNow, state[Cell.LAST_MICROS]);
        Limit[] limits = set.limits();
        int[] offsets = set.offsets;
        boolean commit = batch.commit();
        // Copying before the first rule costs a denial a copy it drops, but spares an allowed call working out its
        // first rule twice (to decide, then to charge), and allowed calls are the many.
        long[] next = commit ? state.clone() : null;
        long allowed = 0;
        boolean liveDenied = false;
        for (int i = 0; i < limits.length; i++) {
            Limit limit = limits[i];
            boolean allows = next != null
                    ? Algorithms.chargeIfAllowed(limit, state, next, offsets[i], now, batch.amount(i))
                    : Algorithms.allows(limit, state, offsets[i], now, batch.amount(i));
            if (allows) {
                allowed |= 1L << i;
            } else if (limit.live()) {
                liveDenied = true;
                next = null;
            }
        }
        // A reserve that no live rule denied is committed even if it charged nothing (every rule a dry-run one that
        // would have denied); there is then nothing to publish.
        commit &= !liveDenied;
        if (next != null && allowed != 0) {
            next[Cell.VERSION] = version + 2;
            next[Cell.LAST_MICROS] = now;
            if (!cell.publish(state, next)) {
                return LOST_RACE;
            }
        }
        if (record) {
            batch.decidedInPlace(now, state, allowed, commit);
            return RECORDED;
        }
        return Outcome.deferredInPlace(now, batch, state, offsets, allowed, commit);
    }

    // Charges the operations in `allowedBits` into a copy of `state` and publishes it; false if another writer
    // published first, or if the layout no longer fits the array.
    private static boolean chargeCopy(Cell cell, long[] state, long version, Batch batch, long now, long allowedBits) {
        long[] next = state.clone();
        next[Cell.VERSION] = version + 2;
        next[Cell.LAST_MICROS] = now;
        for (int i = 0, size = batch.size(); i < size; i++) {
            if ((allowedBits & (1L << i)) == 0) {
                continue;
            }
            Limit limit = batch.limit(i);
            int offset = unlockedOffset(cell, batch.limitSet(), i, limit, next);
            if (offset < 0) {
                return false;
            }
            Algorithms.charge(limit, next, offset, null, now, batch.amount(i), batch.reservationId());
        }
        return cell.publish(state, next);
    }

    // Locks `only`, or every cell of `cells` in scope order, then decides; null if a cell was retired under us and
    // the caller must fetch the cells again.
    private Outcome applyLocked(Cell only, Cell[] cells, Batch batch, long clockNow, int stateSize) {
        long[] seen = stateSize >= 0 ? new long[stateSize] : null;
        if (!(only != null ? only.lock() : lockAll(cells))) {
            return null;
        }
        long now;
        long found = 0;
        Outcome eager = null;
        boolean commit;
        try {
            now = only != null ? Math.max(clockNow, only.lastMicros()) : latest(cells, clockNow);
            if (seen != null) {
                found = decideDeferred(seen, only, null, cells, batch, now, true);
                commit = batch.commit() && (found & LIVE_DENIED) == 0;
            } else {
                eager = decideEagerly(only, cells, batch, now);
                commit = eager.committed();
            }
            if (commit) {
                chargeAllowed(only, cells, batch, now, eager, found);
            }
        } finally {
            if (only != null) {
                only.unlock();
            } else {
                unlockAll(cells, cells.length);
            }
        }
        return eager != null ? eager : Outcome.deferred(now, batch, seen, found & ~LIVE_DENIED, commit);
    }

    // Locks the cells (indexed by scope, nulls for scopes the batch has not) in scope order, so that two decisions
    // never wait on each other in a circle; false, with none held, if one was retired.
    private static boolean lockAll(Cell[] cells) {
        for (int c = 0; c < cells.length; c++) {
            if (cells[c] != null && !cells[c].lock()) {
                unlockAll(cells, c);
                return false;
            }
        }
        return true;
    }

    // Unlocks the cells below index `end`, in reverse order.
    private static void unlockAll(Cell[] cells, int end) {
        for (int c = end - 1; c >= 0; c--) {
            if (cells[c] != null) {
                cells[c].unlock();
            }
        }
    }

    // The latest time any of the cells was charged at, or `clockNow` if later: no cell may see time go back.
    private static long latest(Cell[] cells, long clockNow) {
        long now = clockNow;
        for (Cell cell : cells) {
            if (cell != null) {
                now = Math.max(now, cell.lastMicros());
            }
        }
        return now;
    }

    // Decides only whether each rule allows the call, copying the state it saw into `seen` so that the outcome can
    // work out the numbers if they are read; charges nothing. Returns a bit per operation that allows, plus
    // LIVE_DENIED if a live rule denies. Under the lock (`locked`) a cell gains the slots it lacks. Without it, the
    // array read (`unlockedState`, published, so unchanging) may be older than the layout read apart from it, so a
    // missing slot or a layout that does not fit the array returns TORN.
    private static long decideDeferred(long[] seen, Cell only, long[] unlockedState, Cell[] cells, Batch batch,
                                       long now, boolean locked) {
        LimitSet set = batch.limitSet();
        int size = batch.size();
        long allowedBits = 0;
        boolean liveDenied = false;
        for (int i = 0, at = 0; i < size; i++) {
            Limit limit = batch.limit(i);
            Cell cell = only != null ? only : cells[limit.scope().ordinal()];
            int offset;
            long[] state;
            if (locked) {
                offset = lockedOffset(cell, set, i, limit); // may grow the state array, so read it after
                state = cell.state;
            } else {
                state = unlockedState;
                offset = unlockedOffset(cell, set, i, limit, state);
                if (offset < 0) {
                    return TORN;
                }
            }
            System.arraycopy(state, offset, seen, at, limit.stateSize());
            at += limit.stateSize();
            if (Algorithms.allows(limit, state, offset, now, batch.amount(i))) {
                allowedBits |= 1L << i;
            } else if (limit.live()) {
                liveDenied = true;
            }
        }
        return liveDenied ? allowedBits | LIVE_DENIED : allowedBits;
    }

    private static Outcome decideEagerly(Cell only, Cell[] cells, Batch batch, long now) {
        int size = batch.size();
        Outcome outcome = new Outcome(now, size);
        boolean liveDenied = false;
        for (int i = 0; i < size; i++) {
            Limit limit = batch.limit(i);
            Cell cell = only != null ? only : cells[limit.scope().ordinal()];
            int slot = cell.slotOf(limit.slot());
            boolean allowed = Algorithms.evaluate(limit, cell.state, cell.offset(slot), cell.leases(slot), now,
                    batch.amount(i), outcome, i);
            if (!allowed && limit.live()) {
                liveDenied = true;
            }
        }
        outcome.committed(batch.commit() && !liveDenied);
        return outcome;
    }

    // Charges each operation that allowed the call: as the eager outcome says, or else as `allowedBits` does.
    private static void chargeAllowed(Cell only, Cell[] cells, Batch batch, long now, Outcome eager,
                                      long allowedBits) {
        LimitSet set = batch.limitSet();
        for (int i = 0, size = batch.size(); i < size; i++) {
            Limit limit = batch.limit(i);
            Cell cell = only != null ? only : cells[limit.scope().ordinal()];
            cell.lastMicros(now);
            if (eager != null ? !eager.allowed(i) : (allowedBits & (1L << i)) == 0) {
                continue;
            }
            // The offset first: finding it may replace the cell's array.
            if (limit.algorithm() == Algorithm.CONCURRENCY) {
                int slot = cell.slotOf(limit.slot());
                Algorithms.charge(limit, cell.state, cell.offset(slot), cell.leases(slot), now, batch.amount(i),
                        batch.reservationId());
            } else {
                int offset = lockedOffset(cell, set, i, limit);
                Algorithms.charge(limit, cell.state, offset, null, now, batch.amount(i), batch.reservationId());
            }
        }
    }

    private boolean lockedAdjust(Cell[] cells, Adjustment adjustment) {
        long clockNow = now();
        if (!lockAll(cells)) {
            return false;
        }
        try {
            long now = latest(cells, clockNow);
            for (Correction correction : adjustment.corrections()) {
                Limit limit = correction.limit();
                Cell target = cells[limit.scope().ordinal()];
                target.lastMicros(now);
                int slot = target.slotOf(limit.slot());
                Algorithms.correct(limit, target.state, target.offset(slot), target.leases(slot), now,
                        adjustment.reservedAtMicros(), correction.estimated(), correction.actual(),
                        adjustment.reservationId());
            }
            return true;
        } finally {
            unlockAll(cells, cells.length);
        }
    }

    private void fetchCells(Batch batch, Cell[] cells) {
        for (int from = 0, n = batch.size(); from < n; ) {
            Scope scope = batch.limit(from).scope();
            int to = from + 1;
            while (to < n && batch.limit(to).scope() == scope) {
                to++;
            }
            cells[scope.ordinal()] = cellFor(scope, batch.entity(from), batch, from, to);
            from = to;
        }
    }

    private void fetchCellsFor(List<Correction> corrections, Cell[] cells) {
        Scope scope = null;
        for (Correction correction : corrections) {
            Scope s = correction.limit().scope();
            if (s != scope) {
                scope = s;
                cells[s.ordinal()] = cellFor(s, correction.entity(), correction.limit().slot());
            }
        }
    }

    // A new entity's cell is laid out for the rules that create it (the batch's [from..to)), so it never needs
    // extending, and shares the limit set's layout, whose offsets decisions then use directly.
    private Cell cellFor(Scope scope, String entity, Batch batch, int from, int to) {
        Cell cell = cellsByScope[scope.ordinal()].get(entity);
        if (cell != null) {
            return cell;
        }
        LimitSet set = batch.limitSet();
        if (set != null) {
            return newCell(scope, entity, set.layoutByScope[scope.ordinal()]);
        }
        Slot[] slots = new Slot[to - from];
        for (int i = from; i < to; i++) {
            slots[i - from] = batch.limit(i).slot();
        }
        return newCell(scope, entity, Layout.of(slots));
    }

    private Cell cellFor(Scope scope, String entity, Slot slot) {
        Cell cell = cellsByScope[scope.ordinal()].get(entity);
        return cell != null ? cell : newCell(scope, entity, Layout.of(new Slot[] {slot}));
    }

    private Cell newCell(Scope scope, String entity, Layout layout) {
        Cell created = new Cell(layout);
        Cell raced = cellsByScope[scope.ordinal()].putIfAbsent(entity, created);
        if (raced != null) {
            return raced;
        }
        maybeSweep();
        return created;
    }

    private void maybeSweep() {
        // A racy counter is enough: it only paces the sweeps.
        if ((++newCells & (SWEEP_ONE_IN_NEW - 1)) != 0 || !sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            long now = now();
            for (int s = 0; s < cellsByScope.length; s++) {
                ConcurrentHashMap<String, Cell> cells = cellsByScope[s];
                if (cells.isEmpty()) {
                    continue;
                }
                Iterator<Map.Entry<String, Cell>> cursor = sweepCursors[s];
                for (int n = 0; n < SWEEP_BATCH; n++) {
                    if (cursor == null || !cursor.hasNext()) {
                        cursor = cells.entrySet().iterator();
                        if (!cursor.hasNext()) {
                            break;
                        }
                    }
                    Map.Entry<String, Cell> entry = cursor.next();
                    retireIfIdle(cells, entry.getKey(), entry.getValue(), now);
                }
                sweepCursors[s] = cursor;
            }
        } finally {
            sweeping.set(false);
        }
    }

    private static void retireIfIdle(ConcurrentHashMap<String, Cell> cells, String entity, Cell cell, long now) {
        // A cell someone is deciding on is in use: the sweep passes it by rather than wait.
        if (!cell.tryLock()) {
            return;
        }
        boolean idle;
        try {
            idle = cell.isIdle(Math.max(now, cell.lastMicros()));
        } catch (RuntimeException | Error e) {
            cell.unlock();
            throw e;
        }
        if (idle) {
            cell.retire(); // stays locked: whoever finds it now fetches the cell again, and finds none or a new one
            cells.remove(entity, cell);
        } else {
            cell.unlock();
        }
    }
}
