package dev.tollgate.bench;

import dev.tollgate.Charge;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.internal.CoarseClock;
import dev.tollgate.internal.CompiledPolicy;
import dev.tollgate.policy.Policy;
import dev.tollgate.store.Batch;
import dev.tollgate.store.MemoryStore;
import dev.tollgate.store.Outcome;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Lock or compare-and-set for one hot subject's state? Run at {@code -t 1} and {@code -t 2}.
 *
 * <ul>
 *   <li>{@code memoryStore}: {@link MemoryStore#apply}, the real store (a per-cell sequence lock: optimistic reads,
 *       one CAS to charge).</li>
 *   <li>{@code lockStore} / {@code casStore}: two minimal stores that share every step but the atomicity mechanism
 *       ({@link LockStore}, {@link CasStore}): the difference is lock versus CAS alone.</li>
 *   <li>{@code guardMemoryStore} / {@code guardCasStore}: the whole {@code Guard.reserve} path over each.</li>
 *   <li>{@code bucket4jLockFree} / {@code bucket4jSynchronized}: the same question answered inside a peer, which
 *       ships both strategies.</li>
 * </ul>
 *
 * <p>The stores get one pre-built {@link Batch}, so only the store's work is measured.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class LockVsCasBench {

    /** One rule (token bucket) or three (bucket, daily tokens, monthly money). */
    @Param({"1", "3"})
    public int rules;

    /** Whether the hot subject's burst bucket lets calls through. */
    @Param({"ALLOW", "DENY"})
    public String outcome;

    Subject subject;
    Batch batch;
    MemoryStore memory;
    LockStore lock;
    CasStore cas;
    Guard guardMemory;
    Guard guardCas;
    Bucket bucket4jLockFree;
    Bucket bucket4jSynchronized;

    @Setup
    public void setUp() {
        boolean deny = outcome.equals("DENY");
        Policy policy = rules == 1 ? BenchPlans.oneRule(deny) : BenchPlans.threeRules(deny);
        subject = Subject.user(KeySpace.HOT_ID, KeySpace.PLAN);
        Charge charge = charge();
        // The batch a guard would build, and one clock for every store: the memory store's millisecond field.
        batch = Batch.of(new CompiledPolicy(policy).variantFor(subject).limits(), subject, charge, true, 1);
        memory = MemoryStore.create();
        lock = new LockStore(CoarseClock.SHARED::nowMicros);
        cas = new CasStore(CoarseClock.SHARED::nowMicros);
        guardMemory = Guard.builder(policy).store(MemoryStore.create()).build();
        guardCas = Guard.builder(policy).store(new CasStore(CoarseClock.SHARED::nowMicros)).build();
        bucket4jLockFree = BenchPlans.bucket4j(deny, rules, SynchronizationStrategy.LOCK_FREE);
        bucket4jSynchronized = BenchPlans.bucket4j(deny, rules, SynchronizationStrategy.SYNCHRONIZED);
    }

    Charge charge() {
        return rules == 1 ? Charge.request() : BenchPlans.threeRuleCharge();
    }

    /** A thread's count of allowed and denied calls, reported by JMH next to each figure. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counts {
        public long allowed;
        public long denied;
        /** CPU time this thread used during the iteration, spinning and retrying included. */
        public long cpuNanos;
        // JMH zeroes the counters after the iteration's setup, so the start is kept apart.
        private long cpuStart;

        @Setup(Level.Iteration)
        public void reset() {
            allowed = 0;
            denied = 0;
            cpuStart = Cursor.cpuNanos();
        }

        @TearDown(Level.Iteration)
        public void stopCpuClock() {
            cpuNanos = Cursor.cpuNanos() - cpuStart;
        }

        boolean count(boolean ok) {
            if (ok) {
                allowed++;
            } else {
                denied++;
            }
            return ok;
        }
    }

    @Benchmark
    public boolean memoryStore(Counts c, Blackhole bh) {
        Outcome o = memory.apply(batch);
        bh.consume(o);
        return c.count(o.committed());
    }

    @Benchmark
    public boolean lockStore(Counts c, Blackhole bh) {
        Outcome o = lock.apply(batch);
        bh.consume(o);
        return c.count(o.committed());
    }

    @Benchmark
    public boolean casStore(Counts c, Blackhole bh) {
        Outcome o = cas.apply(batch);
        bh.consume(o);
        return c.count(o.committed());
    }

    @Benchmark
    public boolean guardMemoryStore(Counts c, Blackhole bh) {
        Reservation r = guardMemory.reserve(subject, charge());
        bh.consume(r);
        return c.count(r.allowed());
    }

    @Benchmark
    public boolean guardCasStore(Counts c, Blackhole bh) {
        Reservation r = guardCas.reserve(subject, charge());
        bh.consume(r);
        return c.count(r.allowed());
    }

    @Benchmark
    public boolean bucket4jLockFree(Counts c, Blackhole bh) {
        ConsumptionProbe p = bucket4jLockFree.tryConsumeAndReturnRemaining(1);
        bh.consume(p);
        return c.count(p.isConsumed());
    }

    @Benchmark
    public boolean bucket4jSynchronized(Counts c, Blackhole bh) {
        ConsumptionProbe p = bucket4jSynchronized.tryConsumeAndReturnRemaining(1);
        bh.consume(p);
        return c.count(p.isConsumed());
    }
}
