package dev.tollgate.store;

import dev.tollgate.internal.Algorithms;
import dev.tollgate.internal.CalendarPeriods;
import dev.tollgate.policy.Mode;
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
 * cell's monitor. A decision locks its cells in scope order (user first, global last), so decisions never
 * deadlock and each is atomic: all its rules are charged, or none.
 *
 * <p>Memory stays bounded: a cell that is back to full (every bucket refilled, every window over, no lease held)
 * is dropped. Calls sweep a few cells now and then on the caller's thread; {@link #cleanUp()} sweeps them all.
 */
public final class MemoryStore implements Store {

    private static final int SWEEP_ONE_IN = 256;
    private static final int SWEEP_BATCH = 64;

    private final Clock clock;
    private final ConcurrentHashMap<String, Cell>[] cellsByScope;
    private final Iterator<Map.Entry<String, Cell>>[] sweepCursors;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private int calls;

    @SuppressWarnings("unchecked")
    private MemoryStore(Clock clock) {
        this.clock = clock;
        int scopes = Scope.values().length;
        this.cellsByScope = new ConcurrentHashMap[scopes];
        this.sweepCursors = new Iterator[scopes];
        for (int i = 0; i < scopes; i++) {
            cellsByScope[i] = new ConcurrentHashMap<>();
        }
    }

    /** A memory store on the system UTC clock. */
    public static MemoryStore create() {
        return new MemoryStore(Clock.systemUTC());
    }

    /** A memory store on this clock; tests pass a clock they can move. */
    public static MemoryStore withClock(Clock clock) {
        return new MemoryStore(Objects.requireNonNull(clock, "clock"));
    }

    @Override
    public Outcome apply(Batch batch) {
        List<Operation> ops = batch.operations();
        Outcome outcome;
        if (ops.isEmpty()) {
            outcome = new Outcome(now(), 0);
            outcome.committed(batch.commit());
            return outcome;
        }
        // Operations come sorted by scope, so one scope at both ends means one cell: the usual, user-only plan.
        boolean oneScope = ops.get(0).limit().scope() == ops.get(ops.size() - 1).limit().scope();
        Cell[] cells = new Cell[oneScope ? 1 : countScopes(ops)];
        do {
            fetchCells(ops, cells);
            outcome = lockedApply(cells, 0, batch);
        } while (outcome == null);
        maybeSweep();
        return outcome;
    }

    @Override
    public void adjust(Adjustment adjustment) {
        List<Correction> corrections = adjustment.corrections();
        if (corrections.isEmpty()) {
            return;
        }
        Cell[] cells = new Cell[countScopesOf(corrections)];
        do {
            fetchCellsFor(corrections, cells);
        } while (!lockedAdjust(cells, 0, adjustment));
    }

