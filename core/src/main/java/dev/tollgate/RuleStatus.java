package dev.tollgate;

import dev.tollgate.policy.Rule;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One rule's part in a decision: its limit, what remains after the decision, when it is whole again, and
 * whether it denied (or, in dry-run, would have denied) the call.
 *
 * @param rule the rule
 * @param limit the rule's limit or capacity, in its meter's unit (micro-USD for money)
 * @param remaining what is left after this decision, never negative: after the charge when the call is allowed
 *     (for a check, as if it were charged), as it is when the call is denied (nothing is charged)
 * @param resetAt when the rule is back to its full limit if nothing more is charged
 * @param exceeded true if this rule denies the call (or would, in dry-run mode)
 * @param retryAfter when this rule would allow the same call; zero if it allows it now, empty if it never will
 *     (the call is larger than the limit)
 */
public record RuleStatus(Rule rule, long limit, long remaining, Instant resetAt, boolean exceeded,
                         Optional<Duration> retryAfter) {

    /** The rule's name. */
    public String name() {
        return rule.name();
    }
}
