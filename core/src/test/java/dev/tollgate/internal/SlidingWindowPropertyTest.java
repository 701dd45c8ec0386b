package dev.tollgate.internal;

import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Rule;
import dev.tollgate.testing.PropertyRuns;
import dev.tollgate.testing.Seeds;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sliding window against {@link SlidingWindowModel}: the two-window formula over explicit counters. */
class SlidingWindowPropertyTest {

    private static final int SEQUENCES = 400;
    private static final int STEPS = 120;

    @Test
    void slidingWindowAnswersExactlyAsTheTwoWindowFormula() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random sequences = new Random(seed);
            ModelDriver.Tally tally = new ModelDriver.Tally();
            for (int i = 0; i < PropertyRuns.sequences(SEQUENCES); i++) {
                Random random = new Random(sequences.nextLong());
                long windowMillis = 1 + random.nextLong(FixedWindowPropertyTest.pick(random, 10, 1_000, 86_400_000L,
                        Rule.MAX_SPAN.toMillis()));
                long limit = 1 + random.nextLong(FixedWindowPropertyTest.pick(random, 1, 10, 1_000, 1_000_000,
                        Rule.MAX_SLIDING_LIMIT));
                Meter meter = Meter.values()[random.nextInt(Meter.values().length)];
                Rule rule = Rule.slidingWindow("sliding").meter(meter).limit(limit)
                        .window(Duration.ofMillis(windowMillis)).build();
                long start = ModelDriver.randomStart(random);
                new ModelDriver(seed, i, random, rule, new SlidingWindowModel(limit, windowMillis * 1_000), start,
                        ModelDriver.EXACT, tally).run(PropertyRuns.steps(STEPS));
            }
            tally.assertEverythingHappened(seed);
        });
    }
}
