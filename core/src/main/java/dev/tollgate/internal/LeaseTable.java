package dev.tollgate.internal;

import java.util.Arrays;

/**
 * The leases of one concurrency rule: which reservations hold how many slots, until when. Small by nature (a
 * concurrency limit is a handful of calls), so it is three parallel arrays searched linearly. Not thread-safe:
 * its store guards it.
 */
public final class LeaseTable {

    private long[] ids = new long[4];
    private long[] expiries = new long[4];
    private long[] weights = new long[4];
    private int size;

    /** An empty table. */
    public LeaseTable() {
    }

    /** Drops the leases that expired at or before {@code nowMicros}. */
    public void purge(long nowMicros) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (expiries[i] > nowMicros) {
                ids[kept] = ids[i];
                expiries[kept] = expiries[i];
                weights[kept] = weights[i];
                kept++;
            }
        }
        size = kept;
    }

    /** Slots held by live leases (call {@link #purge} first). */
    public long inFlight() {
        long total = 0;
        for (int i = 0; i < size; i++) {
            total += weights[i];
        }
        return total;
    }

    /** Adds a lease. */
    public void add(long id, long expiresAtMicros, long weight) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
            expiries = Arrays.copyOf(expiries, size * 2);
            weights = Arrays.copyOf(weights, size * 2);
        }
        ids[size] = id;
        expiries[size] = expiresAtMicros;
        weights[size] = weight;
        size++;
    }

    /** Ends the lease of this id, if it still holds one. */
    public void remove(long id) {
        for (int i = 0; i < size; i++) {
            if (ids[i] == id) {
                size--;
                ids[i] = ids[size];
                expiries[i] = expiries[size];
                weights[i] = weights[size];
                return;
            }
        }
    }

    /** True if no lease is held. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** The earliest expiry, or {@code fallback} when empty. */
    public long earliestExpiry(long fallback) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            min = Math.min(min, expiries[i]);
        }
        return size == 0 ? fallback : min;
    }

    /** The latest expiry, or {@code fallback} when empty. */
    public long latestExpiry(long fallback) {
        long max = Long.MIN_VALUE;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, expiries[i]);
        }
        return size == 0 ? fallback : max;
    }
}
