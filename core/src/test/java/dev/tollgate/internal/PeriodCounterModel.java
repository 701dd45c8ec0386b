package dev.tollgate.internal;

import dev.tollgate.policy.Rule;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fixed window or calendar quota as a plain map from each period to what was used in it. A call fits if the
 * period's usage plus the call stays within the limit; extra usage at settlement is added to the period it is
 * settled in (past the limit if need be, up to {@link Rule#MAX_LIMIT}); a surplus is refunded only if the call was
 * reserved in the period that is still current. The rule is whole again when the period ends.
 */
abstract class PeriodCounterModel implements ReferenceModel {

    /** A period: {@code [start, end)} in microseconds. */
    record Span(long start, long end) {
    }

    private final long limit;
    private final Map<Long, Long> used = new HashMap<>();

    PeriodCounterModel(long limit) {
        this.limit = limit;
    }

    /** The period that holds {@code t}. */
    abstract Span spanOf(long t);

    /** Fixed windows of {@code windowMicros}, aligned to the epoch. */
    static PeriodCounterModel fixedWindow(long limit, long windowMicros) {
        return new PeriodCounterModel(limit) {
            @Override
            Span spanOf(long t) {
                long start = Math.floorDiv(t, windowMicros) * windowMicros;
                return new Span(start, start + windowMicros);
            }

            @Override
            public long typicalSpanMicros() {
                return windowMicros;
            }
        };
    }

    /**
     * Calendar days, ISO weeks or months in a zone, found with java.time: the local date of the instant, back to the
     * period's first day, and that day's first instant (midnight, or the end of a DST gap that swallows it). Where
     * clocks fall back across midnight the local date runs backwards for a while; an instant then belongs to the
     * later period, which has already started.
     */
    static PeriodCounterModel calendar(long limit, dev.tollgate.policy.Period period, ZoneId zone) {
        return new PeriodCounterModel(limit) {
            @Override
            Span spanOf(long t) {
                Span byDate = byDate(t);
                return byDate.end() <= t ? byDate(byDate.end()) : byDate;
            }

            private Span byDate(long t) {
                LocalDate date = CalendarPeriods.toInstant(t).atZone(zone).toLocalDate();
                LocalDate first;
                LocalDate next;
                switch (period) {
                    case DAY -> {
                        first = date;
                        next = date.plusDays(1);
                    }
                    case WEEK -> {
                        first = date.minusDays(date.getDayOfWeek().getValue() - DayOfWeek.MONDAY.getValue());
                        next = first.plusDays(7);
                    }
                    default -> {
                        first = date.withDayOfMonth(1);
                        next = first.plusMonths(1);
                    }
                }
                return new Span(micros(first.atStartOfDay(zone).toInstant()),
                        micros(next.atStartOfDay(zone).toInstant()));
            }

            @Override
            public List<Long> landmarks(long now) {
                List<Long> landmarks = new java.util.ArrayList<>(super.landmarks(now));
                var transition = zone.getRules().nextTransition(CalendarPeriods.toInstant(now));
                if (transition != null) {
                    landmarks.add(micros(transition.getInstant()));
                }
                return landmarks;
            }

            @Override
            public long typicalSpanMicros() {
                return switch (period) {
                    case DAY -> 86_400_000_000L;
                    case WEEK -> 7 * 86_400_000_000L;
                    case MONTH -> 30 * 86_400_000_000L;
                };
            }
        };
    }

    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    @Override
    public Expected evaluate(long now, long amount) {
        Span span = spanOf(now);
        long usedNow = used.getOrDefault(span.start(), 0L);
        boolean allowed = usedNow + amount <= limit;
        long after = allowed ? usedNow + amount : usedNow;
        long retry = allowed ? 0 : amount > limit ? NEVER : span.end() - now;
        return new Expected(allowed, Math.max(0, limit - after), span.end(), retry);
    }

    @Override
    public void charge(long now, long amount, long key) {
        used.merge(spanOf(now).start(), amount, Long::sum);
    }

    @Override
    public void correct(long now, long reservedAt, long estimated, long actual, long key) {
        long current = spanOf(now).start();
        if (actual > estimated) {
            used.put(current, Math.min(Rule.MAX_LIMIT, used.getOrDefault(current, 0L) + (actual - estimated)));
        } else if (actual < estimated && spanOf(reservedAt).start() == current) {
            used.put(current, Math.max(0, used.getOrDefault(current, 0L) - (estimated - actual)));
        }
    }

    @Override
    public List<Long> landmarks(long now) {
        Span span = spanOf(now);
        return List.of(span.end(), spanOf(span.end()).end());
    }

    @Override
    public String toString() {
        return "used per period start " + used;
    }
}
