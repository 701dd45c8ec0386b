package dev.tollgate.internal;

import dev.tollgate.policy.Period;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;

/**
 * Calendar period boundaries in a zone, in microseconds since the epoch. A period starts at the start of its
 * first day: usually midnight, or the first valid instant after it where a DST change skips midnight.
 */
public final class CalendarPeriods {

    private static final long MICROS_PER_SECOND = 1_000_000L;

    private CalendarPeriods() {
    }

    /** The start of the period that holds {@code nowMicros}: the latest period start at or before it. */
    public static long start(Period period, ZoneId zone, long nowMicros) {
        LocalDate today = LocalDate.ofInstant(toInstant(nowMicros), zone);
        LocalDate first = switch (period) {
            case DAY -> today;
            case WEEK -> today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> today.withDayOfMonth(1);
        };
        long start = toMicros(first.atStartOfDay(zone).toInstant());
        // Where clocks fall back across midnight (Newfoundland's 00:01 changes until 2010), an instant can read as
        // the day before a period that has already begun. It belongs to that period: periods never overlap, and
        // the one holding now never ends before now.
        long next = next(period, zone, start);
        return next <= nowMicros ? next : start;
    }

    /** The start of the period after the one that starts at {@code startMicros}. */
    public static long next(Period period, ZoneId zone, long startMicros) {
        LocalDate first = LocalDate.ofInstant(toInstant(startMicros), zone);
        LocalDate next = switch (period) {
            case DAY -> first.plusDays(1);
            case WEEK -> first.plusWeeks(1);
            case MONTH -> first.plusMonths(1);
        };
        return toMicros(next.atStartOfDay(zone).toInstant());
    }

    /** An instant as microseconds since the epoch (sub-microsecond digits dropped). */
    public static long toMicros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), MICROS_PER_SECOND), instant.getNano() / 1_000);
    }

    /** Microseconds since the epoch as an instant. */
    public static Instant toInstant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, MICROS_PER_SECOND), Math.floorMod(micros, MICROS_PER_SECOND) * 1_000);
    }
}
