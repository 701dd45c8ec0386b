package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.RuleStatus;
import dev.tollgate.Subject;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.Seeds;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Runs one random operation sequence against a real {@link Guard} over a memory store on a {@link MutableClock}, and
 * against a {@link ReferenceModel} of its single rule, comparing every decision. Time moves by random amounts:
 * zero, one microsecond, fractions of the rule's span, several spans, and to just before, at and just after the
 * instants where the model says the rule changes or where the engine said it would reset or allow a retry.
 */
final class ModelDriver {

    /** Compares one engine decision with the model's answer. */
    interface Checker {
        void check(Decision decision, ReferenceModel.Expected expected, long amount, Supplier<String> where);
    }

    /** The engine must answer exactly as the model does. */
    static final Checker EXACT = (decision, expected, amount, where) -> {
        assertEquals(expected.toString(), describe(decision), where);
        assertEquals(expected.allowed(), decision.allowed(), where);
    };

    private static final int TRACE = 40;

    /** What a test's sequences exercised, so that a test can check it did not pass vacuously. */
    static final class Tally {
        long allowed;
        long deniedForNow;
        long deniedForever;
        long settledBelow;
        long settledAtEstimate;
        long settledAbove;

        /** Fails unless every kind of answer and settlement came up at least once. */
        void assertEverythingHappened(long seed) {
            String seen = "allowed=" + allowed + " deniedForNow=" + deniedForNow + " deniedForever=" + deniedForever
                    + " settledBelow=" + settledBelow + " settledAtEstimate=" + settledAtEstimate + " settledAbove="
                    + settledAbove + " " + Seeds.describe(seed);
            org.junit.jupiter.api.Assertions.assertTrue(allowed > 0 && deniedForNow > 0 && deniedForever > 0
                    && settledBelow > 0 && settledAtEstimate > 0 && settledAbove > 0, "the sequences missed a case: "
                    + seen);
        }
    }

    private final long seed;
    private final int sequence;
    private final Random random;
    private final Rule rule;
    private final ReferenceModel model;
    private final Checker checker;
    private final Tally tally;
    private final MutableClock clock;
    private final Guard guard;
    private final Subject subject = Subject.user("u", "p");
    private final List<Open> open = new ArrayList<>();
    private final List<Reservation> finished = new ArrayList<>();
    private final List<Long> reported = new ArrayList<>();
    private final ArrayDeque<String> trace = new ArrayDeque<>();
    private long now;
    private int step;
    private long nextKey;

    private record Open(Reservation reservation, long key, long reservedAt, long estimate) {
    }

    ModelDriver(long seed, int sequence, Random random, Rule rule, ReferenceModel model, long startMicros,
                Checker checker, Tally tally) {
        this.seed = seed;
        this.tally = tally;
        this.sequence = sequence;
        this.random = random;
        this.rule = rule;
        this.model = model;
        this.checker = checker;
        this.now = startMicros;
        this.clock = MutableClock.at(CalendarPeriods.toInstant(startMicros));
        this.guard = Guard.builder(Policy.of(Plan.named("p").rule(rule))).clock(clock).build();
    }

    /** Runs {@code steps} random operations, failing at the first disagreement. */
    void run(int steps) {
        try (guard) {
            for (step = 0; step < steps; step++) {
                try {
                    step();
                } catch (org.opentest4j.AssertionFailedError e) {
                    throw e;
                } catch (RuntimeException | AssertionError e) {
                    throw new AssertionError(e + "\n" + where(), e);
                }
            }
        }
    }

    private void step() {
        int dice = random.nextInt(100);
        if (dice < 25) {
            advance();
        } else if (dice < 53) {
            reserve();
        } else if (dice < 60) {
            check();
        } else if (dice < 64) {
            status("status");
        } else if (dice < 84) {
            settle(false);
        } else if (dice < 94) {
            settle(true);
        } else if (dice < 97) {
            finishTwice();
        } else {
            closeOpen();
        }
    }

