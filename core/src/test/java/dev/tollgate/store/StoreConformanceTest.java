package dev.tollgate.store;

import static java.time.temporal.ChronoUnit.MICROS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.RuleStatus;
import dev.tollgate.Subject;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Money;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import dev.tollgate.testing.MutableClock;
import dev.tollgate.testing.Seeds;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The contract every {@link Store} must keep, written once and run against each store: the memory store here,
 * the Redis store from its own module through core's test-jar.
 *
 * <p>A store under test only has to come from {@link #newStore(MutableClock)} and run on that clock; everything
 * else goes through the public {@link Guard} API. Each test gets a fresh store, and every user, team and
 * global rule name carries a suffix unique to the test, so that stores sharing a server never see each
 * other's state.
 *
 * <p>Expected numbers are worked out by hand in the comments; they follow from the rule maths in
 * {@link dev.tollgate.internal.Algorithms}, which every store must reproduce exactly.
 */
public abstract class StoreConformanceTest {

    /** The plan name every subject here is on. */
    protected static final String PLAN = "p";

    /** The longest any concurrent test may take before it is declared stuck (a guard, not a measurement). */
    private static final long STUCK_SECONDS = 60;

    private static final Duration ONE_MICRO = Duration.of(1, MICROS);

    /** The test's clock, stopped at Sunday 2026-11-22 10:00 UTC until a test moves it. */
    protected final MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");

    /** The store under test, fresh for each test. */
    protected Store store;

    // Unique per test instance (JUnit makes one per test), so tests never share state in a shared server.
    private final String run = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);

    /** A new, empty store that reads time from {@code clock}. */
    protected abstract Store newStore(MutableClock clock);

    /** Closes a store made by {@link #newStore}; stores with servers may also drop their test's keys here. */
    protected void closeStore(Store store) {
        store.close();
    }

    /**
     * Drops state the store considers idle, if the store ever does so. The sweeping race test calls it from
     * several threads at once while others reserve, so it must be safe to call concurrently; a store that never
     * drops state keeps this no-op.
     */
    protected void sweep(Store store) {
    }

    /** How many threads the concurrency tests start; lower it for stores that are slow per call. */
    protected int threads() {
        return 64;
    }

    /** How many reservations each thread makes in the concurrency tests that run a fixed number of them. */
    protected int callsPerThread() {
        return 40;
    }

    @BeforeEach
    final void openStore() {
        store = newStore(clock);
    }

    @AfterEach
    final void closeTheStore() {
        if (store != null) {
            closeStore(store);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Time travel with the injected clock
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void decisionsAreMadeOnTheInjectedClock() {
        Guard guard = guard(plan(Rule.quota("daily").limit(10).per(Period.DAY)));
        clock.set(Instant.parse("2031-05-06T07:08:09.123456Z"));

        Decision decision = guard.reserve(user("alice"), Charge.request()).decision();

        assertThat(decision.decidedAt()).isEqualTo(Instant.parse("2031-05-06T07:08:09.123456Z"));
        assertThat(decision.rule("daily").orElseThrow().resetAt()).isEqualTo(Instant.parse("2031-05-07T00:00:00Z"));
    }

    @Test
    void tokenBucketRefillsOneUnitEveryTwelveSeconds() {
        // Capacity 5, refilling 5 per minute: one unit costs 60s / 5 = 12s, exactly.
        Guard guard = guard(plan(Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1))));
        Subject alice = user("alice");

        for (int i = 1; i <= 5; i++) {
            Reservation r = guard.reserve(alice, Charge.request());
            assertThat(r.allowed()).as("call %d", i).isTrue();
            assertThat(r.decision().rule("burst").orElseThrow().remaining()).as("left after call %d", i).isEqualTo(5 - i);
        }
        Decision sixth = guard.reserve(alice, Charge.request()).decision();
        assertThat(sixth.denied()).isTrue();
        assertThat(sixth.deniedBy().orElseThrow().name()).isEqualTo("burst");
        assertThat(sixth.retryAfter()).contains(Duration.ofSeconds(12));
        assertThat(sixth.reason()).isEqualTo("burst: burst of 5 requests, refilling 5 per 1m, used up; retry in 12s");

        clock.advance(Duration.ofSeconds(12).minus(ONE_MICRO));
        Decision early = guard.reserve(alice, Charge.request()).decision();
        assertThat(early.denied()).isTrue();
        assertThat(early.retryAfter()).contains(ONE_MICRO);

        clock.advance(ONE_MICRO);
        assertThat(guard.reserve(alice, Charge.request()).allowed()).isTrue();
        // The one unit that refilled is spent again: the next one is 12s away once more.
        assertThat(guard.check(alice, Charge.request()).retryAfter()).contains(Duration.ofSeconds(12));
    }

    @Test
    void tokenBucketNeverHoldsMoreThanItsCapacity() {
        Guard guard = guard(plan(Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1))));
        Subject alice = user("alice");
        guard.reserve(alice, Charge.requests(5));

        clock.advance(Duration.ofHours(3));

        assertThat(remaining(guard, alice, "burst")).isEqualTo(5);
        assertThat(guard.reserve(alice, Charge.requests(5)).allowed()).isTrue();
        assertThat(guard.reserve(alice, Charge.request()).denied()).isTrue();
    }

    @Test
    void tokenBucketRefillsPartiallyInWholeUnits() {
        // 10 tokens per 10s is 1 token per second; after 2.5s only 2 whole tokens are back.
        Guard guard = guard(plan(Rule.tokenBucket("burst").meter(Meter.TOKENS).capacity(10)
                .refill(10, Duration.ofSeconds(10))));
        Subject alice = user("alice");
        guard.reserve(alice, Charge.tokens(10));

        clock.advance(Duration.ofMillis(2_500));

        assertThat(remaining(guard, alice, "burst")).isEqualTo(2);
        Decision three = guard.check(alice, Charge.tokens(3));
        assertThat(three.denied()).isTrue();
        assertThat(three.retryAfter()).contains(Duration.ofMillis(500));
    }

    @Test
    void tokenBucketAdmitsItsWholeCapacityWhenTheRateDoesNotDivideTheInterval() {
        // 3 per second: a unit costs 333,333.3µs, rounded up to 333,334µs per call. Three calls cost 1,000,002µs,
        // 2µs more than the 1,000,000µs that 3 units cost at once; the bucket must still take all three.
        Guard guard = guard(plan(Rule.tokenBucket("per-second").capacity(3).refill(3, Duration.ofSeconds(1))));
        Subject alice = user("alice");
        assertThat(remaining(guard, alice, "per-second")).isEqualTo(3);

        for (int i = 1; i <= 3; i++) {
            Reservation r = guard.reserve(alice, Charge.request());
            assertThat(r.allowed()).as("call %d", i).isTrue();
            assertThat(r.decision().rule("per-second").orElseThrow().remaining()).as("left after call %d", i)
                    .isEqualTo(3 - i);
        }
        Decision fourth = guard.reserve(alice, Charge.request()).decision();
        assertThat(fourth.denied()).isTrue();
        assertThat(fourth.retryAfter()).contains(Duration.of(333_334, MICROS));
        // Four units never fit at once.
        assertThat(guard.check(user("bob"), Charge.requests(4)).retryAfter()).isEmpty();
    }

    @Test
    void fullTokenBucketAdmitsItsCapacityInAnySplitAndNotOneMore() {
        long seed = Seeds.seed();
        SplittableRandom random = new SplittableRandom(seed);
        Duration[] intervals = {Duration.ofSeconds(1), Duration.ofSeconds(7), Duration.ofMinutes(1), Duration.ofHours(1)};
        for (int n = 0; n < 100; n++) {
            long capacity = 1 + random.nextInt(50);
            long refill = 1 + random.nextInt(50);
            Duration interval = intervals[random.nextInt(intervals.length)];
            Guard guard = guard(plan(Rule.tokenBucket("burst").capacity(capacity).refill(refill, interval)));
            String rule = "capacity " + capacity + " refilling " + refill + " per " + interval + "; " + Seeds.describe(seed);
            Subject subject = user("case-" + n);

            for (long left = capacity; left > 0; ) {
                long size = 1 + random.nextInt((int) left);
                assertThat(guard.reserve(subject, Charge.requests(size)).allowed())
                        .as("%d of %d left, asking %d: %s", left, capacity, size, rule).isTrue();
                left -= size;
            }
            assertThat(guard.reserve(subject, Charge.request()).denied()).as("one more: %s", rule).isTrue();
            assertThat(guard.reserve(user("whole-" + n), Charge.requests(capacity + 1)).denied())
                    .as("capacity + 1 at once: %s", rule).isTrue();
        }
    }

    @Test
    void fixedWindowResetsAtTheBoundary() {
        // Windows are aligned to the epoch: at 10:00:30 the window is [10:00, 10:01).
        Guard guard = guard(plan(Rule.fixedWindow("per-minute").limit(3).window(Duration.ofMinutes(1))));
        Subject alice = user("alice");
        clock.set(Instant.parse("2026-11-22T10:00:30Z"));

        for (int i = 0; i < 3; i++) {
            assertThat(guard.reserve(alice, Charge.request()).allowed()).isTrue();
        }
        Decision fourth = guard.reserve(alice, Charge.request()).decision();
        assertThat(fourth.denied()).isTrue();
        assertThat(fourth.retryAfter()).contains(Duration.ofSeconds(30));
        assertThat(fourth.deniedBy().orElseThrow().resetAt()).isEqualTo(Instant.parse("2026-11-22T10:01:00Z"));
        assertThat(fourth.reason()).isEqualTo("per-minute: 3 requests per 1m used up; resets at 2026-11-22T10:01Z");

        clock.set(Instant.parse("2026-11-22T10:00:59.999999Z"));
        assertThat(guard.reserve(alice, Charge.request()).denied()).isTrue();

        clock.set(Instant.parse("2026-11-22T10:01:00Z"));
        Reservation next = guard.reserve(alice, Charge.request());
        assertThat(next.allowed()).isTrue();
        assertThat(next.decision().rule("per-minute").orElseThrow().remaining()).isEqualTo(2);
    }

    @Test
    void slidingWindowWeighsThePreviousWindowByItsOverlap() {
        // Limit 10 tokens per minute. 8 tokens at 10:00:15 fall in the window [10:00, 10:01).
        Guard guard = guard(plan(Rule.slidingWindow("sliding").meter(Meter.TOKENS).limit(10)
                .window(Duration.ofMinutes(1))));
        Subject alice = user("alice");
        clock.set(Instant.parse("2026-11-22T10:00:15Z"));
        Reservation first = guard.reserve(alice, Charge.tokens(8));
        assertThat(first.decision().rule("sliding").orElseThrow().remaining()).isEqualTo(2);
        // Counted until the end of the next window, when it stops overlapping the sliding window.
        assertThat(first.decision().rule("sliding").orElseThrow().resetAt())
                .isEqualTo(Instant.parse("2026-11-22T10:02:00Z"));

        // At 10:01:15 the previous window still overlaps 45s of 60s: weight 750/1000, estimate ceil(8 * 0.75) = 6.
        clock.set(Instant.parse("2026-11-22T10:01:15Z"));
        assertThat(remaining(guard, alice, "sliding")).isEqualTo(4);
        assertThat(guard.check(alice, Charge.tokens(4)).allowed()).isTrue();
        Decision five = guard.check(alice, Charge.tokens(5));
        assertThat(five.denied()).isTrue();
        // 5 more fit once ceil(8 * w) <= 5, i.e. w <= 0.625: 37.5s of overlap left, at 10:01:22.5, 7.5s from now.
        assertThat(five.retryAfter()).contains(Duration.ofMillis(7_500));

        clock.set(Instant.parse("2026-11-22T10:01:22.499999Z"));
        assertThat(guard.check(alice, Charge.tokens(5)).denied()).isTrue();
        clock.set(Instant.parse("2026-11-22T10:01:22.500Z"));
        Reservation five2 = guard.reserve(alice, Charge.tokens(5));
        assertThat(five2.allowed()).isTrue();
        assertThat(five2.decision().rule("sliding").orElseThrow().remaining()).isZero();

        // At 10:02:00 the 5 tokens of [10:01, 10:02) weigh fully; the 8 of [10:00, 10:01) no longer count.
        clock.set(Instant.parse("2026-11-22T10:02:00Z"));
        assertThat(remaining(guard, alice, "sliding")).isEqualTo(5);
        // At 10:02:30 they weigh half: ceil(5 * 0.5) = 3.
        clock.set(Instant.parse("2026-11-22T10:02:30Z"));
        assertThat(remaining(guard, alice, "sliding")).isEqualTo(7);
        clock.set(Instant.parse("2026-11-22T10:03:00Z"));
        assertThat(remaining(guard, alice, "sliding")).isEqualTo(10);
    }

    @Test
    void concurrencyLeasesExpireAfterTheLeaseTimeout() {
        Guard guard = guard(plan(Rule.concurrency("in-flight").limit(2).lease(Duration.ofSeconds(30))));
        Subject alice = user("alice");

        Reservation a = guard.reserve(alice, Charge.request());
        Reservation b = guard.reserve(alice, Charge.request());
        assertThat(a.allowed()).isTrue();
        assertThat(b.allowed()).isTrue();
        Decision third = guard.reserve(alice, Charge.request()).decision();
        assertThat(third.denied()).isTrue();
        // Slots free up as calls end, so a denial suggests at most one second; the leases end in 30s.
        assertThat(third.retryAfter()).contains(Duration.ofSeconds(1));
        assertThat(third.reason()).isEqualTo("in-flight: 2 calls in flight already; retry when one finishes");
        assertThat(third.deniedBy().orElseThrow().resetAt()).isEqualTo(Instant.parse("2026-11-22T10:00:30Z"));

        clock.advance(Duration.ofSeconds(30).minus(ONE_MICRO));
        Decision early = guard.reserve(alice, Charge.request()).decision();
        assertThat(early.denied()).isTrue();
        assertThat(early.retryAfter()).contains(ONE_MICRO);

        clock.advance(ONE_MICRO);
        Reservation c = guard.reserve(alice, Charge.request());
        assertThat(c.allowed()).isTrue();
        assertThat(c.decision().rule("in-flight").orElseThrow().remaining()).isEqualTo(1);

        // Settling a lease that already expired must not end another call's lease.
        a.settle(Charge.request());
        b.release();
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(1);
        assertThat(guard.reserve(alice, Charge.request()).allowed()).isTrue();
        assertThat(guard.reserve(alice, Charge.request()).denied()).isTrue();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Calendar quotas
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void dailyQuotaResetsAtMidnightUtc() {
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(20_000).per(Period.DAY)));
        Subject alice = user("alice");

        assertThat(guard.reserve(alice, Charge.tokens(20_000)).allowed()).isTrue();
        Decision denied = guard.reserve(alice, Charge.tokens(1)).decision();
        assertThat(denied.denied()).isTrue();
        assertThat(denied.reason()).isEqualTo("daily-tokens: 20,000 tokens per day used up; resets at 2026-11-23T00:00Z");
        assertThat(denied.retryAfter()).contains(Duration.ofHours(14));
        assertThat(denied.waitingIsPointless()).isTrue();

        clock.set(Instant.parse("2026-11-22T23:59:59.999999Z"));
        assertThat(guard.reserve(alice, Charge.tokens(1)).denied()).isTrue();
        clock.set(Instant.parse("2026-11-23T00:00:00Z"));
        assertThat(guard.reserve(alice, Charge.tokens(20_000)).allowed()).isTrue();
    }

    /**
     * Uses up a quota just before {@code start}, then shows that it resets at exactly {@code start}, reports
     * {@code end} as its reset time, is still used up one microsecond before {@code end}, and resets at
     * {@code end}.
     */
    @ParameterizedTest(name = "{0} in {1}: [{2}, {3})")
    @CsvSource({
        // Plain days.
        "DAY,   UTC,              2026-11-22T00:00:00Z, 2026-11-23T00:00:00Z",
        "DAY,   Europe/Paris,     2026-11-21T23:00:00Z, 2026-11-22T23:00:00Z",
        // New York springs forward at 02:00 on 2026-03-08: a 23-hour day, 00:00-05:00 to 00:00-04:00.
        "DAY,   America/New_York, 2026-03-08T05:00:00Z, 2026-03-09T04:00:00Z",
        // ... and falls back at 02:00 on 2026-11-01: a 25-hour day.
        "DAY,   America/New_York, 2026-11-01T04:00:00Z, 2026-11-02T05:00:00Z",
        // Paris springs forward at 02:00 on 2026-03-29 (23 hours) and falls back at 03:00 on 2026-10-25 (25 hours).
        "DAY,   Europe/Paris,     2026-03-28T23:00:00Z, 2026-03-29T22:00:00Z",
        "DAY,   Europe/Paris,     2026-10-24T22:00:00Z, 2026-10-25T23:00:00Z",
        // Santiago skips from 00:00 to 01:00 on 2026-09-06: that day has no midnight and starts at 01:00-03:00,
        // so the day before ends then.
        "DAY,   America/Santiago, 2026-09-05T04:00:00Z, 2026-09-06T04:00:00Z",
        "DAY,   America/Santiago, 2026-09-06T04:00:00Z, 2026-09-07T03:00:00Z",
        // Santiago falls back from 00:00 to 23:00 on 2026-04-05: Saturday the 4th lasts 25 hours.
        "DAY,   America/Santiago, 2026-04-04T03:00:00Z, 2026-04-05T04:00:00Z",
        // Beirut skips midnight on 2026-03-29 (the day starts at 01:00+03:00) ...
        "DAY,   Asia/Beirut,      2026-03-28T22:00:00Z, 2026-03-29T21:00:00Z",
        // ... and on 2026-10-25 goes from 00:00+03:00 back to Saturday 23:00+02:00: Saturday lasts 25 hours.
        "DAY,   Asia/Beirut,      2026-10-23T21:00:00Z, 2026-10-24T22:00:00Z",
        // Havana skips midnight on 2026-03-08 as well.
        "DAY,   America/Havana,   2026-03-08T05:00:00Z, 2026-03-09T04:00:00Z",
        // ISO weeks start on Monday: Monday 2026-11-16 to Monday 2026-11-23 (the 22nd is a Sunday).
        "WEEK,  UTC,              2026-11-16T00:00:00Z, 2026-11-23T00:00:00Z",
        // A Paris week that holds the autumn change: 7 days and 1 hour.
        "WEEK,  Europe/Paris,     2026-10-18T22:00:00Z, 2026-10-25T23:00:00Z",
        // Months: Jan 31 -> Feb 1, Feb 28 -> Mar 1, leap Feb 29 -> Mar 1, Dec 31 -> Jan 1.
        "MONTH, UTC,              2026-01-01T00:00:00Z, 2026-02-01T00:00:00Z",
        "MONTH, UTC,              2026-02-01T00:00:00Z, 2026-03-01T00:00:00Z",
        "MONTH, UTC,              2028-02-01T00:00:00Z, 2028-03-01T00:00:00Z",
        "MONTH, UTC,              2026-12-01T00:00:00Z, 2027-01-01T00:00:00Z",
        // A New York month holding the spring change starts at -05:00 and ends at -04:00.
        "MONTH, America/New_York, 2026-03-01T05:00:00Z, 2026-04-01T04:00:00Z",
    })
    void calendarQuotaResetsExactlyAtTheStartOfEachPeriod(Period period, ZoneId zone, Instant start, Instant end) {
        Guard guard = guard(plan(Rule.quota("quota").limit(3).per(period).zone(zone)));
        Subject alice = user("alice");

        clock.set(start.minus(1, MICROS));
        assertThat(guard.reserve(alice, Charge.requests(3)).allowed()).isTrue();
        Decision before = guard.check(alice, Charge.request());
        assertThat(before.denied()).isTrue();
        assertThat(before.deniedBy().orElseThrow().resetAt()).as("reset of the period before").isEqualTo(start);
        assertThat(before.retryAfter()).contains(ONE_MICRO);

        clock.set(start);
        Reservation first = guard.reserve(alice, Charge.requests(3));
        assertThat(first.allowed()).as("the quota is whole again at %s", start).isTrue();
        assertThat(first.decision().rule("quota").orElseThrow().resetAt()).isEqualTo(end);
        assertThat(guard.check(alice, Charge.request()).retryAfter()).contains(Duration.between(start, end));

        clock.set(end.minus(1, MICROS));
        Decision last = guard.check(alice, Charge.request());
        assertThat(last.denied()).as("still used up one microsecond before %s", end).isTrue();
        assertThat(last.retryAfter()).contains(ONE_MICRO);

        clock.set(end);
        assertThat(remaining(guard, alice, "quota")).isEqualTo(3);
    }

    @Test
    void reasonShowsTheResetInTheQuotasZone() {
        Guard newYork = guard(plan(Rule.quota("ny").limit(1).per(Period.DAY).zone(ZoneId.of("America/New_York"))));
        Guard santiago = guard(plan(
                Rule.quota("santiago").limit(1).per(Period.DAY).zone(ZoneId.of("America/Santiago"))));
        Subject alice = user("alice");
        Subject bob = user("bob");

        // 2026-03-08T12:00Z is 08:00 in New York, just after the clocks went forward.
        clock.set(Instant.parse("2026-03-08T12:00:00Z"));
        newYork.reserve(alice, Charge.request());
        assertThat(newYork.check(alice, Charge.request()).reason())
                .isEqualTo("ny: 1 request per day used up; resets at 2026-03-09T00:00-04:00");

        // Saturday 2026-09-05 in Santiago ends when Sunday starts, at 01:00-03:00 since midnight is skipped.
        clock.set(Instant.parse("2026-09-05T20:00:00Z"));
        Reservation used = santiago.reserve(bob, Charge.request());
        assertThat(used.allowed()).isTrue();
        Decision denied = santiago.check(bob, Charge.request());
        assertThat(denied.deniedBy().orElseThrow().name()).isEqualTo("santiago");
        assertThat(denied.reason()).isEqualTo("santiago: 1 request per day used up; resets at 2026-09-06T01:00-03:00");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Refunds and debt
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void settleBelowTheEstimateRefundsExactlyTheSurplus() {
        Guard guard = guard(everyAlgorithmOfTokens(1_000));
        Subject alice = user("alice");

        Reservation r = guard.reserve(alice, Charge.tokens(600).plusRequest());
        for (String rule : TOKEN_RULES) {
            assertThat(r.decision().rule(rule).orElseThrow().remaining()).as(rule).isEqualTo(400);
        }
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(1);

        r.settle(Charge.tokens(250).plusRequest());

        // 1,000 - 250: the 350 surplus came back to every rule, and the concurrency slot is free.
        for (String rule : TOKEN_RULES) {
            assertThat(remaining(guard, alice, rule)).as(rule).isEqualTo(750);
        }
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(2);
        assertThat(r.isFinished()).isTrue();
    }

    @Test
    void settleAboveTheEstimatePutsTheBucketIntoDebt() {
        // 10 tokens, refilling 1 per second.
        Guard guard = guard(plan(Rule.tokenBucket("burst").meter(Meter.TOKENS).capacity(10)
                .refill(10, Duration.ofSeconds(10))));
        Subject alice = user("alice");

        guard.reserve(alice, Charge.tokens(10)).settle(Charge.tokens(15));

        // 5 tokens of debt: the bucket is empty until 5s from now, and 1 token needs one more second.
        assertThat(remaining(guard, alice, "burst")).isZero();
        Decision next = guard.reserve(alice, Charge.tokens(1)).decision();
        assertThat(next.denied()).isTrue();
        assertThat(next.retryAfter()).contains(Duration.ofSeconds(6));

        clock.advance(Duration.ofSeconds(5));
        assertThat(guard.check(alice, Charge.tokens(1)).retryAfter()).contains(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(guard.reserve(alice, Charge.tokens(1)).allowed()).isTrue();
    }

    @Test
    void settleAboveTheEstimatePutsTheQuotaIntoDebtUntilItResets() {
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY)));
        Subject alice = user("alice");

        guard.reserve(alice, Charge.tokens(90)).settle(Charge.tokens(130));

        Decision next = guard.reserve(alice, Charge.tokens(1)).decision();
        assertThat(next.denied()).isTrue();
        assertThat(next.deniedBy().orElseThrow().remaining()).isZero();
        assertThat(next.retryAfter()).contains(Duration.ofHours(14));

        // The debt belongs to its day: the next day starts whole.
        clock.set(Instant.parse("2026-11-23T00:00:00Z"));
        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(100);
    }

    @Test
    void refundAfterTheWindowRolledOverIsDropped() {
        Guard guard = guard(plan(Rule.fixedWindow("per-minute").meter(Meter.TOKENS).limit(10)
                .window(Duration.ofMinutes(1))));
        Subject alice = user("alice");
        clock.set(Instant.parse("2026-11-22T10:00:30Z"));
        Reservation old = guard.reserve(alice, Charge.tokens(8));

        clock.set(Instant.parse("2026-11-22T10:01:10Z"));
        assertThat(guard.reserve(alice, Charge.tokens(5)).allowed()).isTrue();
        old.settle(Charge.tokens(2));

        // The 6-token surplus belonged to [10:00, 10:01); crediting it to [10:01, 10:02) would leave 10.
        assertThat(remaining(guard, alice, "per-minute")).isEqualTo(5);
    }

    @Test
    void quotaRefundAfterMidnightIsDroppedButExtraUsageIsChargedToTheNewDay() {
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY)));
        Subject alice = user("alice");
        clock.set(Instant.parse("2026-11-22T23:00:00Z"));
        Reservation refunded = guard.reserve(alice, Charge.tokens(40));
        Reservation overrun = guard.reserve(alice, Charge.tokens(40));

        clock.set(Instant.parse("2026-11-23T00:30:00Z"));
        guard.reserve(alice, Charge.tokens(50));
        refunded.settle(Charge.tokens(10));
        assertThat(remaining(guard, alice, "daily-tokens")).as("a 30-token refund is not credited to the new day")
                .isEqualTo(50);

        overrun.settle(Charge.tokens(55));
        assertThat(remaining(guard, alice, "daily-tokens")).as("15 tokens over the estimate are charged now")
                .isEqualTo(35);
    }

    @Test
    void slidingWindowRefundGoesToThePreviousWindowWhileItStillCounts() {
        Guard guard = guard(plan(Rule.slidingWindow("sliding").meter(Meter.TOKENS).limit(10)
                .window(Duration.ofMinutes(1))));
        Subject alice = user("alice");
        Subject bob = user("bob");
        clock.set(Instant.parse("2026-11-22T10:00:15Z"));
        Reservation aliceCall = guard.reserve(alice, Charge.tokens(8));
        Reservation bobCall = guard.reserve(bob, Charge.tokens(8));

        // One window later the previous window weighs 750/1000. Alice's 8 become 2: ceil(2 * 0.75) = 2 counted.
        clock.set(Instant.parse("2026-11-22T10:01:15Z"));
        aliceCall.settle(Charge.tokens(2));
        assertThat(remaining(guard, alice, "sliding")).isEqualTo(8);

        // Two windows later nothing of [10:00, 10:01) counts; Bob's refund must not reduce [10:02, 10:03).
        clock.set(Instant.parse("2026-11-22T10:02:15Z"));
        guard.reserve(bob, Charge.tokens(3));
        bobCall.settle(Charge.NONE);
        assertThat(remaining(guard, bob, "sliding")).isEqualTo(7);
    }

    @Test
    void releaseReturnsTheWholeEstimate() {
        Guard guard = guard(everyAlgorithmOfTokens(1_000));
        Subject alice = user("alice");

        Reservation r = guard.reserve(alice, Charge.tokens(600).plusRequest());
        r.release();

        for (String rule : TOKEN_RULES) {
            assertThat(remaining(guard, alice, rule)).as(rule).isEqualTo(1_000);
        }
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(2);
        assertThat(r.isFinished()).isTrue();
    }

    @Test
    void settlingTwiceThrowsAndNeverChargesTwice() {
        Guard guard = guard(everyAlgorithmOfTokens(1_000));
        Subject alice = user("alice");
        Reservation r = guard.reserve(alice, Charge.tokens(100).plusRequest());
        r.settle(Charge.tokens(150).plusRequest());

        assertThatThrownBy(() -> r.settle(Charge.tokens(150).plusRequest())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(r::release).isInstanceOf(IllegalStateException.class);
        r.close();

        for (String rule : TOKEN_RULES) {
            assertThat(remaining(guard, alice, rule)).as(rule).isEqualTo(850);
        }
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(2);
    }

    @Test
    void settlingAfterReleaseThrowsAndChargesNothing() {
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(1_000).per(Period.DAY)));
        Subject alice = user("alice");
        Reservation r = guard.reserve(alice, Charge.tokens(100));
        r.release();

        assertThatThrownBy(() -> r.settle(Charge.tokens(100))).isInstanceOf(IllegalStateException.class);
        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(1_000);
    }

    @Test
    void settlingADeniedReservationThrowsAndRefundsNothing() {
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY)));
        Subject alice = user("alice");
        guard.reserve(alice, Charge.tokens(100));
        Reservation denied = guard.reserve(alice, Charge.tokens(50));
        assertThat(denied.denied()).isTrue();

        assertThatThrownBy(() -> denied.settle(Charge.NONE)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(denied::release).isInstanceOf(IllegalStateException.class);
        denied.close();

        // A refund of the 50 that were never charged would show 50 left.
        assertThat(remaining(guard, alice, "daily-tokens")).isZero();
    }

    @Test
    void closeReleasesAnUnsettledReservation() {
        Guard guard = guard(plan(
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(1_000).per(Period.DAY),
                Rule.concurrency("in-flight").limit(1)));
        Subject alice = user("alice");

        try (Reservation r = guard.reserve(alice, Charge.tokens(400).plusRequest())) {
            assertThat(r.allowed()).isTrue();
            assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(600);
        }

        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(1_000);
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(1);
    }

    @Test
    void closeAfterSettleDoesNothing() {
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(1_000).per(Period.DAY)));
        Subject alice = user("alice");

        try (Reservation r = guard.reserve(alice, Charge.tokens(400))) {
            r.settle(Charge.tokens(300));
        }

        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(700);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Expiry
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void reservationNeverSettledKeepsItsEstimate() {
        Guard guard = guard(plan(
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(1_000).per(Period.DAY),
                Rule.concurrency("in-flight").limit(1).lease(Duration.ofMinutes(1))));
        Subject alice = user("alice");
        Reservation forgotten = guard.reserve(alice, Charge.tokens(400).plusRequest());
        assertThat(forgotten.allowed()).isTrue();
        assertThat(guard.reserve(alice, Charge.tokens(1).plusRequest()).denied()).as("the slot is held").isTrue();

        clock.advance(Duration.ofMinutes(1));

        // The estimate stays charged; only the slot comes back, when its lease times out.
        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(600);
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(1);
        assertThat(guard.reserve(alice, Charge.tokens(1).plusRequest()).allowed()).isTrue();
    }

    @Test
    void concurrencySlotFreesItselfAfterTheLeaseTimeout() {
        Guard guard = guard(plan(Rule.concurrency("in-flight").limit(1).lease(Duration.ofSeconds(45))));
        Subject alice = user("alice");
        assertThat(guard.reserve(alice, Charge.request()).allowed()).isTrue();

        clock.advance(Duration.ofSeconds(44));
        assertThat(guard.reserve(alice, Charge.request()).denied()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(1);
        assertThat(guard.reserve(alice, Charge.request()).allowed()).isTrue();
    }

    // ---------------------------------------------------------------------------------------------------------
    // All or nothing
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void callDeniedByTheDailyQuotaDoesNotEatBurstTokens() {
        // The Upstash bug: limits applied one after another, so a call the second denies still spends the first.
        Guard guard = guard(plan(
                Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1)),
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(300).per(Period.DAY)));
        Subject alice = user("alice");
        for (int i = 0; i < 3; i++) {
            assertThat(guard.reserve(alice, Charge.tokens(100).plusRequest()).allowed()).isTrue();
        }

        for (int i = 0; i < 4; i++) {
            Decision denied = guard.reserve(alice, Charge.tokens(100).plusRequest()).decision();
            assertThat(denied.deniedBy().orElseThrow().name()).isEqualTo("daily-tokens");
            assertThat(denied.rule("burst").orElseThrow().exceeded()).isFalse();
        }

        assertThat(remaining(guard, alice, "burst")).isEqualTo(2);
    }

    @Test
    void callDeniedByTheBurstDoesNotEatTheDailyQuota() {
        Guard guard = guard(plan(
                Rule.tokenBucket("burst").capacity(2).refill(2, Duration.ofMinutes(1)),
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(1_000).per(Period.DAY)));
        Subject alice = user("alice");
        guard.reserve(alice, Charge.tokens(100).plusRequest());
        guard.reserve(alice, Charge.tokens(100).plusRequest());

        for (int i = 0; i < 5; i++) {
            Decision denied = guard.reserve(alice, Charge.tokens(100).plusRequest()).decision();
            assertThat(denied.deniedBy().orElseThrow().name()).isEqualTo("burst");
        }

        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(800);
    }

    @Test
    void callDeniedInOneScopeChargesNoScope() {
        String global = id("global");
        Guard guard = guard(plan(
                Rule.quota("user-daily").limit(3).per(Period.DAY),
                Rule.quota("team-daily").limit(6).per(Period.DAY).scope(Scope.TEAM),
                Rule.quota(global).limit(8).per(Period.DAY).scope(Scope.GLOBAL)));
        String teamA = id("team-a");
        Subject alice = user("alice").inTeam(teamA);
        Subject bob = user("bob").inTeam(teamA);
        Subject dave = user("dave").inTeam(teamA);
        Subject carol = user("carol").inTeam(id("team-b"));
        Subject erin = user("erin").inTeam(id("team-c"));

        // alice: user 3 -> 0, team A 6 -> 3, global 8 -> 5.
        assertThat(guard.reserve(alice, Charge.requests(3)).allowed()).isTrue();
        // Denied by alice's own quota: team and global keep 3 and 5.
        assertThat(guard.reserve(alice, Charge.request()).decision().deniedBy().orElseThrow().name())
                .isEqualTo("user-daily");
        assertThat(remaining(guard, alice, "team-daily")).isEqualTo(3);
        assertThat(remaining(guard, alice, global)).isEqualTo(5);

        // bob: user 3 -> 0, team A 3 -> 0, global 5 -> 2. carol: user 3 -> 2, team B 6 -> 5, global 2 -> 1.
        assertThat(guard.reserve(bob, Charge.requests(3)).allowed()).isTrue();
        assertThat(guard.reserve(carol, Charge.request()).allowed()).isTrue();

        // Denied by team A: dave's quota and the global one are untouched.
        assertThat(guard.reserve(dave, Charge.request()).decision().deniedBy().orElseThrow().name())
                .isEqualTo("team-daily");
        assertThat(remaining(guard, dave, "user-daily")).isEqualTo(3);
        assertThat(remaining(guard, dave, global)).isEqualTo(1);

        // Denied by the global quota (1 left, 2 asked): erin and team C keep everything.
        assertThat(guard.reserve(erin, Charge.requests(2)).decision().deniedBy().orElseThrow().name())
                .isEqualTo(global);
        assertThat(remaining(guard, erin, "user-daily")).isEqualTo(3);
        assertThat(remaining(guard, erin, "team-daily")).isEqualTo(6);
        assertThat(remaining(guard, erin, global)).isEqualTo(1);
    }

    @Test
    void allowedCallChargesEveryRule() {
        Guard guard = guard(everyAlgorithmOfTokens(1_000));
        Subject alice = user("alice");

        Decision decision = guard.reserve(alice, Charge.tokens(1).plusRequest()).decision();

        assertThat(decision.rules()).extracting(RuleStatus::name)
                .containsExactly("bucket", "fixed", "sliding", "quota", "in-flight");
        for (String rule : TOKEN_RULES) {
            assertThat(remaining(guard, alice, rule)).as(rule).isEqualTo(999);
        }
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Dry run
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void dryRunRuleReportsWouldDenyButNeverDeniesNorChargesWhatItWouldDeny() {
        Guard guard = guard(plan(
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY),
                Rule.quota("shadow").meter(Meter.TOKENS).limit(5).per(Period.DAY).dryRun()));
        Subject alice = user("alice");

        Reservation three = guard.reserve(alice, Charge.tokens(3));
        assertThat(three.decision().dryRunHits()).isEmpty();
        assertThat(three.decision().rule("shadow").orElseThrow().remaining()).isEqualTo(2);

        Reservation four = guard.reserve(alice, Charge.tokens(4));
        assertThat(four.allowed()).isTrue();
        assertThat(four.decision().deniedBy()).isEmpty();
        assertThat(four.decision().dryRunHits()).extracting(RuleStatus::name).containsExactly("shadow");
        assertThat(four.decision().reason()).isEqualTo("allowed; dry-run rule shadow would deny: shadow: 5 tokens per day: "
                + "2 tokens left, this call needs 4 tokens; resets at 2026-11-23T00:00Z");
        assertThat(remaining(guard, alice, "shadow")).as("a call the dry-run rule would deny is not charged to it")
                .isEqualTo(2);
        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(93);

        Reservation two = guard.reserve(alice, Charge.tokens(2));
        assertThat(two.decision().dryRunHits()).isEmpty();
        assertThat(remaining(guard, alice, "shadow")).isZero();

        // Releasing the call it was never charged for gives the dry-run rule nothing back.
        four.release();
        assertThat(remaining(guard, alice, "shadow")).isZero();
        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(95);
    }

    @Test
    void dryRunHitIsReportedOnACallALiveRuleDenies() {
        Guard guard = guard(plan(
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(10).per(Period.DAY),
                Rule.tokenBucket("shadow-burst").meter(Meter.TOKENS).capacity(5).refill(5, Duration.ofMinutes(1))
                        .dryRun()));
        Subject alice = user("alice");

        Decision denied = guard.reserve(alice, Charge.tokens(11)).decision();

        assertThat(denied.deniedBy().orElseThrow().name()).isEqualTo("daily-tokens");
        assertThat(denied.dryRunHits()).extracting(RuleStatus::name).containsExactly("shadow-burst");
        assertThat(remaining(guard, alice, "shadow-burst")).isEqualTo(5);
    }

    // ---------------------------------------------------------------------------------------------------------
    // check, status, reasons
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void checkNeverCharges() {
        Guard guard = guard(everyAlgorithmOfTokens(1_000));
        Subject alice = user("alice");

        for (int i = 0; i < 20; i++) {
            Decision decision = guard.check(alice, Charge.tokens(600).plusRequest());
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.reservationId()).isNull();
            // A check reports what would be left after the call.
            assertThat(decision.rule("quota").orElseThrow().remaining()).isEqualTo(400);
        }

        for (String rule : TOKEN_RULES) {
            assertThat(remaining(guard, alice, rule)).as(rule).isEqualTo(1_000);
        }
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(2);
    }

    @Test
    void statusShowsWhatRemainsOnEveryRule() {
        Guard guard = guard(plan(
                Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1)),
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(20_000).per(Period.DAY),
                Rule.concurrency("in-flight").limit(2).lease(Duration.ofMinutes(5))));
        Subject alice = user("alice");
        guard.reserve(alice, Charge.tokens(1_500).plusRequest());

        Decision status = guard.status(alice);

        assertThat(status.allowed()).isTrue();
        assertThat(status.retryAfter()).contains(Duration.ZERO);
        RuleStatus burst = status.rule("burst").orElseThrow();
        assertThat(burst.limit()).isEqualTo(5);
        assertThat(burst.remaining()).isEqualTo(4);
        assertThat(burst.resetAt()).isEqualTo(Instant.parse("2026-11-22T10:00:12Z"));
        RuleStatus daily = status.rule("daily-tokens").orElseThrow();
        assertThat(daily.limit()).isEqualTo(20_000);
        assertThat(daily.remaining()).isEqualTo(18_500);
        assertThat(daily.resetAt()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
        RuleStatus inFlight = status.rule("in-flight").orElseThrow();
        assertThat(inFlight.limit()).isEqualTo(2);
        assertThat(inFlight.remaining()).isEqualTo(1);
        assertThat(inFlight.resetAt()).isEqualTo(Instant.parse("2026-11-22T10:05:00Z"));
    }

    @Test
    void statusOfAnUnknownSubjectShowsFullLimits() {
        Guard guard = guard(plan(
                Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1)),
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(20_000).per(Period.DAY)));

        Decision status = guard.status(user("nobody"));

        assertThat(status.rule("burst").orElseThrow().remaining()).isEqualTo(5);
        assertThat(status.rule("daily-tokens").orElseThrow().remaining()).isEqualTo(20_000);
    }

    @Test
    void reasonNamesTheRuleWhatIsLeftAndTheResetTime() {
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(20_000).per(Period.DAY)));
        Subject alice = user("alice");
        guard.reserve(alice, Charge.tokens(19_500));

        Decision partly = guard.check(alice, Charge.tokens(1_000));
        assertThat(partly.reason()).startsWith("daily-tokens: ")
                .contains("500 tokens left, this call needs 1,000 tokens")
                .endsWith("; resets at 2026-11-23T00:00Z");

        guard.reserve(alice, Charge.tokens(500));
        assertThat(guard.check(alice, Charge.tokens(1)).reason())
                .isEqualTo("daily-tokens: 20,000 tokens per day used up; resets at 2026-11-23T00:00Z");
    }

    @Test
    void callLargerThanTheLimitHasNoRetryAfter() {
        Guard guard = guard(plan(
                Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1)),
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(20_000).per(Period.DAY)));
        Subject alice = user("alice");

        Decision tooManyTokens = guard.reserve(alice, Charge.tokens(25_000).plusRequest()).decision();
        assertThat(tooManyTokens.denied()).isTrue();
        assertThat(tooManyTokens.retryAfter()).isEmpty();
        assertThat(tooManyTokens.waitingIsPointless()).isTrue();
        assertThat(tooManyTokens.reason()).isEqualTo(
                "daily-tokens: this call needs 25,000 tokens but the limit is 20,000 tokens per day; it can never fit");

        // Too large for the burst but not for the quota: still never.
        Decision tooManyRequests = guard.reserve(alice, Charge.requests(6)).decision();
        assertThat(tooManyRequests.deniedBy().orElseThrow().name()).isEqualTo("burst");
        assertThat(tooManyRequests.retryAfter()).isEmpty();

        // Nothing was charged by either.
        assertThat(remaining(guard, alice, "burst")).isEqualTo(5);
        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(20_000);
    }

    @Test
    void aDeniedDecisionShowsEachRuleAsItIsNotAsIfCharged() {
        Guard guard = guard(plan(
                Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1)),
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(1_000).per(Period.DAY)));
        Subject alice = user("alice");

        // 2,000 tokens never fit the daily quota; the burst would allow the request, but nothing is charged.
        Decision denied = guard.reserve(alice, Charge.tokens(2_000).plusRequest()).decision();

        assertThat(denied.allowed()).isFalse();
        assertThat(denied.rule("burst").orElseThrow().remaining()).isEqualTo(5);
        assertThat(denied.rule("daily-tokens").orElseThrow().remaining()).isEqualTo(1_000);
        // An allowed check shows what would be left once charged.
        Decision check = guard.check(alice, Charge.tokens(300).plusRequest());
        assertThat(check.rule("burst").orElseThrow().remaining()).isEqualTo(4);
        assertThat(check.rule("daily-tokens").orElseThrow().remaining()).isEqualTo(700);
    }

    @Test
    void retryAfterIsTheLongestWaitOfTheDenyingRules() {
        Guard guard = guard(plan(
                Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1)),
                Rule.fixedWindow("per-hour").limit(5).window(Duration.ofHours(1))));
        Subject alice = user("alice");
        guard.reserve(alice, Charge.requests(5));

        Decision denied = guard.check(alice, Charge.request());

        // The bucket would allow in 12s, the hourly window at 11:00, 1h from now. The decision names the window:
        // waiting 12s for the bucket would not be enough.
        assertThat(denied.deniedBy().orElseThrow().name()).isEqualTo("per-hour");
        assertThat(denied.rule("burst").orElseThrow().retryAfter()).contains(Duration.ofSeconds(12));
        assertThat(denied.rule("per-hour").orElseThrow().retryAfter()).contains(Duration.ofHours(1));
        assertThat(denied.retryAfter()).contains(Duration.ofHours(1));
    }

    @Test
    void twoGuardsOnOneStoreShareTheBudget() {
        Policy policy = Policy.of(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY)));
        Guard one = Guard.builder(policy).store(store).build();
        Guard two = Guard.builder(policy).store(store).build();
        Subject alice = user("alice");

        Reservation r = one.reserve(alice, Charge.tokens(70));
        assertThat(two.reserve(alice, Charge.tokens(40)).denied()).isTrue();
        r.settle(Charge.tokens(60));
        assertThat(two.reserve(alice, Charge.tokens(40)).allowed()).isTrue();
        assertThat(remaining(one, alice, "daily-tokens")).isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Overrides, scopes, money
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void raisedOverrideKeepsTheUsage() {
        Policy policy = Policy.of(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY)));
        Guard guard = guard(policy);
        Subject alice = user("alice");
        Subject bob = user("bob");
        guard.reserve(alice, Charge.tokens(80));
        guard.reserve(bob, Charge.tokens(80));

        guard.updatePolicy(policy.withOverride(alice.userId(),
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(200).per(Period.DAY)));

        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(120);
        assertThat(guard.status(alice).rule("daily-tokens").orElseThrow().limit()).isEqualTo(200);
        assertThat(guard.reserve(alice, Charge.tokens(120)).allowed()).isTrue();
        assertThat(remaining(guard, bob, "daily-tokens")).as("bob has no override").isEqualTo(20);
    }

    @Test
    void loweredOverrideKeepsTheUsage() {
        Policy policy = Policy.of(plan(
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY),
                Rule.tokenBucket("burst").capacity(10).refill(10, Duration.ofMinutes(1))));
        Guard guard = guard(policy);
        Subject alice = user("alice");
        guard.reserve(alice, Charge.tokens(80).plusRequest());

        guard.updatePolicy(policy
                .withOverride(alice.userId(), Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(50).per(Period.DAY))
                .withOverride(alice.userId(), Rule.tokenBucket("burst").capacity(3).refill(10, Duration.ofMinutes(1))));

        Decision denied = guard.reserve(alice, Charge.tokens(1).plusRequest()).decision();
        assertThat(denied.deniedBy().orElseThrow().name()).isEqualTo("daily-tokens");
        assertThat(denied.reason()).isEqualTo("daily-tokens: 50 tokens per day used up; resets at 2026-11-23T00:00Z");
        // The bucket spent 1 of 10 (6s of its 60s); with capacity 3 (18s) it has 12s, 2 requests, left.
        assertThat(remaining(guard, alice, "burst")).isEqualTo(2);
    }

    @Test
    void teamRuleIsSharedByEveryoneInTheTeam() {
        Guard guard = guard(plan(
                Rule.quota("user-daily").meter(Meter.TOKENS).limit(1_000).per(Period.DAY),
                Rule.quota("team-daily").meter(Meter.TOKENS).limit(10).per(Period.DAY).scope(Scope.TEAM)));
        String team = id("research");
        Subject alice = user("alice").inTeam(team);
        Subject bob = user("bob").inTeam(team);

        assertThat(guard.reserve(alice, Charge.tokens(6)).allowed()).isTrue();
        assertThat(guard.reserve(bob, Charge.tokens(4)).allowed()).isTrue();

        assertThat(guard.reserve(bob, Charge.tokens(1)).decision().deniedBy().orElseThrow().name())
                .isEqualTo("team-daily");
        assertThat(guard.reserve(alice, Charge.tokens(1)).denied()).isTrue();
        assertThat(remaining(guard, alice, "user-daily")).isEqualTo(994);
        assertThat(remaining(guard, bob, "user-daily")).isEqualTo(996);
    }

    @Test
    void userWithNoTeamSkipsTeamRules() {
        Guard guard = guard(plan(
                Rule.quota("user-daily").meter(Meter.TOKENS).limit(1_000).per(Period.DAY),
                Rule.quota("team-daily").meter(Meter.TOKENS).limit(10).per(Period.DAY).scope(Scope.TEAM)));
        Subject inTeam = user("alice").inTeam(id("research"));
        Subject loner = user("carol");
        guard.reserve(inTeam, Charge.tokens(10));

        Decision decision = guard.reserve(loner, Charge.tokens(50)).decision();

        assertThat(decision.allowed()).isTrue();
        assertThat(decision.rule("team-daily")).isEmpty();
        assertThat(decision.rules()).extracting(RuleStatus::name).containsExactly("user-daily");
    }

    @Test
    void keyAndOrgScopesCountPerKeyAndPerOrg() {
        Guard guard = guard(plan(
                Rule.quota("key-daily").limit(2).per(Period.DAY).scope(Scope.KEY),
                Rule.quota("org-daily").limit(3).per(Period.DAY).scope(Scope.ORG)));
        String org = id("acme");
        Subject aliceKey1 = user("alice").inOrg(org).withKey(id("key-1"));
        Subject aliceKey2 = user("alice").inOrg(org).withKey(id("key-2"));

        assertThat(guard.reserve(aliceKey1, Charge.requests(2)).allowed()).isTrue();
        assertThat(guard.reserve(aliceKey1, Charge.request()).decision().deniedBy().orElseThrow().name())
                .isEqualTo("key-daily");
        assertThat(guard.reserve(aliceKey2, Charge.request()).allowed()).isTrue();
        assertThat(guard.reserve(aliceKey2, Charge.request()).decision().deniedBy().orElseThrow().name())
                .isEqualTo("org-daily");
        assertThat(remaining(guard, aliceKey2, "key-daily")).isEqualTo(1);
    }

    @Test
    void moneyQuotaCountsMicroDollars() {
        Guard guard = guard(plan(Rule.quota("monthly-spend").limit(Money.usd("5.00")).per(Period.MONTH)));
        Subject alice = user("alice");

        Reservation big = guard.reserve(alice, Charge.money(Money.usd("4.999999")));
        assertThat(big.allowed()).isTrue();
        assertThat(big.decision().rule("monthly-spend").orElseThrow().limit()).isEqualTo(5_000_000);
        assertThat(big.decision().rule("monthly-spend").orElseThrow().remaining()).isEqualTo(1);
        assertThat(guard.reserve(alice, Charge.money(Money.ofMicros(2))).denied()).isTrue();
        assertThat(guard.reserve(alice, Charge.request().withMicros(1)).allowed()).isTrue();

        Decision denied = guard.reserve(alice, Charge.money(Money.ofMicros(1))).decision();
        assertThat(denied.denied()).isTrue();
        assertThat(denied.reason()).isEqualTo("monthly-spend: $5.00 per month used up; resets at 2026-12-01T00:00Z");
    }

    @Test
    void moneyRefundIsExactToTheMicroDollar() {
        Guard guard = guard(plan(Rule.quota("daily-spend").limit(Money.usd("1.00")).per(Period.DAY)));
        Subject alice = user("alice");

        Reservation r = guard.reserve(alice, Charge.tokens(2_000).usd(Money.usd("0.30")));
        r.settle(Charge.tokens(1_234).usd(Money.usd("0.012345")));

        assertThat(remaining(guard, alice, "daily-spend")).isEqualTo(1_000_000 - 12_345);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Concurrency: real threads, a stopped clock, exact totals
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void hammeringATokenBucketAdmitsExactlyItsCapacity() throws Exception {
        long capacity = 1_000;
        Guard guard = guard(plan(Rule.tokenBucket("burst").meter(Meter.TOKENS).capacity(capacity)
                .refill(capacity, Duration.ofHours(1))));
        assertAdmitsExactly(guard, user("alice"), "burst", capacity);
    }

    @Test
    void hammeringADailyQuotaAdmitsExactlyItsLimit() throws Exception {
        long limit = 1_000;
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(limit).per(Period.DAY)));
        assertAdmitsExactly(guard, user("alice"), "daily-tokens", limit);
    }

    @Test
    void hammeringASlidingWindowAdmitsExactlyItsLimit() throws Exception {
        long limit = 1_000;
        Guard guard = guard(plan(Rule.slidingWindow("hourly").meter(Meter.TOKENS).limit(limit)
                .window(Duration.ofHours(1))));
        assertAdmitsExactly(guard, user("alice"), "hourly", limit);
    }

    @Test
    void hammeringAThreeRulePlanChargesEveryRuleTheSame() throws Exception {
        // Each call is 1 request and 1-5 tokens. The burst admits 300 requests, the hour 800 tokens, the day 1,000.
        Guard guard = guard(plan(
                Rule.tokenBucket("burst").capacity(300).refill(300, Duration.ofHours(1)),
                Rule.slidingWindow("hourly-tokens").meter(Meter.TOKENS).limit(800).window(Duration.ofHours(1)),
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(1_000).per(Period.DAY)));
        Subject alice = user("alice");
        long seed = Seeds.seed();
        AtomicLong requests = new AtomicLong();
        AtomicLong tokens = new AtomicLong();

        // With the clock stopped nothing comes back, so at the end the burst or the hour is used up.
        callUntilTheSmallestIsDenied(threads(), seed, 20 * 1_000, (t, random, size) -> {
            boolean allowed = guard.reserve(alice, Charge.tokens(size).plusRequest()).allowed();
            if (allowed) {
                requests.incrementAndGet();
                tokens.addAndGet(size);
            }
            return allowed;
        });

        String why = Seeds.describe(seed);
        assertThat(requests.get()).as(why).isLessThanOrEqualTo(300);
        assertThat(tokens.get()).as(why).isLessThanOrEqualTo(800);
        assertThat(requests.get() == 300 || tokens.get() == 800).as("a binding limit is used up exactly; %s", why)
                .isTrue();
        Decision status = guard.status(alice);
        assertThat(status.rule("burst").orElseThrow().remaining()).as(why).isEqualTo(300 - requests.get());
        assertThat(status.rule("hourly-tokens").orElseThrow().remaining()).as(why).isEqualTo(800 - tokens.get());
        assertThat(status.rule("daily-tokens").orElseThrow().remaining()).as(why).isEqualTo(1_000 - tokens.get());
    }

    @Test
    void hammeringATeamQuotaFromManyUsersAdmitsExactlyItsLimit() throws Exception {
        long teamLimit = 1_000;
        Guard guard = guard(plan(
                Rule.quota("user-daily").meter(Meter.TOKENS).limit(100).per(Period.DAY),
                Rule.quota("team-daily").meter(Meter.TOKENS).limit(teamLimit).per(Period.DAY).scope(Scope.TEAM)));
        String team = id("team");
        int threads = threads();
        // Each user has 100 of their own; the team has fewer than the users together when there are over 10.
        long seed = Seeds.seed();
        AtomicLongArray admitted = new AtomicLongArray(threads);

        Subject[] members = new Subject[threads];
        for (int t = 0; t < threads; t++) {
            members[t] = user("member-" + t).inTeam(team);
        }
        callUntilTheSmallestIsDenied(threads, seed, 20 * 100, (t, random, size) -> {
            boolean allowed = guard.reserve(members[t], Charge.tokens(size)).allowed();
            if (allowed) {
                admitted.addAndGet(t, size);
            }
            return allowed;
        });

        String why = Seeds.describe(seed);
        long total = 0;
        for (int t = 0; t < threads; t++) {
            Subject member = user("member-" + t).inTeam(team);
            assertThat(remaining(guard, member, "user-daily")).as("member %d; %s", t, why)
                    .isEqualTo(100 - admitted.get(t));
            total += admitted.get(t);
        }
        assertThat(total).as(why).isEqualTo(Math.min(teamLimit, 100L * threads));
        assertThat(remaining(guard, user("member-0").inTeam(team), "team-daily")).as(why)
                .isEqualTo(teamLimit - total);
    }

    @Test
    void hammeringAQuotaThatTwoPlansShareAdmitsExactlyItsLimit() throws Exception {
        // One user switching plans call by call: each plan has its own burst, and both share the daily quota. The
        // user's state gains the second plan's burst while other threads are deciding on it.
        long limit = 1_000;
        Plan first = plan(Rule.tokenBucket("burst").capacity(10_000).refill(10_000, Duration.ofHours(1)),
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(limit).per(Period.DAY));
        Plan second = Plan.named("second")
                .rule(Rule.tokenBucket("burst-tokens").meter(Meter.TOKENS).capacity(10_000)
                        .refill(10_000, Duration.ofHours(1)))
                .rule(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(limit).per(Period.DAY));
        Guard guard = guard(first, second);
        Subject onFirst = user("alice");
        Subject onSecond = Subject.user(onFirst.userId(), "second");
        long seed = Seeds.seed();
        AtomicLong admitted = new AtomicLong();
        AtomicLong callsOnFirst = new AtomicLong();
        AtomicLong tokensOnSecond = new AtomicLong();

        callUntilTheSmallestIsDenied(threads(), seed, 20 * 1_000, (t, random, size) -> {
            boolean viaFirst = random.nextBoolean();
            boolean allowed = guard.reserve(viaFirst ? onFirst : onSecond, Charge.tokens(size).plusRequest()).allowed();
            if (allowed) {
                admitted.addAndGet(size);
                (viaFirst ? callsOnFirst : tokensOnSecond).addAndGet(viaFirst ? 1 : size);
            }
            return allowed;
        });

        String why = Seeds.describe(seed);
        assertThat(admitted.get()).as(why).isEqualTo(limit);
        assertThat(remaining(guard, onFirst, "daily-tokens")).as(why).isZero();
        assertThat(remaining(guard, onFirst, "burst")).as(why).isEqualTo(10_000 - callsOnFirst.get());
        assertThat(remaining(guard, onSecond, "burst-tokens")).as(why).isEqualTo(10_000 - tokensOnSecond.get());
    }

    @Test
    void hammeringAQuotaFromOneCellAndSeveralCellPlansAdmitsExactlyItsLimit() throws Exception {
        // The same user quota, charged by a user-only plan (decided on the user's state alone) and by a plan that
        // also has a global rule (decided on two entities at once), from many threads: the two ways of writing
        // the user's state must never lose or double a charge.
        long limit = 2_000;
        Plan alone = plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(limit).per(Period.DAY));
        String global = "global-daily-" + run;
        Plan withGlobal = Plan.named("with-global")
                .rule(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(limit).per(Period.DAY))
                .rule(Rule.quota(global).meter(Meter.TOKENS).limit(1_000_000).per(Period.DAY).scope(Scope.GLOBAL));
        Guard guard = guard(alone, withGlobal);
        Subject onAlone = user("alice");
        Subject onGlobal = Subject.user(onAlone.userId(), "with-global");
        long seed = Seeds.seed();
        AtomicLong admitted = new AtomicLong();
        AtomicLong admittedWithGlobal = new AtomicLong();

        callUntilTheSmallestIsDenied(threads(), seed, 20 * 1_000, (t, random, size) -> {
            boolean viaGlobal = random.nextInt(4) == 0;
            boolean allowed = guard.reserve(viaGlobal ? onGlobal : onAlone, Charge.tokens(size)).allowed();
            if (allowed) {
                admitted.addAndGet(size);
                if (viaGlobal) {
                    admittedWithGlobal.addAndGet(size);
                }
            }
            return allowed;
        });

        String why = Seeds.describe(seed);
        assertThat(admitted.get()).as(why).isEqualTo(limit);
        assertThat(remaining(guard, onAlone, "daily-tokens")).as(why).isZero();
        assertThat(remaining(guard, onGlobal, global)).as(why).isEqualTo(1_000_000 - admittedWithGlobal.get());
    }
    @Test
    void concurrencyLimitAdmitsExactlyItsLimitAtOnce() throws Exception {
        int limit = 8;
        Guard guard = guard(plan(Rule.concurrency("in-flight").limit(limit)));
        Subject alice = user("alice");
        int threads = threads();
        CyclicBarrier allReserved = new CyclicBarrier(threads);
        AtomicInteger admitted = new AtomicInteger();

        inParallel(threads, t -> {
            Reservation r = guard.reserve(alice, Charge.request());
            if (r.allowed()) {
                admitted.incrementAndGet();
            }
            // Nobody ends a call before everyone has asked, so exactly `limit` calls hold a slot.
            allReserved.await(STUCK_SECONDS, TimeUnit.SECONDS);
            r.close();
            return null;
        });

        assertThat(admitted.get()).isEqualTo(Math.min(limit, threads));
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(limit);
    }

    @Test
    void concurrencyLimitIsNeverExceededWhileCallsComeAndGo() throws Exception {
        int limit = 4;
        Guard guard = guard(plan(Rule.concurrency("in-flight").limit(limit)));
        Subject alice = user("alice");
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        AtomicLong admitted = new AtomicLong();
        int calls = callsPerThread();

        inParallel(threads(), t -> {
            for (int i = 0; i < calls; i++) {
                Reservation r = guard.reserve(alice, Charge.request());
                if (!r.allowed()) {
                    continue;
                }
                admitted.incrementAndGet();
                // Counted only between an allowed reserve and its release, so never more than the slots held.
                mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                guard.check(alice, Charge.NONE); // hold the slot across a store call
                inFlight.decrementAndGet();
                if (i % 2 == 0) {
                    r.release();
                } else {
                    r.settle(Charge.request());
                }
            }
            return null;
        });

        assertThat(mostInFlight.get()).isBetween(1, limit);
        assertThat(admitted.get()).isPositive();
        assertThat(remaining(guard, alice, "in-flight")).isEqualTo(limit);
    }

    @Test
    void settlesAndReleasesRacingFromManyThreadsLeaveExactlyTheActuals() throws Exception {
        int threads = threads();
        int calls = callsPerThread();
        long big = 1_000_000_000L;
        // A bucket refilling 1,000,000 tokens a second costs exactly 1µs a token, so its sums are exact too.
        Guard guard = guard(plan(
                Rule.tokenBucket("bucket").meter(Meter.TOKENS).capacity(big).refill(1_000_000, Duration.ofSeconds(1)),
                Rule.fixedWindow("fixed").meter(Meter.TOKENS).limit(big).window(Duration.ofHours(1)),
                Rule.slidingWindow("sliding").meter(Meter.TOKENS).limit(big).window(Duration.ofHours(1)),
                Rule.quota("quota").meter(Meter.TOKENS).limit(big).per(Period.DAY),
                Rule.quota("team-quota").meter(Meter.TOKENS).limit(big).per(Period.DAY).scope(Scope.TEAM),
                Rule.concurrency("in-flight").limit((long) threads * calls + threads)));
        Subject alice = user("alice").inTeam(id("team"));
        long seed = Seeds.seed();
        List<ConcurrentLinkedQueue<Reservation>> reservedBy = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            reservedBy.add(new ConcurrentLinkedQueue<>());
        }
        CyclicBarrier allReserved = new CyclicBarrier(threads);
        AtomicLong actuals = new AtomicLong();
        AtomicInteger denied = new AtomicInteger();

        inParallel(threads, t -> {
            SplittableRandom random = new SplittableRandom(seed + t);
            for (int i = 0; i < calls; i++) {
                Reservation r = guard.reserve(alice, Charge.tokens(1 + random.nextInt(1_000)).plusRequest());
                if (!r.allowed()) {
                    denied.incrementAndGet();
                }
                reservedBy.get(t).add(r);
            }
            allReserved.await(STUCK_SECONDS, TimeUnit.SECONDS);
            // Settle another thread's reservations while making and settling new ones.
            for (Reservation r : reservedBy.get((t + 1) % threads)) {
                finishRandomly(r, random, actuals);
                Reservation fresh = guard.reserve(alice, Charge.tokens(1 + random.nextInt(1_000)).plusRequest());
                if (!fresh.allowed()) {
                    denied.incrementAndGet();
                }
                finishRandomly(fresh, random, actuals);
            }
            return null;
        });

        String why = Seeds.describe(seed);
        assertThat(denied.get()).as(why).isZero();
        for (String rule : List.of("bucket", "fixed", "sliding", "quota", "team-quota")) {
            assertThat(remaining(guard, alice, rule)).as("%s; %s", rule, why).isEqualTo(big - actuals.get());
        }
        assertThat(remaining(guard, alice, "in-flight")).as(why).isEqualTo((long) threads * calls + threads);
    }

    @Test
    void settlingOneReservationFromManyThreadsTakesEffectOnce() throws Exception {
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(1_000_000).per(Period.DAY)));
        Subject alice = user("alice");
        int threads = Math.min(threads(), 16);
        long expectedUsed = 0;

        for (int round = 0; round < 20; round++) {
            Reservation r = guard.reserve(alice, Charge.tokens(100));
            AtomicInteger settled = new AtomicInteger();
            AtomicInteger released = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            inParallel(threads, t -> {
                try {
                    if (t % 2 == 0) {
                        r.settle(Charge.tokens(300));
                        settled.incrementAndGet();
                    } else {
                        r.release();
                        released.incrementAndGet();
                    }
                } catch (IllegalStateException expected) {
                    refused.incrementAndGet();
                }
                return null;
            });
            assertThat(settled.get() + released.get()).as("round %d", round).isEqualTo(1);
            assertThat(refused.get()).as("round %d", round).isEqualTo(threads - 1);
            expectedUsed += settled.get() * 300L;
            assertThat(remaining(guard, alice, "daily-tokens")).as("round %d", round)
                    .isEqualTo(1_000_000 - expectedUsed);
        }
    }

    @Test
    void sweepingWhileReservingNeverLosesACharge() throws Exception {
        // Every thread has two users and a team of its own, and releases each call but the last per user, so their
        // state keeps going back to full: just what a sweeper drops. A reserve that races a sweep and charges state
        // that is being dropped shows at once, in the check that follows it.
        long big = 1_000_000_000L;
        Guard guard = guard(plan(
                Rule.quota("quota").meter(Meter.TOKENS).limit(big).per(Period.DAY),
                Rule.tokenBucket("bucket").meter(Meter.TOKENS).capacity(big).refill(1_000_000, Duration.ofSeconds(1)),
                Rule.concurrency("in-flight").limit(1),
                Rule.quota("team-quota").meter(Meter.TOKENS).limit(big).per(Period.DAY).scope(Scope.TEAM)));
        int workers = threads();
        int sweepers = Math.max(1, workers / 8);
        int calls = 4 * callsPerThread();
        long seed = Seeds.seed();
        String why = Seeds.describe(seed);
        Subject[][] subjects = new Subject[workers][2];
        for (int t = 0; t < workers; t++) {
            subjects[t][0] = user("first-" + t).inTeam(id("team-" + t));
            subjects[t][1] = user("second-" + t).inTeam(id("team-" + t));
        }
        long[][] kept = new long[workers][2];
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong sweeps = new AtomicLong();
        ExecutorService sweeping = Executors.newFixedThreadPool(sweepers);
        List<Future<?>> sweeperRuns = new ArrayList<>();
        for (int i = 0; i < sweepers; i++) {
            sweeperRuns.add(sweeping.submit(() -> {
                do {
                    sweep(store);
                    sweeps.incrementAndGet();
                } while (!done.get());
            }));
        }
        try {
            inParallel(workers, t -> {
                SplittableRandom random = new SplittableRandom(seed + t);
                for (int i = 0; i < calls; i++) {
                    int which = i % 2;
                    Subject subject = subjects[t][which];
                    long size = 1 + random.nextInt(100);
                    Reservation r = guard.reserve(subject, Charge.tokens(size).plusRequest());
                    if (!r.allowed()) {
                        throw new AssertionError("call " + i + " of thread " + t + " denied: " + r.decision().reason()
                                + "; " + why);
                    }
                    Decision now = guard.status(subject);
                    long userUsed = kept[t][which] + size;
                    long teamUsed = kept[t][0] + kept[t][1] + size;
                    expectRemaining(now, "quota", big - userUsed, t, i, why);
                    expectRemaining(now, "bucket", big - userUsed, t, i, why);
                    expectRemaining(now, "in-flight", 0, t, i, why);
                    expectRemaining(now, "team-quota", big - teamUsed, t, i, why);
                    if (i >= calls - 2) {
                        long actual = random.nextInt(100);
                        r.settle(Charge.tokens(actual).plusRequest());
                        kept[t][which] += actual;
                    } else {
                        r.release();
                    }
                }
                return null;
            });
        } finally {
            done.set(true);
            sweeping.shutdown();
            for (Future<?> run : sweeperRuns) {
                run.get(STUCK_SECONDS, TimeUnit.SECONDS);
            }
        }
        sweep(store);

        for (int t = 0; t < workers; t++) {
            for (int which = 0; which < 2; which++) {
                Decision status = guard.status(subjects[t][which]);
                expectRemaining(status, "quota", big - kept[t][which], t, calls, why);
                expectRemaining(status, "bucket", big - kept[t][which], t, calls, why);
                expectRemaining(status, "in-flight", 1, t, calls, why);
                expectRemaining(status, "team-quota", big - kept[t][0] - kept[t][1], t, calls, why);
            }
        }
        assertThat(sweeps.get()).isPositive();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    /** Why a thread that should have been denied long ago gives up, rather than spin forever on a broken store. */
    private static final String NO_END = "a thread made 20 times more calls than the limit allows without its "
            + "smallest call being denied; ";

    /** The token rules of {@link #everyAlgorithmOfTokens}, in plan order. */
    private static final List<String> TOKEN_RULES = List.of("bucket", "fixed", "sliding", "quota");

    /**
     * One rule of each algorithm, all of {@code limit} tokens (the bucket refills 1 token per second), plus a
     * concurrency limit of 2.
     */
    private static Plan everyAlgorithmOfTokens(long limit) {
        return plan(
                Rule.tokenBucket("bucket").meter(Meter.TOKENS).capacity(limit).refill(limit, Duration.ofSeconds(limit)),
                Rule.fixedWindow("fixed").meter(Meter.TOKENS).limit(limit).window(Duration.ofHours(1)),
                Rule.slidingWindow("sliding").meter(Meter.TOKENS).limit(limit).window(Duration.ofHours(1)),
                Rule.quota("quota").meter(Meter.TOKENS).limit(limit).per(Period.DAY),
                Rule.concurrency("in-flight").limit(2));
    }

    /**
     * Every thread calls until a call of one token is denied, trying sizes 1-5: with the clock stopped nothing
     * comes back, so at the end the rule is used up, and what was admitted is exactly its limit.
     */
    private void assertAdmitsExactly(Guard guard, Subject subject, String rule, long limit) throws Exception {
        long seed = Seeds.seed();
        AtomicLong admitted = new AtomicLong();

        callUntilTheSmallestIsDenied(threads(), seed, 20 * limit, (t, random, size) -> {
            boolean allowed = guard.reserve(subject, Charge.tokens(size)).allowed();
            if (allowed) {
                admitted.addAndGet(size);
            }
            return allowed;
        });

        String why = Seeds.describe(seed);
        assertThat(admitted.get()).as("admitted tokens; %s", why).isEqualTo(limit);
        assertThat(remaining(guard, subject, rule)).as(why).isZero();
    }

    /** One call of {@code size} tokens by thread {@code thread}, which may draw more from its {@code random}. */
    @FunctionalInterface
    private interface SizedCall {
        /** Makes the call; true if it was allowed. */
        boolean allowed(int thread, SplittableRandom random, long size) throws Exception;
    }

    /**
     * Every thread makes calls of 1-5 tokens, sized by its own seeded random, until a call of one token is denied:
     * with the clock stopped, the limit that binds is then used up. A thread that makes {@code maxCalls} without
     * that fails the test instead of spinning forever on a broken store.
     */
    private static void callUntilTheSmallestIsDenied(int threads, long seed, long maxCalls, SizedCall call)
            throws Exception {
        inParallel(threads, t -> {
            SplittableRandom random = new SplittableRandom(seed + t);
            for (long n = 0; n < maxCalls; n++) {
                long size = 1 + random.nextInt(5);
                if (!call.allowed(t, random, size) && size == 1) {
                    return null;
                }
            }
            throw new AssertionError(NO_END + Seeds.describe(seed));
        });
    }

    private static void expectRemaining(Decision decision, String rule, long expected, int thread, int call,
                                        String why) {
        long remaining = decision.rule(rule).orElseThrow().remaining();
        if (remaining != expected) {
            throw new AssertionError(rule + " has " + remaining + " left after call " + call + " of thread " + thread
                    + ", expected " + expected + ": a charge was lost; " + why);
        }
    }

    private static void finishRandomly(Reservation r, SplittableRandom random, AtomicLong actuals) {
        if (random.nextInt(4) == 0) {
            r.release();
        } else {
            long actual = random.nextInt(2_001);
            r.settle(Charge.tokens(actual).plusRequest());
            actuals.addAndGet(actual);
        }
    }

    /** Work for one of several threads; {@code thread} is its index, from 0. */
    @FunctionalInterface
    protected interface ThreadWork<T> {
        /** Does the thread's share. */
        T run(int thread) throws Exception;
    }

    /**
     * Runs {@code work} on {@code threads} threads that start together at a barrier, and returns their results in
     * thread order. The first thread to fail fails the test with its own error, and the others are interrupted; a
     * thread stuck for a minute fails it too.
     */
    protected static <T> List<T> inParallel(int threads, ThreadWork<T> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<T> results = new ArrayList<>(threads);
        Throwable failure = null;
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<T>> futures = new ArrayList<>(threads);
            for (int t = 0; t < threads; t++) {
                int index = t;
                futures.add(pool.submit(() -> {
                    start.await(STUCK_SECONDS, TimeUnit.SECONDS);
                    return work.run(index);
                }));
            }
            for (Future<T> future : futures) {
                results.add(future.get(STUCK_SECONDS, TimeUnit.SECONDS));
            }
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (TimeoutException e) {
            failure = new AssertionError("a thread was still working after " + STUCK_SECONDS + "s", e);
        } finally {
            pool.shutdownNow();
            if (!pool.awaitTermination(STUCK_SECONDS, TimeUnit.SECONDS) && failure == null) {
                failure = new AssertionError("worker threads did not stop");
            }
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure instanceof Exception exception) {
            throw exception;
        }
        return results;
    }

    /** A guard over the store under test, enforcing these plans. */
    protected final Guard guard(Plan... plans) {
        return guard(Policy.of(plans));
    }

    /** A guard over the store under test, enforcing this policy. */
    protected final Guard guard(Policy policy) {
        return Guard.builder(policy).store(store).build();
    }

    /** The plan {@link #PLAN} of these rules. */
    protected static Plan plan(Rule.Builder<?>... rules) {
        Plan plan = Plan.named(PLAN);
        for (Rule.Builder<?> rule : rules) {
            plan = plan.rule(rule);
        }
        return plan;
    }

    /** An id unique to this test: {@code name} and a suffix. */
    protected final String id(String name) {
        return name + "-" + run;
    }

    /** A user on {@link #PLAN} whose id is unique to this test. */
    protected final Subject user(String name) {
        return Subject.user(id(name), PLAN);
    }

    /** What the subject has left on a rule. */
    protected static long remaining(Guard guard, Subject subject, String rule) {
        return guard.status(subject).rule(rule)
                .orElseThrow(() -> new AssertionError("no rule " + rule + " applies to " + subject))
                .remaining();
    }
}
