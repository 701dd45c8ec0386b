package dev.tollgate.redis;

import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Scope;
import dev.tollgate.store.Limit;

/**
 * Redis key names. One string per scope entity, named {@code prefix:{scope:entity}:rules}, holding the entity's
 * rule states as records named by {@link Limit#stateName()} (rule name, algorithm, meter, and a sliding window's
 * length); a concurrency rule's lease table is a hash of its own, {@code prefix:{scope:entity}:stateName}:
 *
 * <pre>
 *   tg:{u:alice}:rules    x, then one record per rule: name + 3 doubles (see prelude.lua)
 *                           rpm:token-bucket:requests            token bucket      (tat, fraction, 0)
 *                           hourly:fixed-window:tokens           fixed window      (windowEnd, used, 0)
 *                           monthly:quota:usd                    calendar quota    (periodEnd, used, 0)
 *                           tpm:sliding-window:tokens:60000000   sliding window    (currentStart, current, previous)
 *   tg:{u:alice}:in-flight:concurrency:requests                   concurrency       hash leaseId -> "expiry:weight"
 * </pre>
 *
 * The braces are a Redis Cluster hash tag: every key of one entity hashes to one slot, so one script can
 * touch them all. The entity is escaped ({@code %} {@code {} {@code }} as {@code %25 %7B %7D}) so that its
 * tag always ends at the first {@code }}: two entities never share keys.
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

    /** The string that holds an entity's rule states: {@link #entityKey} and {@code :rules}. */
    static String stateKey(String prefix, Scope scope, String entity) {
        return tag(prefix, scope, entity, 6).append(":rules").toString();
    }

    /**
     * An entity's key stem: the prefix, then the entity's hash tag. Its state string ({@link #stateKey}) and its lease
     * hashes extend it. (In the earlier hash layout it was the hash that held the rule states.)
     */
    static String entityKey(String prefix, Scope scope, String entity) {
        return tag(prefix, scope, entity, 0).toString();
    }

    private static StringBuilder tag(String prefix, Scope scope, String entity, int extra) {
        StringBuilder b = new StringBuilder(prefix.length() + entity.length() + 8 + extra);
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
        return b.append('}');
    }

    /**
     * Where a rule's state lives in its entity's key: the field named by its state name, as the memory store keys
     * its state; for a concurrency rule, the suffix of its own lease hash.
     */
    static String field(Limit limit) {
        return limit.stateName();
    }

    /** A concurrency rule's lease hash for an entity. */
    static String leaseKey(String prefix, Scope scope, String entity, Limit limit) {
        return entityKey(prefix, scope, entity) + ':' + field(limit);
    }

    /** The algorithm's code in the scripts' argument lists. */
    static long code(Algorithm algorithm) {
        return switch (algorithm) {
            case TOKEN_BUCKET -> 1;
            case FIXED_WINDOW -> 2;
            case CALENDAR_QUOTA -> 3;
            case SLIDING_WINDOW -> 4;
            case CONCURRENCY -> 5;
        };
    }
}
