package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.Charge;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.testing.MutableClock;

import dev.tollgate.Decision;
import dev.tollgate.RuleStatus;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Rule;
import dev.tollgate.testing.PropertyRuns;
import dev.tollgate.testing.Seeds;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The token bucket (GCRA) against {@link TokenBucketModel}, an exact rational bucket with continuous refill. The
 * engine keeps the arrival time's fraction of a microsecond, so the two agree exactly whether or not a unit's
 * refill time is a whole number of microseconds.
 */
class TokenBucketPropertyTest {

    private static final int SEQUENCES = 400;
    private static final int STEPS = 120;
    private static final long TEN_YEARS_MICROS = Rule.MAX_SPAN.toNanos() / 1_000 * 10;

    @Test
    void bucketWithAWholeCostPerUnitAnswersExactlyAsTheRationalModel() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random sequences = new Random(seed);
            ModelDriver.Tally tally = new ModelDriver.Tally();
            for (int i = 0; i < PropertyRuns.sequences(SEQUENCES); i++) {
                Random random = new Random(sequences.nextLong());
                long microsPerUnit = pick(random, 1, 10, 1_000, 1_000_000);
                if (random.nextInt(20) == 0) {
                    // with a refill of 1, a charge of MAX_LIMIT costs just under 2^63 microseconds
                    microsPerUnit = 1_024;
                }
                long minRefill = Arith.ceilDiv(1_000, microsPerUnit); // the interval must be at least 1ms
                long refill = microsPerUnit == 1_024 ? 1 : minRefill + random.nextLong(pick(random, 1, 10, 1_000));
                long interval = refill * microsPerUnit;
                long capacity = capacity(random, TEN_YEARS_MICROS / microsPerUnit);
                run(seed, i, random, capacity, refill, interval, ModelDriver.EXACT, tally);
            }
            tally.assertEverythingHappened(seed);
        });
    }

    @Test
    void bucketWithAFractionalCostPerUnitAlsoAnswersExactlyAsTheRationalModel() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random sequences = new Random(seed);
            ModelDriver.Tally tally = new ModelDriver.Tally();
            for (int i = 0; i < PropertyRuns.sequences(SEQUENCES); i++) {
                Random random = new Random(sequences.nextLong());
                long refill = 2 + random.nextLong(pick(random, 3, 100, 5_000));
                long whole = 1 + random.nextLong(pick(random, 1, 3, 100, 1_000));
                long interval = refill * whole + 1 + random.nextLong(refill - 1);
                while (interval < 1_000) {
                    interval += refill * (1 + random.nextLong(1_000));
                }
                long fill = TEN_YEARS_MICROS * refill / interval;
                long capacity = capacity(random, fill);
                run(seed, i, random, capacity, refill, interval, ModelDriver.EXACT, tally);
            }
            tally.assertEverythingHappened(seed);
        });
    }

    private static void run(long seed, int sequence, Random random, long capacity, long refill, long interval,
                            ModelDriver.Checker checker, ModelDriver.Tally tally) {
        Meter meter = Meter.values()[random.nextInt(Meter.values().length)];
        Rule rule = Rule.tokenBucket("bucket").meter(meter).capacity(capacity)
                .refill(refill, Duration.of(interval, ChronoUnit.MICROS)).build();
        long start = ModelDriver.randomStart(random);
        new ModelDriver(seed, sequence, random, rule, new TokenBucketModel(capacity, refill, interval, start), start,
                checker, tally).run(PropertyRuns.steps(STEPS));
    }

    private static long capacity(Random random, long max) {
        long capacity = 1 + random.nextLong(Math.min(max, pick(random, 1, 10, 1_000, 1_000_000, Long.MAX_VALUE)));
        return random.nextInt(10) == 0 ? Math.min(max, Rule.MAX_LIMIT) : capacity;
    }

    private static long pick(Random random, long... choices) {
        return choices[random.nextInt(choices.length)];
    }

    // 1,024us per token makes the cost of MAX_LIMIT tokens just under 2^63us: adding it to now used to wrap around
    // to a negative arrival time, which reads as a full bucket.
    @Test
    void settlingTheLargestActualLeavesTheBucketInDebtNotFull() {
        MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
        Rule rule = Rule.tokenBucket("bucket").meter(Meter.TOKENS).capacity(100)
                .refill(1, Duration.of(1_024, ChronoUnit.MICROS)).build();
        try (Guard guard = Guard.builder(Policy.of(Plan.named("p").rule(rule))).clock(clock).build()) {
            Subject alice = Subject.user("alice", "p");
            Reservation r = guard.reserve(alice, Charge.tokens(10));
            assertTrue(r.allowed());
            r.settle(Charge.tokens(Rule.MAX_LIMIT));
            Decision after = guard.check(alice, Charge.tokens(1));
            assertFalse(after.allowed(), () -> "the bucket reads as full after a huge settle: " + after);
            assertEquals(Algorithms.MAX_DEBT_MICROS - 100 * 1_024 + 1_024,
                    ModelDriver.micros(after.retryAfter()), "the debt is capped at ten years");
        }
    }
}
