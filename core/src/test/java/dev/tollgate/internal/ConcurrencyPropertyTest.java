package dev.tollgate.internal;

import dev.tollgate.policy.Rule;
import dev.tollgate.testing.PropertyRuns;
import dev.tollgate.testing.Seeds;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The concurrency limit against {@link ConcurrencyModel}: a list of live leases with expiries. */
class ConcurrencyPropertyTest {

    private static final int SEQUENCES = 400;
    private static final int STEPS = 120;

    @Test
    void concurrencyLimitAnswersExactlyAsAListOfLiveLeases() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random sequences = new Random(seed);
            ModelDriver.Tally tally = new ModelDriver.Tally();
            for (int i = 0; i < PropertyRuns.sequences(SEQUENCES); i++) {
                Random random = new Random(sequences.nextLong());
                long limit = 1 + random.nextLong(FixedWindowPropertyTest.pick(random, 1, 4, 20, 1_000));
                long leaseMillis = 1 + random.nextLong(FixedWindowPropertyTest.pick(random, 10, 5_000, 600_000,
                        Rule.MAX_SPAN.toMillis()));
                Rule rule = Rule.concurrency("in-flight").limit(limit).lease(Duration.ofMillis(leaseMillis)).build();
                long start = ModelDriver.randomStart(random);
                new ModelDriver(seed, i, random, rule, new ConcurrencyModel(limit, leaseMillis * 1_000), start,
                        ModelDriver.EXACT, tally).run(PropertyRuns.steps(STEPS));
            }
            tally.assertEverythingHappened(seed);
        });
    }
}
