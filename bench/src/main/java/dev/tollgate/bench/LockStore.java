package dev.tollgate.bench;

import dev.tollgate.internal.CalendarPeriods;
import dev.tollgate.store.Adjustment;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import dev.tollgate.store.Store;
import java.time.Clock;
import java.util.function.LongSupplier;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control for {@link CasStore}: the same minimal store, made atomic with the entity's monitor as
 * {@code MemoryStore} does, state changed in place. The two differ only in lock versus compare-and-set, which
 * separates the cost of the mechanism from the cost of everything else {@code MemoryStore} does.
 */
final class LockStore implements Store {

    private final LongSupplier nowMicros;
    private final ConcurrentHashMap<String, long[]> cells = new ConcurrentHashMap<>();

    LockStore(Clock clock) {
        this(() -> CalendarPeriods.toMicros(clock.instant()));
    }

    /** A store reading time, in microseconds, from this source: the benchmark gives every store the same clock. */
    LockStore(LongSupplier nowMicros) {
        this.nowMicros = nowMicros;
    }

    @Override
    public Outcome apply(Batch batch) {
        List<Operation> ops = batch.operations();
        String entity = SingleCell.entity(ops);
        long[] state = cells.get(entity);
        if (state == null) {
            state = cells.computeIfAbsent(entity, e -> new long[SingleCell.stateSize(ops)]);
        }
        synchronized (state) {
            long now = nowMicros.getAsLong();
            Outcome outcome = new Outcome(now, ops.size());
            if (SingleCell.evaluate(ops, state, now, outcome) && batch.commit()) {
                SingleCell.charge(ops, state, now, outcome, batch.reservationId());
                outcome.committed(true);
            }
            return outcome;
        }
    }

    @Override
    public void adjust(Adjustment adjustment) {
        throw new UnsupportedOperationException("the experimental store does not settle");
    }

    @Override
    public void close() {
        cells.clear();
    }
}
