package dev.tollgate.bench;

import dev.tollgate.Charge;
import dev.tollgate.Guard;
import dev.tollgate.Subject;
import dev.tollgate.policy.Policy;
import dev.tollgate.store.MemoryStore;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiter;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;

/**
 * Retained heap per subject with N subjects (1,000,000 unless given): Tollgate's memory store after one reserve per
 * subject on a one-rule and a three-rule plan, against one Bucket4j bucket per subject in a
 * {@link ConcurrentHashMap} (one and three bandwidths), and, for scale, one Resilience4j or Guava limiter per
 * subject. Both faces use the same String ids ({@code "user-" + i}).
 *
 * <p>Two measures: JOL's walk of the whole structure (guard or map, ids included) divided by N, also shown without
 * the ids; and the used heap after a full GC, before and after building it (the ids exist before, so this one
 * excludes them). The memory store runs on a fixed clock so that no cell goes idle and is swept while measuring.
 *
 * <pre>{@code
 * java -Xms6g -Xmx6g -Djdk.attach.allowAttachSelf=true -XX:+EnableDynamicAgentLoading \
 *     --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
 *     --add-opens java.base/java.util.concurrent=ALL-UNNAMED --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED \
 *     --add-opens java.base/java.util.concurrent.locks=ALL-UNNAMED --add-opens java.base/java.time=ALL-UNNAMED \
 *     --add-opens java.base/java.time.zone=ALL-UNNAMED \
 *     -cp bench/target/benchmarks.jar dev.tollgate.bench.HeapPerSubject [N] [label filter] [footprint]
 * }</pre>
 *
 * <p>On JDK 25, JOL 0.17 needs either self-attach (the two flags above; sizes then come from the VM's
 * instrumentation) or {@code -Djol.magicFieldOffset=true}, because {@code Unsafe.objectFieldOffset} refuses record
 * fields. The {@code --add-opens} flags matter for speed only: without them JOL builds and throws an access exception
 * for every JDK field it reads, and the walk of 1,000,000 subjects takes tens of minutes instead of a few.
 */
public final class HeapPerSubject {

    private static final Clock FIXED = Clock.fixed(Instant.parse("2026-05-22T10:00:00Z"), ZoneOffset.UTC);

    private static boolean footprint;

    private HeapPerSubject() {
    }

    public static void main(String[] args) throws InterruptedException {
        int n = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        String filter = args.length > 1 ? args[1] : "";
        footprint = args.length > 2 && args[2].equals("footprint");
        System.out.println(VM.current().details());
        System.out.printf(Locale.ROOT, "JVM %s %s, %s, max heap %d MiB, subjects %,d%n",
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList(),
                Runtime.getRuntime().maxMemory() >> 20, n);

        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = "user-" + i;
        }
        long idBytes = GraphLayout.parseInstance((Object) ids).totalSize() - VM.current().sizeOf(ids);
        System.out.printf(Locale.ROOT, "ids alone: %.1f bytes per subject (String + byte[])%n%n", (double) idBytes / n);
        System.out.printf(Locale.ROOT, "%-34s %14s %14s %14s%n", "structure", "JOL B/subject", "JOL excl. ids",
                "GC delta B/subj");

        measure("tollgate MemoryStore, 1 rule", n, idBytes, filter, () -> tollgate(BenchPlans.oneRule(false),
                Charge.request(), ids));
        measure("tollgate MemoryStore, 3 rules", n, idBytes, filter, () -> tollgate(BenchPlans.threeRules(),
                BenchPlans.threeRuleCharge(), ids));
        measure("bucket4j CHM, 1 bandwidth", n, idBytes, filter, () -> {
            ConcurrentHashMap<String, Bucket> map = new ConcurrentHashMap<>();
            for (String id : ids) {
                map.computeIfAbsent(id, k -> BenchPlans.bucket4j(false)).tryConsume(1);
            }
            return map;
        });
        measure("bucket4j CHM, 3 bandwidths", n, idBytes, filter, () -> {
            ConcurrentHashMap<String, Bucket> map = new ConcurrentHashMap<>();
            for (String id : ids) {
                map.computeIfAbsent(id, k -> BenchPlans.bucket4jThree()).tryConsume(1);
            }
            return map;
        });
        measure("resilience4j CHM, 1 limiter", n, idBytes, filter, () -> {
            ConcurrentHashMap<String, RateLimiter> map = new ConcurrentHashMap<>();
            for (String id : ids) {
                map.computeIfAbsent(id, k -> BenchPlans.resilience4j(k, false)).acquirePermission();
            }
            return map;
        });
        measure("guava CHM, 1 limiter", n, idBytes, filter, () -> {
            ConcurrentHashMap<String, com.google.common.util.concurrent.RateLimiter> map = new ConcurrentHashMap<>();
            for (String id : ids) {
                map.computeIfAbsent(id, k -> BenchPlans.guava(false)).tryAcquire();
            }
            return map;
        });
    }

    private static Guard tollgate(Policy policy, Charge charge, String[] ids) {
        MemoryStore store = MemoryStore.withClock(FIXED);
        Guard guard = Guard.builder(policy).store(store).build();
        for (String id : ids) {
            if (!guard.reserve(Subject.user(id, KeySpace.PLAN), charge).allowed()) {
                throw new IllegalStateException("denied " + id);
            }
        }
        if (store.size() != ids.length) {
            throw new IllegalStateException("store holds " + store.size() + " cells, expected " + ids.length);
        }
        return guard;
    }

    private static void measure(String label, int n, long idBytes, String filter, Supplier<Object> build)
            throws InterruptedException {
        if (!label.contains(filter)) {
            return;
        }
        long before = usedAfterGc();
        Object root = build.get();
        long after = usedAfterGc();
        GraphLayout layout = GraphLayout.parseInstance(root);
        long jol = layout.totalSize();
        if (footprint) {
            System.out.println(layout.toFootprint());
        }
        System.out.printf(Locale.ROOT, "%-34s %14.1f %14.1f %14.1f%n", label, (double) jol / n,
                (double) (jol - idBytes) / n, (double) (after - before) / n);
        java.lang.ref.Reference.reachabilityFence(root);
    }

    private static long usedAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
