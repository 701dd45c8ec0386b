package dev.tollgate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class CoarseClockTest {

    private static long deadline() {
        return System.nanoTime() + Duration.ofSeconds(10).toNanos();
    }

    @Test
    void busyReadersWakeTheTickerWhichTicksToTheMillisecondAndIsNeverAheadOfTheSystemClock() {
        CoarseClock clock = new CoarseClock();
        clock.acquire();
        try {
            long deadline = deadline();
            while (!clock.isTicking()) { // a tight loop reads far more than 64 times a millisecond
                clock.nowMicros();
                assertThat(System.nanoTime()).as("busy readers wake the ticker within 10 s").isLessThan(deadline);
            }
            long first = clock.nowMicros();
            long previous = first;
            while (previous == first) {
                long now = clock.nowMicros();
                long system = System.currentTimeMillis() * 1_000;
                assertThat(now).as("never ahead of the system clock").isLessThanOrEqualTo(system);
                assertThat(now % 1_000).as("to the millisecond").isZero();
                assertThat(now).as("never back").isGreaterThanOrEqualTo(previous);
                assertThat(System.nanoTime()).as("ticks within 10 s").isLessThan(deadline);
                previous = now;
            }
            assertThat(previous).isGreaterThan(first);
        } finally {
            clock.release();
        }
    }

    @Test
    void withoutReadersTheTickerParksAndReadsGoToTheSystemClock() {
        CoarseClock clock = new CoarseClock();
        clock.acquire();
        try {
            long deadline = deadline();
            while (!clock.isTicking()) {
                clock.nowMicros();
                assertThat(System.nanoTime()).isLessThan(deadline);
            }
            while (clock.isTicking()) { // nobody reads now
                assertThat(System.nanoTime()).as("an unread ticker parks within 10 s").isLessThan(deadline);
                Thread.onSpinWait();
            }
            long before = System.currentTimeMillis() * 1_000;
            long now = clock.nowMicros();
            long after = System.currentTimeMillis() * 1_000;
            assertThat(now).as("read from the system clock").isBetween(before, after);
            assertThat(clock.isHeld()).isTrue();
        } finally {
            clock.release();
        }
    }

    @Test
    void theLastReleaseStopsTheThreadAndReadsFallBackToTheSystemClock() {
        CoarseClock clock = new CoarseClock();
        clock.acquire();
        clock.acquire();
        clock.release();
        assertThat(clock.isHeld()).as("one holder left").isTrue();
        clock.release();
        assertThat(clock.isHeld()).isFalse();
        assertThat(clock.isTicking()).isFalse();
        clock.release(); // an extra release is harmless
        assertThat(clock.isHeld()).isFalse();

        long before = System.currentTimeMillis() * 1_000;
        long now = clock.nowMicros();
        long after = System.currentTimeMillis() * 1_000;
        assertThat(now).isBetween(before, after);
    }

    @Test
    void holdersOnManyThreadsKeepTheThreadExactlyWhileAnyHoldsIt() throws Exception {
        CoarseClock clock = new CoarseClock();
        int threads = 16;
        int rounds = 200;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        clock.acquire();
                        try {
                            assertThat(clock.isHeld()).as("held, so its thread exists").isTrue();
                            for (int r = 0; r < 100; r++) {
                                assertThat(clock.nowMicros()).isLessThanOrEqualTo(System.currentTimeMillis() * 1_000);
                            }
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
        assertThat(clock.isHeld()).as("every holder released it").isFalse();
        assertThat(clock.isTicking()).isFalse();
    }
}
