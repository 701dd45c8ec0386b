package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.policy.Period;
import dev.tollgate.testing.PropertyRuns;
import dev.tollgate.testing.Seeds;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link CalendarPeriods} against java.time for random instants in every zone, half of them near one of the zone's
 * real DST transitions, with extra weight on zones whose transitions are at or near midnight. Periods start at the
 * first instant of their first day and follow one another without gaps or overlaps, even where clocks fall back
 * across midnight and the local date runs backwards for a while.
 */
class CalendarPeriodsPropertyTest {

    private static final int CASES = 20_000;
    private static final List<String> ZONES = new ArrayList<>(new TreeSet<>(ZoneId.getAvailableZoneIds()));
    private static final List<String> AWKWARD = List.of("America/St_Johns", "America/Goose_Bay", "Asia/Tehran",
            "America/Havana", "America/Santiago", "America/Sao_Paulo", "America/Asuncion", "Asia/Gaza", "Asia/Beirut",
            "Pacific/Apia", "Pacific/Kiritimati", "Australia/Lord_Howe", "Africa/Casablanca", "Europe/Dublin",
            "Antarctica/Troll", "America/Scoresbysund");
    private static final long MICROS_1950 = -631_152_000_000_000L;
    private static final long MICROS_2150 = 5_680_281_600_000_000L;

    @Test
    void everyInstantFallsInThePeriodThatStartsAtTheFirstInstantOfItsFirstDay() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random random = new Random(seed);
            for (int i = 0; i < PropertyRuns.sequences(CASES); i++) {
                ZoneId zone = ZoneId.of(random.nextInt(3) == 0 ? AWKWARD.get(random.nextInt(AWKWARD.size()))
                        : ZONES.get(random.nextInt(ZONES.size())));
                long t = instant(random, zone);
                Period period = Period.values()[random.nextInt(Period.values().length)];
                long start = CalendarPeriods.start(period, zone, t);
                long next = CalendarPeriods.next(period, zone, start);
                String where = period + " in " + zone + " at " + CalendarPeriods.toInstant(t) + " (" + t + "us): start "
                        + CalendarPeriods.toInstant(start) + ", next " + CalendarPeriods.toInstant(next) + "; "
                        + Seeds.describe(seed);

                assertTrue(start <= t && t < next, "the period must hold the instant: " + where);
                assertTrue(date(start - 1, zone).isBefore(date(start, zone)),
                        "the period must start at the first instant of a day: " + where);
                assertTrue(date(next - 1, zone).isBefore(date(next, zone)),
                        "the next period must start at the first instant of a day: " + where);
                LocalDate first = firstDay(period, date(start, zone));
                assertFirstExistingDay(first, date(start, zone), zone, "the period starts on its first day: " + where);
                assertFirstExistingDay(following(period, first), date(next, zone), zone,
                        "the next period starts on the first day of the following period: " + where);
                assertEquals(start, CalendarPeriods.start(period, zone, start), "the period starts at start: " + where);
                assertEquals(start, CalendarPeriods.start(period, zone, next - 1), "the period ends at next: " + where);
                assertEquals(next, CalendarPeriods.start(period, zone, next),
                        "the next period starts at next: " + where);
            }
        });
    }

    // Periods start on their first day, or where a zone skipped whole days (Apia, 2011-12-30), on the first day after
    // it that exists.
    private static void assertFirstExistingDay(LocalDate first, LocalDate actual, ZoneId zone, String message) {
        assertTrue(!actual.isBefore(first), message);
        for (LocalDate d = first; d.isBefore(actual); d = d.plusDays(1)) {
            assertNotEquals(d, d.atStartOfDay(zone).toLocalDate(), message + " (" + d + " exists)");
        }
    }

    private static LocalDate firstDay(Period period, LocalDate date) {
        return switch (period) {
            case DAY -> date;
            case WEEK -> date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> date.withDayOfMonth(1);
        };
    }

    private static LocalDate following(Period period, LocalDate first) {
        return switch (period) {
            case DAY -> first.plusDays(1);
            case WEEK -> first.plusWeeks(1);
            case MONTH -> first.plusMonths(1);
        };
    }

    @Test
    void microsAndInstantsConvertBothWays() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random random = new Random(seed);
            for (int i = 0; i < CASES; i++) {
                long micros = random.nextBoolean() ? MICROS_1950 + random.nextLong(MICROS_2150 - MICROS_1950)
                        : random.nextLong(-Long.MAX_VALUE / 1_000, Long.MAX_VALUE / 1_000);
                Instant instant = CalendarPeriods.toInstant(micros);
                assertEquals(micros, CalendarPeriods.toMicros(instant), () -> micros + "us " + Seeds.describe(seed));
                Instant withNanos = instant.plusNanos(random.nextInt(1_000));
                assertEquals(micros, CalendarPeriods.toMicros(withNanos),
                        () -> withNanos + " keeps its whole microseconds " + Seeds.describe(seed));
            }
        });
    }

    /** A random instant: anywhere from 1950 to 2150, or within a few hours of one of the zone's transitions. */
    private static long instant(Random random, ZoneId zone) {
        List<ZoneOffsetTransition> transitions = zone.getRules().getTransitions();
        if (random.nextBoolean() && !transitions.isEmpty()) {
            ZoneOffsetTransition transition = transitions.get(random.nextInt(transitions.size()));
            long at = CalendarPeriods.toMicros(transition.getInstant());
            return at + random.nextLong(-3 * 3_600_000_000L, 3 * 3_600_000_000L);
        }
        return MICROS_1950 + random.nextLong(MICROS_2150 - MICROS_1950);
    }

    private static LocalDate date(long micros, ZoneId zone) {
        return CalendarPeriods.toInstant(micros).atZone(zone).toLocalDate();
    }
}
