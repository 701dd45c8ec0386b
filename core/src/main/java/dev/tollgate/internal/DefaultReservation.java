package dev.tollgate.internal;

import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.store.Adjustment;
import dev.tollgate.store.Correction;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Limit;
import dev.tollgate.store.LimitSet;
import dev.tollgate.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A reservation; its decision is built the first time someone asks for it. It is the batch that it hands the store,
 * so that a call makes one object for both.
 */
final class DefaultReservation extends Batch implements Reservation {

    private static final int OPEN = 0;
    private static final int SETTLED = 1;
    private static final int RELEASED = 2;

    private final Store store;
    private final int[] planOrder;
    private static final AtomicIntegerFieldUpdater<DefaultReservation> STATE =
            AtomicIntegerFieldUpdater.newUpdater(DefaultReservation.class, "state");

    // OPEN is 0, the default: an explicit initial write to a volatile field would cost a fence on every reserve.
    private volatile int state;
    private volatile Decision decision;

    DefaultReservation(Store store, LimitSet limits, Subject subject, Charge estimate, long id, int[] planOrder) {
        super(limits, subject, estimate, true, id);
        this.store = store;
        this.planOrder = planOrder;
    }

    @Override
    public String id() {
        return Long.toHexString(reservationId());
    }

    @Override
    public Decision decision() {
        Decision d = decision;
        if (d == null) {
            d = Decisions.from(this, planOrder, outcome(), id());
            decision = d;
        }
        return d;
    }

    @Override
    public boolean allowed() {
        return charged();
    }

    @Override
    public Charge estimate() {
        return charge();
    }

    @Override
    public void settle(Charge actual) {
        Objects.requireNonNull(actual, "actual");
        finish(SETTLED);
        adjust(actual);
    }

    @Override
    public void release() {
        finish(RELEASED);
        adjust(Charge.NONE);
    }

    @Override
    public boolean isFinished() {
        return state != OPEN;
    }

    @Override
    public void close() {
        if (allowed() && STATE.compareAndSet(this, OPEN, RELEASED)) {
            adjust(Charge.NONE);
        }
    }

    private void finish(int how) {
        if (!allowed()) {
            throw new IllegalStateException("reservation " + id() + " was denied, so nothing was reserved to "
                    + (how == SETTLED ? "settle" : "release"));
        }
        if (!STATE.compareAndSet(this, OPEN, how)) {
            throw new IllegalStateException("reservation " + id() + " was already "
                    + (state == SETTLED ? "settled" : "released") + "; it was not charged again");
        }
    }

    private void adjust(Charge actual) {
        List<Correction> corrections = new ArrayList<>(size());
        for (int i = 0, n = size(); i < n; i++) {
            if (allowedBy(i)) { // dry-run rules that would have denied were not charged
                Limit limit = limit(i);
                corrections.add(new Correction(limit, entity(i), amount(i), actual.amount(limit.rule().meter())));
            }
        }
        store.adjust(new Adjustment(corrections, decidedAtMicros(), reservationId()));
    }

    @Override
    public String toString() {
        return "Reservation " + id() + (allowed() ? " allowed" : " denied") + " " + charge();
    }
}
