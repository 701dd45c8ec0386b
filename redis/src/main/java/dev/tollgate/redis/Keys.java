package dev.tollgate.redis;

import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Scope;
import dev.tollgate.store.Limit;

/**
 * Redis key names. One key per (scope entity, rule):
 *
 * <pre>
 *   {prefix}:{u:alice}:b:requests-per-minute     token bucket      "tat"
 *   {prefix}:{u:alice}:f:hourly-tokens           fixed window      "windowEnd:used"
 *   {prefix}:{u:alice}:q:monthly-spend           calendar quota    "periodEnd:used"
 *   {prefix}:{u:alice}:s60000000:tokens-per-min  sliding window    "currentStart:current:previous"
 *   {prefix}:{u:alice}:c:in-flight               concurrency       hash leaseId -> "expiry:weight"
 * </pre>
 *
 * The braces are a Redis Cluster hash tag: every key of one entity hashes to one slot, so one script can
 * touch them all. The entity is escaped ({@code %} {@code {} {@code }} as {@code %25 %7B %7D}) so that its
 * tag always ends at the first {@code }}: two entities never share keys. A sliding window's key carries its
 * length, as its state in the memory store does: a changed length starts afresh.
 */
final class Keys {

    private Keys() {
    }

    /** The hash tag's letter for a scope. */
    static char letter(Scope scope) {
        return switch (scope) {
            case USER -> 'u';
            case KEY -> 'k';
            case IP -> 'i';
            case TEAM -> 't';
            case ORG -> 'o';
            case GLOBAL -> 'g';
        };
    }

    /** The key prefix for an entity, up to and including its hash tag and the colon after it. */
    static String entityPrefix(String prefix, Scope scope, String entity) {
        StringBuilder b = new StringBuilder(prefix.length() + entity.length() + 8);
        b.append(prefix).append(":{").append(letter(scope)).append(':');
        for (int i = 0; i < entity.length(); i++) {
            char c = entity.charAt(i);
            switch (c) {
                case '%' -> b.append("%25");
                case '{' -> b.append("%7B");
                case '}' -> b.append("%7D");
                default -> b.append(c);
            }
        }
        return b.append("}:").toString();
    }

    /** The part of a key after the entity: the algorithm's letter, a sliding window's length, and the rule's name. */
    static String ruleSuffix(Limit limit) {
        String name = limit.rule().name();
        return switch (limit.algorithm()) {
            case TOKEN_BUCKET -> "b:" + name;
            case FIXED_WINDOW -> "f:" + name;
            case CALENDAR_QUOTA -> "q:" + name;
            case SLIDING_WINDOW -> "s" + limit.windowMicros() + ":" + name;
            case CONCURRENCY -> "c:" + name;
        };
    }

    /** The algorithm's code in the scripts' argument lists. */
    static String code(Algorithm algorithm) {
        return switch (algorithm) {
            case TOKEN_BUCKET -> "1";
            case FIXED_WINDOW -> "2";
            case CALENDAR_QUOTA -> "3";
            case SLIDING_WINDOW -> "4";
            case CONCURRENCY -> "5";
        };
    }
}
