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
}
