package dev.tollgate.bench;

import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.store.MemoryStore;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.resilience4j.ratelimiter.RateLimiter;
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
 * One token-bucket rule per subject: how many decisions a second each library makes.
 *
 * <ul>
 *   <li>{@code HOT_ALLOW}: one subject, almost every call allowed.</li>
 *   <li>{@code HOT_DENY}: one subject, almost every call denied.</li>
 *   <li>{@code ZIPF_ALLOW}: 1,000,000 subjects drawn from the {@link KeySpace} Zipf sequence, almost all allowed.</li>
 * </ul>
 *
 * <p>Per-subject peers keep one limiter per id in a {@link ConcurrentHashMap} filled with {@code computeIfAbsent},
 * as an app would; Tollgate keys its own state. Each structure is warmed by one pass over the key sequence before
 * measuring, so the figures are steady state. Run with {@code -t 1} and {@code -t 2}.
 *
 * <p>The heap is fixed and touched at start-up ({@code -XX:+AlwaysPreTouch}): on a VM whose first touch of a page is
 * slow, an untouched young generation otherwise makes the allocating contenders look several times slower in the
 * first seconds.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class OneRuleBench {

    /** Which subjects are called, and whether their limit lets calls through. */
    public enum Workload { HOT_ALLOW, HOT_DENY, ZIPF_ALLOW }

    @Param({"HOT_ALLOW", "HOT_DENY", "ZIPF_ALLOW"})
    public Workload workload;

    String[] ids;
    Subject[] subjects;
    int[] draws;
    Guard guard;
    MemoryStore store;
    final ConcurrentHashMap<String, Bucket> bucket4j = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, Bucket> bucket4jCoarseClock = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, RateLimiter> resilience4j = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, com.google.common.util.concurrent.RateLimiter> guava = new ConcurrentHashMap<>();
    boolean deny;

    @Setup
    public void setUp(BenchmarkParams params) {
        deny = workload == Workload.HOT_DENY;
        if (workload == Workload.ZIPF_ALLOW) {
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
        guard = Guard.builder(BenchPlans.oneRule(deny)).store(store).build();
        // Warm only the contender being measured: one pass over the keys creates its state.
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        Keys warm = new Keys();
        warm.bind(draws, null);
        int passes = Math.max(draws.length, 100_000);
        Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        for (int n = 0; n < passes; n++) {
            switch (method) {
                case "tollgate", "tollgateDecision", "tollgateNewSubject" -> tollgate(warm, bh);
                case "bucket4jTryConsume", "bucket4jProbe" -> bucket4jTryConsume(warm);
                case "bucket4jCoarseClock" -> bucket4jCoarseClock(warm);
                case "resilience4j" -> resilience4j(warm);
                case "guava" -> guava(warm);
                default -> throw new IllegalStateException("no warm-up for " + method);
            }
        }
        bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
    }

    @TearDown
    public void tearDown() {
        System.out.printf("%n[state] tollgate cells=%d bucket4j=%d resilience4j=%d guava=%d%n", store.size(),
                bucket4j.size(), resilience4j.size(), guava.size());
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
        public void bind(OneRuleBench bench, ThreadParams thread) {
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
        Reservation r = guard.reserve(subjects[c.next()], Charge.request());
        bh.consume(r);
        return c.count(r.allowed());
    }

    /** Tollgate, reading the decision (remaining, retry-after, reason): the fair match for Bucket4j's probe. */
    @Benchmark
    public boolean tollgateDecision(Keys c, Blackhole bh) {
        Decision d = guard.reserve(subjects[c.next()], Charge.request()).decision();
        bh.consume(d);
        return c.count(d.allowed());
    }

    /** Tollgate, building the Subject on every call as a request handler does. */
    @Benchmark
    public boolean tollgateNewSubject(Keys c, Blackhole bh) {
        Reservation r = guard.reserve(Subject.user(ids[c.next()], KeySpace.PLAN), Charge.request());
        bh.consume(r);
        return c.count(r.allowed());
    }

    @Benchmark
    public boolean bucket4jTryConsume(Keys c) {
        return c.count(bucket4j.computeIfAbsent(ids[c.next()], id -> BenchPlans.bucket4j(deny)).tryConsume(1));
    }

    /** Bucket4j's tryConsume on Tollgate's millisecond clock field: the engines compared without the clock read. */
    @Benchmark
    public boolean bucket4jCoarseClock(Keys c) {
        return c.count(bucket4jCoarseClock.computeIfAbsent(ids[c.next()], id -> BenchPlans.bucket4jCoarseClock(deny, 1))
                .tryConsume(1));
    }

    /** Bucket4j returning remaining tokens and the wait: the decision that carries what a 429 needs. */
    @Benchmark
    public boolean bucket4jProbe(Keys c, Blackhole bh) {
        ConsumptionProbe p = bucket4j.computeIfAbsent(ids[c.next()], id -> BenchPlans.bucket4j(deny))
                .tryConsumeAndReturnRemaining(1);
        bh.consume(p);
        return c.count(p.isConsumed());
    }

    @Benchmark
    public boolean resilience4j(Keys c) {
        return c.count(resilience4j.computeIfAbsent(ids[c.next()], id -> BenchPlans.resilience4j(id, deny))
                .acquirePermission());
    }

    @Benchmark
    public boolean guava(Keys c) {
        return c.count(guava.computeIfAbsent(ids[c.next()], id -> BenchPlans.guava(deny)).tryAcquire());
    }
}
