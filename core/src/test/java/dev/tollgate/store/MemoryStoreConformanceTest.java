package dev.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.Charge;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import dev.tollgate.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The memory store against the conformance suite, plus what only it does: dropping idle cells. */
class MemoryStoreConformanceTest extends StoreConformanceTest {

    @Override
    protected Store newStore(MutableClock clock) {
        return MemoryStore.withClock(clock);
    }

    @Override
    protected void sweep(Store store) {
        ((MemoryStore) store).cleanUp();
    }

    private MemoryStore memory() {
        return (MemoryStore) store;
    }

    @Test
    void cleanUpDropsABucketOnceItHasRefilled() {
        // One request costs 12s of a bucket refilling 5 per minute.
        Guard guard = guard(plan(Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1))));
        Subject alice = user("alice");
        guard.reserve(alice, Charge.request());
        assertThat(memory().size()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(12).minusNanos(1_000));
        memory().cleanUp();
        assertThat(memory().size()).as("kept while not full").isEqualTo(1);
        assertThat(remaining(guard, alice, "burst")).isEqualTo(4);

        clock.advance(Duration.ofNanos(1_000));
        memory().cleanUp();
        assertThat(memory().size()).isZero();
        assertThat(remaining(guard, alice, "burst")).isEqualTo(5);
    }

    @Test
    void cleanUpDropsAQuotaAtTheEndOfItsDayAndNotBefore() {
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY)));
        Subject alice = user("alice");
        guard.reserve(alice, Charge.tokens(30));

        clock.set(Instant.parse("2026-11-22T23:59:59.999999Z"));
        memory().cleanUp();
        assertThat(memory().size()).isEqualTo(1);
        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(70);

        clock.set(Instant.parse("2026-11-23T00:00:00Z"));
        memory().cleanUp();
        assertThat(memory().size()).isZero();
    }

    @Test
    void cleanUpKeepsASlidingWindowWhileItsPreviousWindowCounts() {
        Guard guard = guard(plan(Rule.slidingWindow("sliding").meter(Meter.TOKENS).limit(10)
                .window(Duration.ofMinutes(1))));
        Subject alice = user("alice");
        clock.set(Instant.parse("2026-11-22T10:00:15Z"));
        guard.reserve(alice, Charge.tokens(8));

        // [10:00, 10:01) still weighs on the sliding window until 10:02.
        clock.set(Instant.parse("2026-11-22T10:01:59.999999Z"));
        memory().cleanUp();
        assertThat(memory().size()).isEqualTo(1);

        clock.set(Instant.parse("2026-11-22T10:02:00Z"));
        memory().cleanUp();
        assertThat(memory().size()).isZero();
    }

    @Test
    void cleanUpDropsCellsAsSoonAsTheirCallsAreReleased() {
        Guard guard = guard(plan(
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY),
                Rule.concurrency("in-flight").limit(2),
                Rule.quota("team-daily").meter(Meter.TOKENS).limit(100).per(Period.DAY).scope(Scope.TEAM)));
        Subject alice = user("alice").inTeam(id("team"));
        Reservation r = guard.reserve(alice, Charge.tokens(10).plusRequest());
        memory().cleanUp();
        assertThat(memory().size()).as("a user cell and a team cell").isEqualTo(2);

        r.release();
        memory().cleanUp();
        assertThat(memory().size()).isZero();
    }

    @Test
    void cleanUpDropsAnExpiredLease() {
        Guard guard = guard(plan(Rule.concurrency("in-flight").limit(1).lease(Duration.ofSeconds(30))));
        Subject alice = user("alice");
        guard.reserve(alice, Charge.request());

        clock.advance(Duration.ofSeconds(29));
        memory().cleanUp();
        assertThat(memory().size()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        memory().cleanUp();
        assertThat(memory().size()).isZero();
    }

    @Test
    void chargesAfterACleanUpLandInAFreshCell() {
        Guard guard = guard(plan(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY)));
        Subject alice = user("alice");
        Reservation r = guard.reserve(alice, Charge.tokens(40));
        clock.set(Instant.parse("2026-11-23T00:00:00Z"));
        memory().cleanUp();
        assertThat(memory().size()).isZero();

        // Settling yesterday's call above its estimate charges today, in a cell made afresh.
        r.settle(Charge.tokens(55));
        assertThat(memory().size()).isEqualTo(1);
        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(85);
    }

    @Test
    void oneOffUsersDoNotStayInTheHeapWithoutACleanUp() {
        // Every user makes one call and never returns; a second later each bucket is full again. New users pay for
        // sweeping old ones, so the store holds about the users of the last moment, not all of them.
        Guard guard = guard(plan(Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofSeconds(1))));
        int users = 100_000;
        long most = 0;
        for (int i = 0; i < users; i++) {
            assertThat(guard.reserve(user("one-off-" + i), Charge.request()).allowed()).isTrue();
            clock.advance(Duration.ofMillis(1));
            most = Math.max(most, memory().size());
        }
        assertThat(most).as("cells held at most, of %d one-off users", users).isLessThan(5_000);
    }

    @Test
    void aStoreOnTheSystemClockDecidesAtTheSystemTimeToTheMillisecondNeverAhead() {
        long before = System.currentTimeMillis();
        try (MemoryStore system = MemoryStore.create()) {
            Guard guard = Guard.builder(dev.tollgate.policy.Policy.of(
                    plan(Rule.tokenBucket("burst").capacity(2).refill(2, Duration.ofHours(1))))).store(system).build();
            // The store's clock lags the system clock by a tick or so, so wait (boundedly) until it has passed
            // `before`; from then on its decisions are stamped between then and now.
            awaitStoreTimeAtLeast(guard, before);
            long from = before;
            Reservation r = guard.reserve(user("alice"), Charge.request());
            long after = System.currentTimeMillis();
            assertThat(r.decision().decidedAt().toEpochMilli()).isBetween(from, after);
            assertThat(r.decision().decidedAt().getNano() % 1_000_000).as("to the millisecond").isZero();
            assertThat(r.decision().rule("burst").orElseThrow().remaining()).isEqualTo(1);
            assertThat(guard.reserve(user("alice"), Charge.request()).allowed()).isTrue();
            assertThat(guard.reserve(user("alice"), Charge.request()).allowed()).as("the third of two").isFalse();
        }
    }

    private void awaitStoreTimeAtLeast(Guard guard, long millis) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (guard.check(user("clock-probe"), Charge.request()).decidedAt().toEpochMilli() < millis) {
            assertThat(System.nanoTime()).as("the store's clock reaches the system time within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void aDecisionReadOnAnotherThreadShowsTheNumbersOfItsOwnInstant() throws Exception {
        // The memory store works out remaining and reset only when they are read; by then the state has moved on,
        // so the numbers must come from what the decision saw, on whichever thread reads them.
        Guard guard = guard(plan(Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1)),
                Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100).per(Period.DAY)));
        Subject alice = user("alice");
        Reservation first = guard.reserve(alice, Charge.tokens(30).plusRequest());
        for (int i = 0; i < 3; i++) {
            guard.reserve(alice, Charge.tokens(10).plusRequest());
        }
        var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            var decision = pool.submit(first::decision).get();
            assertThat(decision.rule("burst").orElseThrow().remaining()).isEqualTo(4);
            assertThat(decision.rule("daily-tokens").orElseThrow().remaining()).isEqualTo(70);
        } finally {
            pool.shutdownNow();
        }
        assertThat(remaining(guard, alice, "daily-tokens")).isEqualTo(40);
    }
}
