package dev.tollgate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The answer to "may this call run?": allowed or not, which rule denied it and why in words a person
 * understands, every rule's limit, remaining amount and reset time, when to retry, and the dry-run rules
 * that would have denied.
 *
 * @param allowed true if no live rule denied the call
 * @param reason a sentence for people, such as {@code "daily-tokens: 20,000 tokens per day used up; resets at
 *     2026-11-23T00:00Z"}; {@code "allowed"} when allowed
 * @param deniedBy the live rule that denied the call and holds it back longest (one it can never fit, else the
 *     longest retry-after; ties go to plan order): waiting for any other denying rule would not be enough.
 *     Empty when allowed
 * @param rules every rule that applied to the subject, in plan order
 * @param retryAfter when the same call would be allowed: zero if it is allowed now, empty if it never will be
 *     because it is larger than a limit
 * @param dryRunHits the dry-run rules that would have denied the call
 * @param reservationId the reservation's id, or null for a check
 * @param decidedAt the store's time of the decision
 */
public record Decision(boolean allowed, String reason, Optional<RuleStatus> deniedBy, List<RuleStatus> rules,
                       Optional<Duration> retryAfter, List<RuleStatus> dryRunHits, String reservationId,
                       Instant decidedAt) {

    /** True if a live rule denied the call. */
    public boolean denied() {
        return !allowed;
    }

    /**
     * True if the denying rule is a calendar quota or a window whose wait is longer than a minute, or the call
     * can never fit: retrying soon is pointless. HTTP faces send {@code x-should-retry: false} then.
     */
    public boolean waitingIsPointless() {
        if (allowed) {
            return false;
        }
        return retryAfter.map(d -> d.compareTo(Duration.ofMinutes(1)) > 0).orElse(true);
    }

    /** The status of the rule of this name, if it applied. */
    public Optional<RuleStatus> rule(String name) {
        for (RuleStatus status : rules) {
            if (status.name().equals(name)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
