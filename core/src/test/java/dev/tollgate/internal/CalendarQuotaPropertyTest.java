package dev.tollgate.internal;

import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Rule;
import dev.tollgate.testing.PropertyRuns;
import dev.tollgate.testing.Seeds;
import java.time.ZoneId;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The calendar quota against {@link PeriodCounterModel#calendar}: usage per day, week or month found with java.time,
 * in zones with DST changes at 2am, at midnight (Santiago, Havana), just after midnight (St Johns until 2010), of half
 * an hour (Lord Howe), and none. The clock is moved to, and to just around, the zone's transitions.
 */
class CalendarQuotaPropertyTest {

    private static final int SEQUENCES = 300;
    private static final int STEPS = 120;
    private static final String[] ZONES = {"UTC", "America/New_York", "Europe/London", "Asia/Kolkata",
        "America/Santiago", "America/Havana", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Tehran",
        "America/St_Johns"};

    @Test
    void calendarQuotaAnswersExactlyAsJavaTimePeriods() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random sequences = new Random(seed);
            ModelDriver.Tally tally = new ModelDriver.Tally();
            for (int i = 0; i < PropertyRuns.sequences(SEQUENCES); i++) {
                Random random = new Random(sequences.nextLong());
                Period period = Period.values()[random.nextInt(Period.values().length)];
                ZoneId zone = ZoneId.of(ZONES[random.nextInt(ZONES.length)]);
                long limit = 1 + random.nextLong(FixedWindowPropertyTest.pick(random, 1, 10, 1_000, 1_000_000,
                        Rule.MAX_LIMIT));
                Meter meter = Meter.values()[random.nextInt(Meter.values().length)];
                Rule rule = Rule.quota("quota").meter(meter).limit(limit).per(period).zone(zone).build();
                long start = ModelDriver.randomStart(random);
                new ModelDriver(seed, i, random, rule, PeriodCounterModel.calendar(limit, period, zone), start,
                        ModelDriver.EXACT, tally).run(PropertyRuns.steps(STEPS));
            }
            tally.assertEverythingHappened(seed);
        });
    }
}
