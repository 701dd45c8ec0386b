package dev.tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Mode;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.PropertyRuns;
import dev.tollgate.testing.Seeds;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random plans of one to four rules, of every algorithm, meter and scope, live or dry-run, shared by two users of one
 * team. Whatever the sequence of calls, settlements and clock moves:
 * <ul>
 *   <li>a call denied by a live rule changes no rule, for either user (all or nothing);</li>
 *   <li>an allowed call charges every rule that allowed it, and leaves alone a dry-run rule that would have
 *       denied;</li>
 *   <li>the decision is allowed exactly when no live rule denies, names the first live rule that denies, and its
 *       retry-after is the latest of the live denying rules' (never, if any of them is never).</li>
 * </ul>
 */
class AllOrNothingPropertyTest {

    private static final int SEQUENCES = 300;
    private static final int STEPS = 80;

    @Test
    void aDeniedCallChargesNoRuleAndAnAllowedOneChargesEveryRule() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random sequences = new Random(seed);
            for (int i = 0; i < PropertyRuns.sequences(SEQUENCES); i++) {
                new Run(seed, i, new Random(sequences.nextLong())).run();
            }
        });
    }

    private static final class Run {
        private final long seed;
        private final int sequence;
        private final Random random;
        private final List<Rule> rules = new ArrayList<>();
        private final MutableClock clock;
        private final Guard guard;
        private final List<Subject> subjects;
        private final List<Reservation> open = new ArrayList<>();
        private final ArrayDeque<String> trace = new ArrayDeque<>();
        private int step;

        Run(long seed, int sequence, Random random) {
            this.seed = seed;
            this.sequence = sequence;
            this.random = random;
            int count = 1 + random.nextInt(4);
            Plan plan = Plan.named("p");
            for (int r = 0; r < count; r++) {
                Rule rule = randomRule("r" + r);
                rules.add(rule);
                plan = plan.rule(rule);
            }
            this.clock = MutableClock.at(Instant.parse("2026-03-28T23:00:00Z")
                    .plus(random.nextInt(1_000_000), ChronoUnit.SECONDS));
            this.guard = Guard.builder(Policy.of(plan)).clock(clock).build();
            this.subjects = List.of(Subject.user("u0", "p").inTeam("t").withKey("k0"),
                    Subject.user("u1", "p").inTeam("t").withKey("k1"));
        }

        private Rule randomRule(String name) {
            Scope scope = List.of(Scope.USER, Scope.KEY, Scope.TEAM, Scope.GLOBAL).get(random.nextInt(4));
            Meter meter = Meter.values()[random.nextInt(Meter.values().length)];
            Mode mode = random.nextInt(5) == 0 ? Mode.DRY_RUN : Mode.LIVE;
            long limit = 1 + random.nextInt(random.nextBoolean() ? 5 : 60);
            Rule.Builder<?> builder = switch (random.nextInt(5)) {
                case 0 -> Rule.tokenBucket(name).meter(meter).capacity(limit)
                        .refill(1 + random.nextInt(5), Duration.ofMillis(1_000 + random.nextInt(60_000)));
                case 1 -> Rule.fixedWindow(name).meter(meter).limit(limit)
                        .window(Duration.ofMillis(1 + random.nextInt(120_000)));
                case 2 -> Rule.slidingWindow(name).meter(meter).limit(limit)
                        .window(Duration.ofMillis(1 + random.nextInt(120_000)));
                case 3 -> Rule.quota(name).meter(meter).limit(limit).per(Period.values()[random.nextInt(3)])
                        .zone(ZoneId.of(random.nextBoolean() ? "UTC" : "Europe/Paris"));
                default -> Rule.concurrency(name).limit(1 + random.nextInt(4))
                        .lease(Duration.ofMillis(1 + random.nextInt(30_000)));
            };
            return builder.scope(scope).mode(mode).build();
        }

        void run() {
            try (guard) {
                for (step = 0; step < PropertyRuns.steps(STEPS); step++) {
                    int dice = random.nextInt(100);
                    if (dice < 25) {
                        long by = random.nextBoolean() ? random.nextInt(2_000) : random.nextInt(200_000_000);
                        clock.advance(Duration.of(by, ChronoUnit.MICROS));
                        log("advance " + by + "us to " + clock.instant());
                    } else if (dice < 75) {
                        reserve();
                    } else if (!open.isEmpty()) {
                        Reservation r = open.remove(random.nextInt(open.size()));
                        if (random.nextInt(3) == 0) {
                            log("release " + r);
                            r.release();
                        } else {
                            Charge actual = randomCharge();
                            log("settle " + r + " with " + actual);
                            r.settle(actual);
                        }
                    }
                }
            }
        }

        private Charge randomCharge() {
            int scale = random.nextInt(10) == 0 ? 200 : 25;
            return new Charge(random.nextInt(4), random.nextInt(scale), random.nextInt(scale));
        }

        private void reserve() {
            Subject subject = subjects.get(random.nextInt(subjects.size()));
            Subject other = subjects.get(subject == subjects.get(0) ? 1 : 0);
            List<RuleStatus> before = guard.status(subject).rules();
            List<RuleStatus> otherBefore = guard.status(other).rules();
            Charge charge = randomCharge();
            Reservation r = guard.reserve(subject, charge);
            Decision d = r.decision();
            List<RuleStatus> after = guard.status(subject).rules();
            log(subject.userId() + " reserve " + charge + ": " + (d.allowed() ? "allowed" : "denied") + " "
                    + brief(d.rules()));
            checkDecision(d);
            assertEquals(d.allowed(), r.allowed(), this::where);
            if (d.denied()) {
                assertEquals(before, after, () -> "a denied call changed a rule\n" + where() + "\n  before: "
                        + brief(before) + "\n  after:  " + brief(after));
                assertEquals(otherBefore, guard.status(other).rules(),
                        () -> "a denied call changed another user's shared rule\n" + where());
                return;
            }
            open.add(r);
            for (int i = 0; i < after.size(); i++) {
                RuleStatus decided = d.rules().get(i);
                if (decided.exceeded()) {
                    assertEquals(before.get(i), after.get(i),
                            () -> "a dry-run rule that would deny was charged\n" + where());
                } else {
                    int at = i;
                    assertEquals(decided.remaining() + " left, reset " + decided.resetAt(),
                            after.get(i).remaining() + " left, reset " + after.get(i).resetAt(),
                            () -> "rule " + decided.name() + " was not charged as decided\n" + where() + "\n  after: "
                                    + after.get(at));
                }
            }
        }

        private void checkDecision(Decision d) {
            assertEquals(rules.stream().map(Rule::name).toList(), d.rules().stream().map(RuleStatus::name).toList(),
                    () -> "the decision lists the rules out of plan order\n" + where());
            // The binding rule: the live denial that holds the call back longest (never first), ties in plan order.
            Optional<RuleStatus> binding = Optional.empty();
            long bindingMicros = 0;
            long retry = 0;
            for (RuleStatus s : d.rules()) {
                if (!s.exceeded() || s.rule().mode() == Mode.DRY_RUN) {
                    continue;
                }
                long micros = s.retryAfter().map(t -> t.toNanos() / 1_000).orElse(-1L);
                if (binding.isEmpty() || bindingMicros != -1 && (micros == -1 || micros > bindingMicros)) {
                    binding = Optional.of(s);
                    bindingMicros = micros;
                }
                retry = retry == -1 || micros == -1 ? -1 : Math.max(retry, micros);
            }
            Optional<Duration> expectedRetry = retry == -1 ? Optional.empty()
                    : Optional.of(Duration.of(retry, ChronoUnit.MICROS));
            assertEquals(binding.isEmpty(), d.allowed(), this::where);
            assertEquals(binding.map(RuleStatus::name), d.deniedBy().map(RuleStatus::name), this::where);
            assertEquals(expectedRetry, d.retryAfter(), this::where);
            List<String> dryRunHits = d.rules().stream()
                    .filter(s -> s.exceeded() && s.rule().mode() == Mode.DRY_RUN).map(RuleStatus::name).toList();
            assertEquals(dryRunHits, d.dryRunHits().stream().map(RuleStatus::name).toList(), this::where);
        }

        // Each rule's name, remaining and reset, with ! if it denies: enough to follow a trace, and cheap.
        private static String brief(List<RuleStatus> statuses) {
            StringBuilder b = new StringBuilder();
            for (RuleStatus s : statuses) {
                b.append(s.name()).append(s.exceeded() ? "! " : " ").append(s.remaining()).append(" left until ")
                        .append(s.resetAt()).append("; ");
            }
            return b.toString();
        }

        private void log(String line) {
            trace.addLast("  [" + step + "] " + line);
            if (trace.size() > 30) {
                trace.removeFirst();
            }
        }

        private String where() {
            StringBuilder plan = new StringBuilder();
            for (Rule rule : rules) {
                plan.append("\n    ").append(rule);
            }
            return Seeds.describe(seed) + ", sequence " + sequence + ", step " + step + "\n  plan:" + plan
                    + "\n  trace (latest last):\n" + String.join("\n", trace);
        }
    }
}
