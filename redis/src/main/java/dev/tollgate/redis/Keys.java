package dev.tollgate.redis;

import dev.tollgate.policy.Algorithm;
import dev.tollgate.policy.Scope;
import dev.tollgate.store.Limit;

/**
 * Redis key names. One key per (scope entity, rule state), named {@code prefix:{scope:entity}:stateName}, where
 * the state name is {@link Limit#stateName()} (rule name, algorithm, meter, and a sliding window's length):
 *
 * <pre>
 *   tg:{u:alice}:rpm:token-bucket:requests          token bucket      "tat"
 *   tg:{u:alice}:hourly:fixed-window:tokens         fixed window      "windowEnd:used"
 *   tg:{u:alice}:monthly:quota:usd                  calendar quota    "periodEnd:used"
 *   tg:{u:alice}:tpm:sliding-window:tokens:60000000 sliding window    "currentStart:current:previous"
 *   tg:{u:alice}:in-flight:concurrency:requests     concurrency       hash leaseId -> "expiry:weight"
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

    /** The part of a key after the entity: the rule's state name, as the memory store keys its state. */
    static String ruleSuffix(Limit limit) {
        return limit.stateName();
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
