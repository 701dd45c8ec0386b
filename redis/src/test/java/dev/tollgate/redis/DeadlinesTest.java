package dev.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.redis.internal.Deadlines;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The sweep that times out the store's calls in flight (FaultTest runs it against a stopped server). */
class DeadlinesTest {

    @Test
    void aCallStillWaitingAfterTheTimeoutIsFailedAsLate() throws Exception {
        try (Deadlines deadlines = new Deadlines(TimeUnit.MILLISECONDS.toNanos(50))) {
            CompletableFuture<String> call = new CompletableFuture<>();
            long start = System.nanoTime();
            int slot = deadlines.track(call);
            assertThat(slot).isNotNegative();
            assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(Deadlines.Late.class).hasMessage("no answer within 50 ms");
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
            deadlines.done(slot);
        }
    }

    @Test
    void anAnsweredCallKeepsItsAnswer() throws Exception {
        try (Deadlines deadlines = new Deadlines(TimeUnit.MILLISECONDS.toNanos(20))) {
            CompletableFuture<String> answered = new CompletableFuture<>();
            int slot = deadlines.track(answered);
            answered.complete("ok");
            // A later call that is never answered shows the sweep has passed the answered one's deadline.
            CompletableFuture<String> late = new CompletableFuture<>();
            int other = deadlines.track(late);
            assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(Deadlines.Late.class);
            assertThat(answered.get()).isEqualTo("ok");
            deadlines.done(slot);
            deadlines.done(other);
        }
    }

    @Test
    void aCallThatFindsEverySlotTakenIsNotTrackedAndAFreedSlotIsTakenAgain() {
        try (Deadlines deadlines = new Deadlines(TimeUnit.SECONDS.toNanos(60))) {
            int[] slots = new int[Deadlines.SLOTS];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = deadlines.track(new CompletableFuture<>());
                assertThat(slots[i]).isNotNegative();
            }
            assertThat(deadlines.track(new CompletableFuture<>())).isEqualTo(-1);
            deadlines.done(slots[17]);
            assertThat(deadlines.track(new CompletableFuture<>())).isEqualTo(slots[17]);
        }
    }

    @Test
    void anIdleSweepParksWithoutATimeoutUntilACallIsTracked() {
        try (Deadlines deadlines = new Deadlines(TimeUnit.SECONDS.toNanos(60))) {
            // WAITING, not TIMED_WAITING: a park with no timeout, so an idle store's sweep never wakes by itself.
            awaitSweeper(deadlines, state -> state == Thread.State.WAITING, "an idle sweep parked without a timeout");
            int slot = deadlines.track(new CompletableFuture<>());
            awaitSweeper(deadlines, state -> state != Thread.State.WAITING, "a tracked call waking the sweep");
            deadlines.done(slot);
            awaitSweeper(deadlines, state -> state == Thread.State.WAITING, "the sweep parked again once idle");
        }
    }

    @Test
    void aCallTrackedAfterAnIdleSpellIsFailedAsLate() throws Exception {
        long timeoutMillis = 50;
        try (Deadlines deadlines = new Deadlines(TimeUnit.MILLISECONDS.toNanos(timeoutMillis))) {
            awaitSweeper(deadlines, state -> state == Thread.State.WAITING, "an idle sweep parked without a timeout");
            CompletableFuture<String> call = new CompletableFuture<>();
            long start = System.nanoTime();
            int slot = deadlines.track(call);
            assertThat(slot).isNotNegative();
            // The guarantee is the timeout plus a tick; 2 s more is room for a loaded machine.
            assertThatThrownBy(() -> call.get(timeoutMillis + 2_000, TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(Deadlines.Late.class);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
            deadlines.done(slot);
        }
    }

    @Test
    void closingStopsAnIdleSweep() {
        Deadlines deadlines = new Deadlines(TimeUnit.SECONDS.toNanos(60));
        awaitSweeper(deadlines, state -> state == Thread.State.WAITING, "an idle sweep parked without a timeout");
        deadlines.close();
        awaitSweeper(deadlines, state -> state == Thread.State.TERMINATED, "the sweep thread ending on close");
    }

    @Test
    void manyThreadsTrackingWithIdleGapsNeverLoseAWakeUp() throws Exception {
        // Rounds of: every thread tracks and answers a burst of calls at once (the sweep wakes and falls asleep under
        // them); then, with nothing in flight, a few threads (at least one, often only one) each track a call that is
        // never answered: at once, after a pause of up to two ticks, or just as the sweep is looking at the empty
        // table before it sleeps. A lost wake-up leaves the sweep asleep with the call in flight, and no later call
        // in the round to wake it, so that call is never failed.
        long timeoutMillis = 8;
        long tickNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis) / 4;
        int threads = 8;
        int rounds = 200;
        AtomicInteger tracked = new AtomicInteger();
        AtomicInteger failedLate = new AtomicInteger();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        try (Deadlines deadlines = new Deadlines(TimeUnit.MILLISECONDS.toNanos(timeoutMillis))) {
            CyclicBarrier barrier = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                runs.add(pool.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    try {
                        for (int round = 0; round < rounds; round++) {
                            barrier.await(10, TimeUnit.SECONDS);
                            for (int i = random.nextInt(32); i > 0; i--) {
                                CompletableFuture<String> answered = new CompletableFuture<>();
                                int slot = deadlines.track(answered);
                                answered.complete("ok");
                                deadlines.done(slot);
                            }
                            barrier.await(10, TimeUnit.SECONDS);
                            if (thread != round % threads && random.nextInt(4) != 0) {
                                continue;
                            }
                            switch (random.nextInt(4)) {
                                case 0 -> { }
                                case 1 -> LockSupport.parkNanos(random.nextLong(2 * tickNanos));
                                default -> { // the narrowest race, so the likeliest to be lost: half the time
                                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
                                    while (deadlines.sweeperState() != Thread.State.RUNNABLE
                                            && System.nanoTime() < until) {
                                        Thread.onSpinWait();
                                    }
                                }
                            }
                            CompletableFuture<String> never = new CompletableFuture<>();
                            int slot = deadlines.track(never);
                            assertThat(slot).isNotNegative();
                            tracked.incrementAndGet();
                            try {
                                assertThatThrownBy(() -> never.get(timeoutMillis + 2_000, TimeUnit.MILLISECONDS))
                                        .as("a call never answered, round %d", round)
                                        .isInstanceOf(ExecutionException.class).cause()
                                        .isInstanceOf(Deadlines.Late.class);
                                failedLate.incrementAndGet();
                            } finally {
                                deadlines.done(slot);
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                        barrier.reset(); // the others stop at once rather than at the barrier's timeout
                    }
                }));
            }
            pool.shutdown();
            for (Future<?> run : runs) {
                run.get(2, TimeUnit.MINUTES);
            }
            // The first error is the cause; the others are mostly the broken barrier it left.
            assertThat(errors).as("errors").isEmpty();
            assertThat(tracked.get()).isGreaterThanOrEqualTo(rounds);
            assertThat(failedLate.get()).isEqualTo(tracked.get());
            awaitSweeper(deadlines, state -> state == Thread.State.WAITING, "the sweep parked once idle again");
        }
    }

    // Polls the sweep thread's state: it is reached within the bound, or the test fails.
    private static void awaitSweeper(Deadlines deadlines, Predicate<Thread.State> reached, String what) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Thread.State state = deadlines.sweeperState();
        while (!reached.test(state) && System.nanoTime() < until) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            state = deadlines.sweeperState();
        }
        assertThat(reached).as("%s (sweep thread %s)", what, state).accepts(state);
    }
}
