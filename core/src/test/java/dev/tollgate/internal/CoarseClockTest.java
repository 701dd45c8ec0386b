package dev.tollgate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class CoarseClockTest {

    @Test
    void whileHeldItTicksToTheMillisecondAndIsNeverAheadOfTheSystemClock() {
        CoarseClock clock = new CoarseClock();
        clock.acquire();
        try {
            assertThat(clock.isTicking()).isTrue();
            long first = clock.nowMicros();
            long previous = first;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            // Reads until the ticker has moved it on: a stopped ticker would fail at the deadline.
            while (previous == first) {
                long now = clock.nowMicros();
                long system = System.currentTimeMillis() * 1_000;
                assertThat(now).as("never ahead of the system clock").isLessThanOrEqualTo(system);
                assertThat(now % 1_000).as("to the millisecond").isZero();
                assertThat(now).as("never back").isGreaterThanOrEqualTo(previous);
                assertThat(System.nanoTime()).as("ticks within 10 s").isLessThan(deadline);
                previous = now;
                Thread.onSpinWait();
            }
            assertThat(previous).isGreaterThan(first);
        } finally {
            clock.release();
        }
    }

    @Test
    void theLastReleaseStopsTheTickerAndReadsFallBackToTheSystemClock() {
        CoarseClock clock = new CoarseClock();
        clock.acquire();
        clock.acquire();
        clock.release();
        assertThat(clock.isTicking()).as("one holder left").isTrue();
        clock.release();
        assertThat(clock.isTicking()).isFalse();
        clock.release(); // an extra release is harmless
        assertThat(clock.isTicking()).isFalse();

        long before = System.currentTimeMillis() * 1_000;
        long now = clock.nowMicros();
        long after = System.currentTimeMillis() * 1_000;
        assertThat(now).isBetween(before, after);
    }

    @Test
    void holdersOnManyThreadsLeaveItRunningExactlyWhileAnyHoldsIt() throws Exception {
        CoarseClock clock = new CoarseClock();
        int threads = 16;
        int rounds = 200;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        clock.acquire();
                        try {
                            assertThat(clock.isTicking()).as("held, so ticking").isTrue();
                            assertThat(clock.nowMicros()).isLessThanOrEqualTo(System.currentTimeMillis() * 1_000);
                        } finally {
                            clock.release();
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(failures).isEmpty();
        assertThat(clock.isTicking()).as("every holder released it").isFalse();
        assertThat(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("tollgate-clock") && t.isAlive()).count())
                .as("ticker threads left running by this clock and any store still open").isLessThanOrEqualTo(1);
    }
}