    /** A random amount for a call against a limit: zero, small, at the limit, just over, far over. */
    static long amount(Random random, long limit) {
        int dice = random.nextInt(100);
        long amount;
        if (dice < 10) {
            amount = 0;
        } else if (dice < 50) {
            amount = 1 + random.nextLong(Math.max(1, limit / 4));
        } else if (dice < 62) {
            amount = limit - random.nextInt(3);
        } else if (dice < 67) {
            amount = limit + 1 + random.nextInt(3);
        } else if (dice < 95) {
            amount = random.nextLong(Math.min(Rule.MAX_LIMIT, 2 * limit) + 1);
        } else if (dice < 98) {
            amount = Rule.MAX_LIMIT - random.nextInt(3);
        } else {
            amount = random.nextLong(Rule.MAX_LIMIT + 1);
        }
        return Math.max(0, Math.min(Rule.MAX_LIMIT, amount));
    }

    /** A random actual usage for an estimate: nothing, less, the same, a little or a lot more. */
    static long actual(Random random, long estimate, long limit) {
        int dice = random.nextInt(100);
        long actual;
        if (dice < 15) {
            actual = 0;
        } else if (dice < 35) {
            actual = random.nextLong(estimate + 1);
        } else if (dice < 50) {
            actual = estimate;
        } else if (dice < 60) {
            actual = estimate + 1;
        } else if (dice < 80) {
            actual = estimate + random.nextLong(Math.min(Rule.MAX_LIMIT, limit) + 1);
        } else if (dice < 90) {
            actual = 2 * estimate;
        } else if (dice < 96) {
            actual = random.nextLong(Rule.MAX_LIMIT + 1);
        } else {
            actual = Rule.MAX_LIMIT;
        }
        return Math.max(0, Math.min(Rule.MAX_LIMIT, actual));
    }

    /** A charge that puts {@code amount} on the rule's meter and random noise on the other meters. */
    private Charge chargeOf(long amount) {
        long a = random.nextInt(4);
        long b = random.nextInt(1_000);
        Meter meter = rule.meter();
        return switch (meter) {
            case REQUESTS -> new Charge(amount, b, a);
            case TOKENS -> new Charge(a, amount, b);
            case USD -> new Charge(a, b, amount);
        };
    }

    private void advance() {
        long span = Math.max(1, model.typicalSpanMicros());
        int dice = random.nextInt(100);
        long by;
        if (dice < 10) {
            by = 0;
        } else if (dice < 20) {
            by = 1;
        } else if (dice < 40) {
            by = 1 + random.nextLong(Math.max(1, span / 10));
        } else if (dice < 60) {
            by = 1 + random.nextLong(2 * span);
        } else if (dice < 92) {
            List<Long> targets = new ArrayList<>(model.landmarks(now));
            targets.addAll(reported);
            targets.removeIf(t -> t <= now);
            if (targets.isEmpty()) {
                by = 1 + random.nextLong(span);
            } else {
                long target = targets.get(random.nextInt(targets.size())) + random.nextInt(3) - 1;
                by = Math.max(0, target - now);
            }
        } else {
            by = random.nextLong(10 * span + 1);
        }
        now += by;
        clock.set(CalendarPeriods.toInstant(now));
        reported.removeIf(t -> t <= now);
        log("advance " + by + "us to " + now + " (" + clock.instant() + ")");
    }

    private void reserve() {
        long amount = amount(random, rule.limit());
        ReferenceModel.Expected expected = model.evaluate(now, amount);
        Reservation r = guard.reserve(subject, chargeOf(amount));
        log("reserve " + amount + ": model " + expected + ", engine " + describe(r.decision()));
        checker.check(r.decision(), expected, amount, this::where);
        assertEquals(r.decision().allowed(), r.allowed(), this::where);
        remember(r.decision());
        if (r.allowed()) {
            long key = nextKey++;
            model.charge(now, amount, key);
            open.add(new Open(r, key, now, amount));
        } else {
            finished.add(r);
        }
    }

    private void check() {
        long amount = amount(random, rule.limit());
        ReferenceModel.Expected expected = model.evaluate(now, amount);
        Decision d = guard.check(subject, chargeOf(amount));
        log("check " + amount + ": model " + expected + ", engine " + describe(d));
        checker.check(d, expected, amount, this::where);
        remember(d);
    }

    private void status(String why) {
        ReferenceModel.Expected expected = model.evaluate(now, 0);
        Decision d = guard.status(subject);
        log(why + ": model " + expected + ", engine " + describe(d));
        checker.check(d, expected, 0, this::where);
        remember(d);
    }

