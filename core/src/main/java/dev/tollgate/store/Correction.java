package dev.tollgate.store;

/**
 * How one charged rule changes when a reservation is settled or released.
 *
 * @param limit the compiled rule
 * @param entity the id whose budget it is
 * @param estimated what was reserved on this rule
 * @param actual what the call really used (0 on release); above the estimate it becomes debt
 */
public record Correction(Limit limit, String entity, long estimated, long actual) {
}
