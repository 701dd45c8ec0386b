package dev.tollgate.bench;

import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.store.MemoryStore;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.util.concurrent.ConcurrentHashMap;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * A three-rule plan (burst token bucket, daily token quota, monthly money quota) against a Bucket4j bucket with three
 * bandwidths (greedy burst, 1-day and 30-day interval refills), for one hot subject and for 1,000,000 Zipf-drawn
 * subjects. Almost every call is allowed. Bucket4j counts one unit in all three bandwidths; Tollgate charges a
 * request, 1,000 tokens and 1,500 micro-USD to three different meters in the same atomic step.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class ThreeRuleBench {

    /** Which subjects are called. */
    public enum Workload { HOT, ZIPF }

    @Param({"HOT", "ZIPF"})
    public Workload workload;

    Subject[] subjects;
    String[] ids;
    int[] draws;
    MemoryStore store;
    Guard guard;
    final ConcurrentHashMap<String, Bucket> bucket4j = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, Bucket> bucket4jCoarseClock = new ConcurrentHashMap<>();

    @Setup
    public void setUp(BenchmarkParams params) {
        if (workload == Workload.ZIPF) {
            KeySpace keys = KeySpace.get();
            ids = keys.ids;
            subjects = keys.subjects;
            draws = keys.draws;
        } else {
            ids = new String[] {KeySpace.HOT_ID};
            subjects = new Subject[] {Subject.user(KeySpace.HOT_ID, KeySpace.PLAN)};
            draws = new int[] {0};
        }
        store = MemoryStore.create();
        guard = Guard.builder(BenchPlans.threeRules()).store(store).build();
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        Keys warm = new Keys();
        warm.bind(draws, null);
        Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        for (int n = 0, passes = Math.max(draws.length, 100_000); n < passes; n++) {
            if (method.startsWith("tollgate")) {
                tollgate(warm, bh);
            } else if (method.equals("bucket4jCoarseClock")) {
                bucket4jCoarseClock(warm);
            } else {
                bucket4jTryConsume(warm);
            }
        }
        bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
    }

    @TearDown
    public void tearDown() {
        System.out.printf("%n[state] tollgate cells=%d bucket4j=%d%n", store.size(), bucket4j.size());
        guard.close();
    }

    /** A thread's cursor over this benchmark's key sequence. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Keys extends Cursor {
        public long allowed;
        public long denied;
        /** CPU time this thread used during the iteration, for CPU nanoseconds per call. */
        public long cpuNanos;
        // JMH zeroes the counters after the iteration's setup, so the start is kept apart.
        private long cpuStart;

        @Setup
        public void bind(ThreeRuleBench bench, ThreadParams thread) {
            bind(bench.draws, thread);
        }

        @Setup(Level.Iteration)
        public void resetCounts() {
            allowed = 0;
            denied = 0;
            cpuStart = cpuNanos();
        }

        @TearDown(Level.Iteration)
        public void stopCpuClock() {
            cpuNanos = cpuNanos() - cpuStart;
        }

        @Override
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
    public boolean tollgate(Keys c, Blackhole bh) {
        Reservation r = guard.reserve(subjects[c.next()], BenchPlans.threeRuleCharge());
        bh.consume(r);
        return c.count(r.allowed());
    }

    /** Tollgate, reading the decision (every rule's remaining and reset, retry-after, reason). */
    @Benchmark
    public boolean tollgateDecision(Keys c, Blackhole bh) {
        Decision d = guard.reserve(subjects[c.next()], BenchPlans.threeRuleCharge()).decision();
        bh.consume(d);
        return c.count(d.allowed());
    }

    @Benchmark
    public boolean bucket4jTryConsume(Keys c) {
        return c.count(bucket4j.computeIfAbsent(ids[c.next()], id -> BenchPlans.bucket4jThree()).tryConsume(1));
    }

    /** Bucket4j's 3-bandwidth tryConsume on Tollgate's millisecond clock field: the engines without the clock read. */
    @Benchmark
    public boolean bucket4jCoarseClock(Keys c) {
        return c.count(bucket4jCoarseClock.computeIfAbsent(ids[c.next()], id -> BenchPlans.bucket4jCoarseClock(false, 3))
                .tryConsume(1));
    }

    @Benchmark
    public boolean bucket4jProbe(Keys c, Blackhole bh) {
        ConsumptionProbe p = bucket4j.computeIfAbsent(ids[c.next()], id -> BenchPlans.bucket4jThree())
                .tryConsumeAndReturnRemaining(1);
        bh.consume(p);
        return c.count(p.isConsumed());
    }
}