    private void settle(boolean release) {
        if (open.isEmpty()) {
            reserve();
            return;
        }
        Open o = open.remove(random.nextInt(open.size()));
        long actual = release ? 0 : actual(random, o.estimate(), rule.limit());
        log((release ? "release" : "settle " + actual) + " of reservation #" + o.key() + " (estimate " + o.estimate()
                + " at " + o.reservedAt() + ")");
        model.correct(now, o.reservedAt(), o.estimate(), actual, o.key());
        if (actual < o.estimate()) {
            tally.settledBelow++;
        } else if (actual == o.estimate()) {
            tally.settledAtEstimate++;
        } else {
            tally.settledAbove++;
        }
        if (release) {
            o.reservation().release();
        } else {
            o.reservation().settle(chargeOf(actual));
        }
        finished.add(o.reservation());
        status("status after");
    }

    // Finishing a reservation a second time is an error that charges nothing: the next comparisons show it.
    private void finishTwice() {
        if (finished.isEmpty()) {
            return;
        }
        Reservation r = finished.get(random.nextInt(finished.size()));
        log("finish again " + r);
        if (random.nextBoolean()) {
            assertThrows(IllegalStateException.class, () -> r.settle(chargeOf(amount(random, rule.limit()))),
                    this::where);
        } else {
            assertThrows(IllegalStateException.class, r::release, this::where);
        }
        r.close(); // closing a finished or denied reservation does nothing
        status("status after");
    }

    // Closing an open reservation releases it.
    private void closeOpen() {
        if (open.isEmpty()) {
            return;
        }
        Open o = open.remove(random.nextInt(open.size()));
        log("close reservation #" + o.key() + " (estimate " + o.estimate() + " at " + o.reservedAt() + ")");
        model.correct(now, o.reservedAt(), o.estimate(), 0, o.key());
        o.reservation().close();
        finished.add(o.reservation());
        status("status after");
    }

    private void remember(Decision d) {
        RuleStatus s = d.rules().get(0);
        if (!s.exceeded()) {
            tally.allowed++;
        } else if (s.retryAfter().isPresent()) {
            tally.deniedForNow++;
        } else {
            tally.deniedForever++;
        }
        long reset = CalendarPeriods.toMicros(s.resetAt());
        if (reset > now) {
            reported.add(reset);
        }
        s.retryAfter().ifPresent(retry -> {
            if (!retry.isZero()) {
                reported.add(now + retry.toNanos() / 1_000);
            }
        });
        if (reported.size() > 16) {
            reported.subList(0, reported.size() - 16).clear();
        }
    }

    private void log(String line) {
        trace.addLast("  [" + step + "] " + line);
        if (trace.size() > TRACE) {
            trace.removeFirst();
        }
    }

    /** Where a failure happened, with the seed to replay it and the steps that led there. */
    String where() {
        return Seeds.describe(seed) + ", sequence " + sequence + ", step " + step + "\n  rule: " + rule
                + "\n  model: " + model + "\n  trace (latest last):\n" + String.join("\n", trace) + "\n";
    }

    /** The decision of a single-rule guard in the model's terms. */
    static String describe(Decision d) {
        RuleStatus s = d.rules().get(0);
        long reset = CalendarPeriods.toMicros(s.resetAt());
        return new ReferenceModel.Expected(!s.exceeded(), s.remaining(), reset, micros(s.retryAfter())).toString()
                + (d.allowed() == !s.exceeded() ? "" : " (decision says " + (d.allowed() ? "allowed" : "denied") + ")")
                + (d.retryAfter().equals(s.retryAfter()) ? "" : " (decision retry " + d.retryAfter() + ")");
    }

    /** A retry-after as microseconds, or {@link ReferenceModel#NEVER}. */
    static long micros(Optional<Duration> retry) {
        return retry.map(r -> r.toNanos() / 1_000).orElse(ReferenceModel.NEVER);
    }

    /** A retry-after from microseconds, or empty for {@link ReferenceModel#NEVER}. */
    static Optional<Duration> retry(long micros) {
        return micros == ReferenceModel.NEVER ? Optional.empty() : Optional.of(Duration.of(micros, ChronoUnit.MICROS));
    }

    /** Random start instant between 2001 and 2099, to the microsecond. */
    static long randomStart(Random random) {
        long from = 978_307_200_000_000L; // 2001-01-01
        long to = 4_070_908_800_000_000L; // 2099-01-01
        return from + random.nextLong(to - from);
    }
}
