package dev.tollgate.store;

import java.util.List;

/**
 * Settles or releases one reservation: each rule that was charged moves from its estimate to its actual
 * amount, and concurrency leases end.
 *
 * @param corrections one per charged rule, sorted by scope like the batch they came from
 * @param reservedAtMicros the store time of the reservation; refunds go only to the window it was charged in
 * @param reservationId the reservation's id, naming its concurrency leases
 */
public record Adjustment(List<Correction> corrections, long reservedAtMicros, long reservationId) {
}
