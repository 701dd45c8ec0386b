package dev.tollgate.store;

/**
 * One rule applied to one subject within a decision: charge {@code amount} to the state of
 * {@code (limit.scope(), entity, limit.rule().name())}.
 *
 * @param limit the compiled rule
 * @param entity the id whose budget it is, for the rule's scope (a user id, a team, {@code *} for global)
 * @param amount what the call puts on this rule, in the rule's meter
 */
public record Operation(Limit limit, String entity, long amount) {
}
