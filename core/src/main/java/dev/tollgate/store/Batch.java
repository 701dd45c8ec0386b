package dev.tollgate.store;

import java.util.List;

/**
 * Every rule operation of one decision. Operations come sorted by scope (user first, global last); within a
 * scope they share one entity. Stores lock or reserve in that order.
 *
 * @param operations the operations, sorted by scope
 * @param commit true to charge when allowed (reserve), false to only evaluate (check)
 * @param reservationId a process-unique id; concurrency rules name their lease after it
 */
public record Batch(List<Operation> operations, boolean commit, long reservationId) {
}
