package dev.tollgate.internal;

import dev.tollgate.Decision;
import dev.tollgate.RuleStatus;
import dev.tollgate.policy.Mode;
import dev.tollgate.policy.Durations;
import dev.tollgate.policy.Rule;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** Turns a store's {@link Outcome} into a {@link Decision} with sentences people understand. */
public final class Decisions {

    private static final DateTimeFormatter RESET = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
    private static final DateTimeFormatter TO_THE_MINUTE = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mmXXX");

    private Decisions() {
    }

    /** The decision for these operations and their outcome, listing the rules in the operations' order. */
    public static Decision from(List<Operation> ops, Outcome outcome, String reservationId) {
        return from(ops, null, outcome, reservationId);
    }

    /**
     * The decision for these operations and their outcome, listing the rules in plan order: {@code planOrder} holds
     * the operation indexes in that order, or is null when it is the operations' own order.
     */
    public static Decision from(List<Operation> ops, int[] planOrder, Outcome outcome, String reservationId) {
        return from(new Batch(ops, false, 0), planOrder, outcome, reservationId);
    }

    /**
     * The decision for a batch and its outcome, listing the rules in plan order: {@code planOrder} holds the
     * operation indexes in that order, or is null when it is the batch's own order.
     */
    public static Decision from(Batch ops, int[] planOrder, Outcome outcome, String reservationId) {
        int size = ops.size();
        long now = outcome.nowMicros();
        List<RuleStatus> rules = new ArrayList<>(size);
        List<RuleStatus> dryRunHits = new ArrayList<>(0);
        RuleStatus deniedBy = null;
        long deniedAmount = 0;
        long deniedRetry = 0;
        long retryMicros = 0;
        // A denied decision charges nothing, so its rules show what they have now, not what they would have had.
        boolean liveDenied = false;
        for (int i = 0; i < size; i++) {
            liveDenied |= !outcome.allowed(i) && ops.limit(i).rule().mode() == Mode.LIVE;
        }
        for (int k = 0; k < size; k++) {
            int i = planOrder == null ? k : planOrder[k];
            Rule rule = ops.limit(i).rule();
            boolean exceeded = !outcome.allowed(i);
            long retry = outcome.retryAfterMicros(i);
            Optional<Duration> ruleRetry = retry == Outcome.NEVER ? Optional.empty() : Optional.of(Duration.of(retry, ChronoUnit.MICROS));
            boolean charged = !liveDenied && !exceeded;
            RuleStatus status = new RuleStatus(rule, ops.limit(i).limit(),
                    charged ? outcome.remaining(i) : outcome.remainingUncharged(i),
                    CalendarPeriods.toInstant(charged ? outcome.resetAtMicros(i) : outcome.resetAtUnchargedMicros(i)),
                    exceeded, ruleRetry);
            rules.add(status);
            if (!exceeded) {
                continue;
            }
            if (rule.mode() == Mode.DRY_RUN) {
                dryRunHits.add(status);
                continue;
            }
            // Every live rule must allow the call, so it fits when the slowest of them does; that rule is the one
            // to name, since waiting for any other would not be enough. Ties go to plan order.
            if (deniedBy == null || waitsLonger(retry, deniedRetry)) {
                deniedBy = status;
                deniedAmount = ops.amount(i);
                deniedRetry = retry;
            }
            retryMicros = retryMicros == Outcome.NEVER || retry == Outcome.NEVER ? Outcome.NEVER : Math.max(retryMicros, retry);
        }
        boolean allowed = deniedBy == null;
        String reason;
        if (allowed) {
            reason = dryRunHits.isEmpty() ? "allowed" : "allowed; dry-run rule " + dryRunHits.get(0).name()
                    + " would deny: " + sentence(dryRunHits.get(0), amountOf(ops, dryRunHits.get(0)), now);
        } else {
            reason = sentence(deniedBy, deniedAmount, now);
        }
        if (outcome.fault() != null) {
            // The store decided without its shared state: say so first, and name the rule if one denied.
            reason = (allowed ? "allowed; " : deniedBy.name() + " denies; ") + outcome.fault();
        }
        Optional<Duration> retryAfter = retryMicros == Outcome.NEVER ? Optional.empty()
                : Optional.of(Duration.of(retryMicros, ChronoUnit.MICROS));
        return new Decision(allowed, reason, Optional.ofNullable(deniedBy), Collections.unmodifiableList(rules),
                retryAfter, Collections.unmodifiableList(dryRunHits), reservationId, CalendarPeriods.toInstant(now));
    }

    private static boolean waitsLonger(long retry, long than) {
        if (than == Outcome.NEVER) {
            return false;
        }
        return retry == Outcome.NEVER || retry > than;
    }

    private static long amountOf(Batch ops, RuleStatus status) {
        for (int i = 0, n = ops.size(); i < n; i++) {
            if (ops.limit(i).rule() == status.rule()) {
                return ops.amount(i);
            }
        }
        return 0;
    }

    /** Why a rule denies a call of {@code amount}, e.g. "daily-tokens: 20,000 tokens per day used up; resets at ...". */
    static String sentence(RuleStatus status, long amount, long nowMicros) {
        Rule rule = status.rule();
        String name = rule.name();
        if (status.retryAfter().isEmpty()) {
            return name + ": this call needs " + rule.meter().format(amount) + " but the limit is "
                    + rule.describe() + "; it can never fit";
        }
        Duration wait = status.retryAfter().get();
        String left = status.remaining() == 0 ? " used up"
                : ": " + rule.meter().format(status.remaining()) + " left, this call needs " + rule.meter().format(amount);
        return switch (rule.algorithm()) {
            case TOKEN_BUCKET -> name + ": " + rule.describe() + (status.remaining() == 0 ? "," : "") + left + "; retry in "
                    + Durations.formatWait(wait);
            case CALENDAR_QUOTA -> name + ": " + rule.describe() + left + "; resets at "
                    + formatReset(status.resetAt(), rule.zone());
            case FIXED_WINDOW -> name + ": " + rule.describe() + left + "; resets at "
                    + formatReset(status.resetAt(), ZoneOffset.UTC);
            case SLIDING_WINDOW -> name + ": " + rule.describe() + left + "; retry in "
                    + Durations.formatWait(wait);
            case CONCURRENCY -> name + ": " + rule.describe() + " already; retry when one finishes";
        };
    }

    /** A reset instant in the rule's zone, to the minute when that is exact: {@code 2026-11-23T00:00Z}. */
    static String formatReset(Instant at, ZoneId zone) {
        ZoneId shown = zone == null ? ZoneOffset.UTC : zone;
        var local = at.atZone(shown).toOffsetDateTime();
        if (local.getSecond() == 0 && local.getNano() == 0) {
            return TO_THE_MINUTE.format(local);
        }
        return RESET.format(local.truncatedTo(ChronoUnit.SECONDS));
    }
}
