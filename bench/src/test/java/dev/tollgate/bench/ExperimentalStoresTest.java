package dev.tollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.Charge;
import dev.tollgate.Subject;
import dev.tollgate.internal.CompiledPolicy;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Limit;
import dev.tollgate.store.MemoryStore;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import dev.tollgate.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The experimental lock and CAS stores decide exactly as MemoryStore does, and never overshoot under threads. */
class ExperimentalStoresTest {

    private static final Clock FIXED = Clock.fixed(Instant.parse("2026-05-22T10:00:00Z"), ZoneOffset.UTC);

    private static Policy plan() {
        return Policy.of(Plan.named("p")
                .rule(Rule.tokenBucket("burst").capacity(500).refill(1, Duration.ofSeconds(1)))
                .rule(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(300_000).per(Period.DAY))
                .rule(Rule.quota("monthly-usd").limit(1_000_000_000).meter(Meter.USD).per(Period.MONTH)));
    }

    private static Batch batch(Policy policy, Charge charge) {
        Subject subject = Subject.user("u", "p");
        List<Operation> ops = new ArrayList<>();
        for (Limit limit : new CompiledPolicy(policy).limitsFor(subject)) {
            ops.add(new Operation(limit, "u", charge.amount(limit.rule().meter())));
        }
        return new Batch(ops, true, 1);
    }

    @Test
    void experimentalStoresDecideAsMemoryStoreDoes() {
        Batch batch = batch(plan(), new Charge(1, 1_000, 1_500));
        Store memory = MemoryStore.withClock(FIXED);
        Store lock = new LockStore(FIXED);
        Store cas = new CasStore(FIXED);
        for (int i = 0; i < 400; i++) {
            Outcome expected = memory.apply(batch);
            for (Store store : List.of(lock, cas)) {
                Outcome actual = store.apply(batch);
                assertThat(actual.committed()).as("call %d on %s", i, store).isEqualTo(expected.committed());
                for (int op = 0; op < expected.size(); op++) {
                    assertThat(actual.remaining(op)).isEqualTo(expected.remaining(op));
                    assertThat(actual.resetAtMicros(op)).isEqualTo(expected.resetAtMicros(op));
                    assertThat(actual.retryAfterMicros(op)).isEqualTo(expected.retryAfterMicros(op));
                }
            }
        }
    }

    @Test
    void concurrentCallsNeverAdmitMoreThanTheTightestRule() throws InterruptedException {
        // The daily quota (300 calls of 1,000 tokens) binds before the bucket of 500.
        Batch batch = batch(plan(), new Charge(1, 1_000, 1_500));
        for (Store store : List.of(new LockStore(FIXED), new CasStore(FIXED))) {
            AtomicLong admitted = new AtomicLong();
            int threads = 4;
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < 20_000; i++) {
                        if (store.apply(batch).committed()) {
                            admitted.incrementAndGet();
                        }
                    }
                });
                worker.start();
                workers.add(worker);
            }
            start.countDown();
            for (Thread worker : workers) {
                worker.join();
            }
            assertThat(admitted.get()).as("%s", store).isEqualTo(300);
        }
    }
}