    /** Drops every cell whose rules are all back to full. */
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
    }

    private long now() {
        return CalendarPeriods.toMicros(clock.instant());
    }

    // Locks cells[k..] in order, then decides; null if a cell was retired under us and the caller must refetch.
    private Outcome lockedApply(Cell[] cells, int k, Batch batch) {
        Cell cell = cells[k];
        synchronized (cell) {
            if (cell.retired) {
                return null;
            }
            if (k + 1 < cells.length) {
                return lockedApply(cells, k + 1, batch);
            }
            return decide(cells, batch);
        }
    }

    private Outcome decide(Cell[] cells, Batch batch) {
        List<Operation> ops = batch.operations();
        int size = ops.size();
        // Time is read under every lock, so each cell sees its decisions in time order.
        long now = now();
        Outcome outcome = new Outcome(now, size);
        boolean liveDenied = false;
        int c = -1;
        Scope scope = null;
        for (int i = 0; i < size; i++) {
            Operation op = ops.get(i);
            Limit limit = op.limit();
            if (limit.scope() != scope) {
                scope = limit.scope();
                c++;
            }
            Cell cell = cells[c];
            int slot = cell.slotOf(limit.slot());
            boolean allowed = Algorithms.evaluate(limit, cell.state, cell.offset(slot), cell.leases(slot), now,
                    op.amount(), outcome, i);
            if (!allowed && limit.rule().mode() == Mode.LIVE) {
                liveDenied = true;
            }
        }
        if (!batch.commit() || liveDenied) {
            return outcome;
        }
        c = -1;
        scope = null;
        for (int i = 0; i < size; i++) {
            Operation op = ops.get(i);
            Limit limit = op.limit();
            if (limit.scope() != scope) {
                scope = limit.scope();
                c++;
            }
            if (outcome.allowed(i)) {
                Cell cell = cells[c];
                int slot = cell.slotOf(limit.slot());
                Algorithms.charge(limit, cell.state, cell.offset(slot), cell.leases(slot), now, op.amount(),
                        batch.reservationId());
            }
        }
        outcome.committed(true);
        return outcome;
    }

    private boolean lockedAdjust(Cell[] cells, int k, Adjustment adjustment) {
        Cell cell = cells[k];
        synchronized (cell) {
            if (cell.retired) {
                return false;
            }
            if (k + 1 < cells.length) {
                return lockedAdjust(cells, k + 1, adjustment);
            }
            long now = now();
            int c = -1;
            Scope scope = null;
            for (Correction correction : adjustment.corrections()) {
                Limit limit = correction.limit();
                if (limit.scope() != scope) {
                    scope = limit.scope();
                    c++;
                }
                Cell target = cells[c];
                int slot = target.slotOf(limit.slot());
                Algorithms.correct(limit, target.state, target.offset(slot), target.leases(slot), now,
                        adjustment.reservedAtMicros(), correction.estimated(), correction.actual(),
                        adjustment.reservationId());
            }
            return true;
        }
    }

    private static int countScopes(List<Operation> ops) {
        int count = 0;
        Scope scope = null;
        for (int i = 0, n = ops.size(); i < n; i++) {
            Scope s = ops.get(i).limit().scope();
            if (s != scope) {
                scope = s;
                count++;
            }
        }
        return count;
    }

    private static int countScopesOf(List<Correction> corrections) {
        int count = 0;
        Scope scope = null;
        for (Correction correction : corrections) {
            Scope s = correction.limit().scope();
            if (s != scope) {
                scope = s;
                count++;
            }
        }
        return count;
    }

    private void fetchCells(List<Operation> ops, Cell[] cells) {
        int c = 0;
        for (int from = 0, n = ops.size(); from < n; c++) {
            Scope scope = ops.get(from).limit().scope();
            int to = from + 1;
            while (to < n && ops.get(to).limit().scope() == scope) {
                to++;
            }
            int start = from;
            int end = to;
            cells[c] = cellFor(scope, ops.get(from).entity(), () -> {
                Slot[] slots = new Slot[end - start];
                for (int i = start; i < end; i++) {
                    slots[i - start] = ops.get(i).limit().slot();
                }
                return Layout.of(slots);
            });
            from = to;
        }
    }

    private void fetchCellsFor(List<Correction> corrections, Cell[] cells) {
        int c = -1;
        Scope scope = null;
        for (Correction correction : corrections) {
            Scope s = correction.limit().scope();
            if (s != scope) {
                scope = s;
                Slot first = correction.limit().slot();
                cells[++c] = cellFor(s, correction.entity(), () -> Layout.of(new Slot[] {first}));
            }
        }
    }

    // A new entity's cell is laid out for the rules that create it, so it never needs extending.
    private Cell cellFor(Scope scope, String entity, java.util.function.Supplier<Layout> layout) {
        ConcurrentHashMap<String, Cell> cells = cellsByScope[scope.ordinal()];
        Cell cell = cells.get(entity);
        if (cell != null) {
            return cell;
        }
        return cells.computeIfAbsent(entity, e -> new Cell(layout.get()));
    }

    private void maybeSweep() {
        // A racy counter is enough: it only paces the sweeps.
        if ((++calls & (SWEEP_ONE_IN - 1)) != 0 || !sweeping.compareAndSet(false, true)) {
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
        synchronized (cell) {
            if (!cell.retired && cell.isIdle(now)) {
                cell.retired = true;
                cells.remove(entity, cell);
            }
        }
    }
}
