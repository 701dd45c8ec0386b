package dev.tollgate.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A concurrency limit as a list of live leases: each admitted call holds its weight (its request count) until it is
 * settled or released, or until its lease runs out. A call fits if the weights held at that instant plus its own
 * stay within the limit. The rule is whole again when the last lease held after the decision runs out; a denied call
 * is told to retry when the first one does, but after no more than {@link Algorithms#CONCURRENCY_RETRY_MICROS},
 * since calls usually end well before their lease.
 */
final class ConcurrencyModel implements ReferenceModel {

    private record Lease(long key, long expiresAt, long weight) {
    }

    private final long limit;
    private final long leaseMicros;
    private final List<Lease> leases = new ArrayList<>();

    ConcurrencyModel(long limit, long leaseMicros) {
        this.limit = limit;
        this.leaseMicros = leaseMicros;
    }

    private List<Lease> liveAt(long now) {
        List<Lease> live = new ArrayList<>();
        for (Lease lease : leases) {
            if (lease.expiresAt() > now) {
                live.add(lease);
            }
        }
        return live;
    }

    @Override
    public Expected evaluate(long now, long amount) {
        List<Lease> live = liveAt(now);
        long held = live.stream().mapToLong(Lease::weight).sum();
        boolean allowed = held + amount <= limit;
        long reset = now;
        for (Lease lease : live) {
            reset = Math.max(reset, lease.expiresAt());
        }
        if (allowed && amount > 0) {
            reset = Math.max(reset, now + leaseMicros);
        }
        long retry;
        if (allowed) {
            retry = 0;
        } else if (amount > limit) {
            retry = NEVER;
        } else {
            long firstExpiry = live.stream().mapToLong(Lease::expiresAt).min().orElseThrow();
            retry = Math.max(1, Math.min(Algorithms.CONCURRENCY_RETRY_MICROS, firstExpiry - now));
        }
        return new Expected(allowed, Math.max(0, limit - held - (allowed ? amount : 0)), reset, retry);
    }

    @Override
    public void charge(long now, long amount, long key) {
        if (amount > 0) {
            leases.add(new Lease(key, now + leaseMicros, amount));
        }
    }

    @Override
    public void correct(long now, long reservedAt, long estimated, long actual, long key) {
        leases.removeIf(lease -> lease.key() == key);
    }

    @Override
    public long typicalSpanMicros() {
        return leaseMicros;
    }

    @Override
    public List<Long> landmarks(long now) {
        List<Long> expiries = new ArrayList<>();
        for (Lease lease : liveAt(now)) {
            expiries.add(lease.expiresAt());
        }
        return expiries;
    }

    @Override
    public String toString() {
        return "leases " + leases;
    }
}
