package dev.tollgate.redis;

import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Scope;
import dev.tollgate.store.Limit;

/**
 * Redis key names. One hash per scope entity, named {@code prefix:{scope:entity}}, whose fields are the entity's
 * rule states, named by {@link Limit#stateName()} (rule name, algorithm, meter, and a sliding window's length);
 * a concurrency rule's lease table is a hash of its own, {@code prefix:{scope:entity}:stateName}:
 *
 * <pre>
 *   tg:{u:alice}   rpm:token-bucket:requests            token bucket      "tat:fraction"
 *                  hourly:fixed-window:tokens           fixed window      "windowEnd:used"
 *                  monthly:quota:usd                    calendar quota    "periodEnd:used"
 *                  tpm:sliding-window:tokens:60000000   sliding window    "currentStart:current:previous"
 *                  x                                    the hash's expiry
 *   tg:{u:alice}:in-flight:concurrency:requests         concurrency       hash leaseId -> "expiry:weight"
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

    /** The hash that holds an entity's rule states: the prefix, then the entity's hash tag. */
    static String entityKey(String prefix, Scope scope, String entity) {
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
        return b.append('}').toString();
    }

    /**
     * Where a rule's state lives in its entity's key: the field named by its state name, as the memory store keys
     * its state; for a concurrency rule, the suffix of its own lease hash.
     */
    static String field(Limit limit) {
        return limit.stateName();
    }

    /** The key that holds a rule's state for an entity: the entity's hash, or a concurrency rule's lease hash. */
    static String key(String entityKey, Limit limit, String field) {
        return limit.algorithm() == Algorithm.CONCURRENCY ? entityKey + ':' + field : entityKey;
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
