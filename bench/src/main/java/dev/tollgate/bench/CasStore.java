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
import java.util.concurrent.atomic.AtomicReference;

/**
 * An experimental lock-free store for the lock-versus-CAS question: each entity's state is an immutable
 * {@code long[]} snapshot behind an {@link AtomicReference}. A decision reads the snapshot and the clock, evaluates;
 * a denial returns without writing, an allowed call charges a copy and publishes it with one compare-and-set,
 * starting over with a fresh snapshot and a fresh time when another thread got there first.
 *
 * <p>Atomic per entity, and time stays in order: a thread reads the clock after the snapshot it publishes over,
 * which was published after its own writer read the clock. Minimal on purpose: one scope entity per batch, no
 * concurrency rules, no refunds, no sweeping. Not for production.
 */
final class CasStore implements Store {

    private final LongSupplier nowMicros;
    private final ConcurrentHashMap<String, AtomicReference<long[]>> cells = new ConcurrentHashMap<>();

    CasStore(Clock clock) {
        this(() -> CalendarPeriods.toMicros(clock.instant()));
    }

    /** A store reading time, in microseconds, from this source: the benchmark gives every store the same clock. */
    CasStore(LongSupplier nowMicros) {
        this.nowMicros = nowMicros;
    }

    @Override
    public Outcome apply(Batch batch) {
        List<Operation> ops = batch.operations();
        String entity = SingleCell.entity(ops);
        AtomicReference<long[]> cell = cells.get(entity);
        if (cell == null) {
            cell = cells.computeIfAbsent(entity, e -> new AtomicReference<>(new long[SingleCell.stateSize(ops)]));
        }
        while (true) {
            long[] current = cell.get();
            long now = nowMicros.getAsLong();
            Outcome outcome = new Outcome(now, ops.size());
            if (!SingleCell.evaluate(ops, current, now, outcome) || !batch.commit()) {
                return outcome;
            }
            long[] next = current.clone();
            SingleCell.charge(ops, next, now, outcome, batch.reservationId());
            if (cell.compareAndSet(current, next)) {
                outcome.committed(true);
                return outcome;
            }
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
