package dev.tollgate.bench.redis;

import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Rule;
import dev.tollgate.redis.RedisStore;
import dev.tollgate.redis.internal.ClientSettings;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Limit;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import io.lettuce.core.resource.ClientResources;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Tollgate's Redis store against Bucket4j's Lettuce backend, on one redis-server that this harness starts on a
 * free port, in one run. For 1, 16 and 64 concurrent callers, on one hot subject and on 100,000 subjects spread:
 * decisions per second, p50/p99 latency, and Redis commands per decision (client round trips counted by a
 * Lettuce command listener or INFO commandstats, and every command the server ran, script-internal included,
 * from total_commands_processed). Ceilings: redis-benchmark running EVALSHA of a trivial script, and a raw
 * Lettuce EVALSHA of it on one shared connection, at the same concurrency, once with Lettuce's default client
 * resources and once with the store's own ({@link ClientSettings}). Callers are virtual threads, as a server on a
 * recent JDK would run them ({@code threads=platform} for one platform thread each).
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * java -cp bench/target/benchmarks.jar dev.tollgate.bench.redis.RedisBench [seconds=5] [warmup=2] [callers=1,16,64]
 *     [only=raw,raw-store,raw-untimed,tollgate-1,tollgate-3,bucket4j] [keys=hot,spread] [threads=virtual|platform] [pairs=N]
 * </pre>
 *
 * {@code pairs=N} runs only the raw EVALSHA on the store's client (with a timed wait, and with an untimed one) and
 * Tollgate's 1- and 3-rule plans on one hot subject, interleaved N times at each caller count, and prints each round's
 * ratios and their medians.
 */
public final class RedisBench {

    private static final int SPREAD = 100_000;
    private static boolean virtual = true;
    private static final String TRIVIAL = "return 1";
    private static final java.util.concurrent.atomic.AtomicReference<Exception> FIRST_ERROR = new java.util.concurrent.atomic.AtomicReference<>();

    private interface Decision {
        boolean decide(String subject) throws Exception;
    }

    private record Result(String name, String keys, int callers, long ops, long errors, long allowed, double seconds,
                          Histogram latency, double roundTrips, double serverCommands, double redisCpuMicros,
                          double scriptMicros, double clientCpuMicros) {
        String row() {
            return String.format(Locale.ROOT, "| %-27s | %-6s | %3d | %,10.0f | %8.3f | %8.3f | %6.2f | %6.2f | %6.1f | %6.2f | %6.1f | %d |",
                    name, keys, callers, ops / seconds, latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6, roundTrips, serverCommands, redisCpuMicros, scriptMicros,
                    clientCpuMicros, errors);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            opts.put(a.substring(0, eq), a.substring(eq + 1));
        }
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "5"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "2"));
        int[] callers = java.util.Arrays.stream(opts.getOrDefault("callers", "1,16,64").split(",")).mapToInt(Integer::parseInt).toArray();
        String only = opts.getOrDefault("only", "");
        List<String> keySets = List.of(opts.getOrDefault("keys", "hot,spread").split(","));
        virtual = !opts.getOrDefault("threads", "virtual").equals("platform");
        int pairs = Integer.parseInt(opts.getOrDefault("pairs", "0"));

        System.out.println("date: " + Instant.now());
        System.out.println("machine: nproc=" + Runtime.getRuntime().availableProcessors() + ", " + cpuModel());
        System.out.println("jdk: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        System.out.println("redis: " + exec("redis-server", "--version").trim());
        System.out.println("callers: " + (virtual ? "virtual threads" : "platform threads"));
        System.out.println("load before: " + Files.readString(Path.of("/proc/loadavg")).trim());

        Path dir = Files.createTempDirectory("tollgate-bench");
        int port = freePort();
        Process server = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        String uri = "redis://127.0.0.1:" + port;
        RedisClient admin = RedisClient.create(uri);
        List<Result> results = new ArrayList<>();
        try {
            awaitPing(admin);
            StatefulRedisConnection<String, String> adminConn = admin.connect();
            RedisCommands<String, String> sync = adminConn.sync();
            String sha = sync.scriptLoad(TRIVIAL);
            // pairs=N runs the interleaved rounds instead of the full table and the redis-benchmark ceilings.
            int[] fullRunCallers = pairs > 0 ? new int[0] : callers;

            System.out.println();
            System.out.println("## Ceiling: redis-benchmark, EVALSHA of `" + TRIVIAL + "`");
            for (int c : fullRunCallers) {
                String cmd = "redis-benchmark -h 127.0.0.1 -p " + port + " -c " + c + " -n " + Math.max(50_000, c * 5_000)
                        + " -q EVALSHA " + sha + " 0";
                String out = exec("sh", "-c", cmd);
                String line = out.lines().filter(l -> l.contains("requests per second")).reduce((a, b) -> b).orElse(out);
                System.out.println("c=" + c + ": `" + cmd.replace(Integer.toString(port), "$PORT") + "` -> " + line.trim());
            }

            if (pairs > 0) {
                interleaved(uri, sync, sha, callers, pairs, seconds, warmup);
            }
            for (int c : fullRunCallers) {
                for (String keys : keySets) {
                    if (want(only, "raw") && keys.equals("hot")) {
                        results.add(raw("raw EVALSHA, defaults", null, uri, sync, sha, c, seconds, warmup));
                        print(results);
                    }
                    if (want(only, "raw-store") && keys.equals("hot")) {
                        results.add(raw("raw EVALSHA, store's client", ClientSettings.resources(), uri, sync, sha, c,
                                seconds, warmup));
                        print(results);
                    }
                    if (want(only, "raw-untimed") && keys.equals("hot")) {
                        results.add(raw("raw EVALSHA, untimed wait", ClientSettings.resources(), false, uri, sync, sha,
                                c, seconds, warmup));
                        print(results);
                    }
                    if (want(only, "tollgate-1")) {
                        results.add(tollgate("tollgate 1 rule", uri, sync, oneRule(), keys, c, seconds, warmup));
                        print(results);
                    }
                    if (want(only, "tollgate-3")) {
                        results.add(tollgate("tollgate 3 rules", uri, sync, threeRules(), keys, c, seconds, warmup));
                        print(results);
                    }
                    if (want(only, "bucket4j")) {
                        results.add(bucket4j(uri, sync, keys, c, seconds, warmup));
                        print(results);
                    }
                }
            }
            adminConn.close();
        } finally {
            admin.shutdown();
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.println();
        System.out.println("## Results");
        header();
        results.forEach(r -> System.out.println(r.row()));
        System.out.println("load after: " + Files.readString(Path.of("/proc/loadavg")).trim());
    }

    // pairs=N: the raw EVALSHA on the store's client, then Tollgate's 1-rule and 3-rule plans on one hot subject, N
    // times over, at each caller count; each round's ratios to the raw ceiling measured just before them, then the
    // medians. On a machine whose load drifts, a ratio within one round is steadier than a ratio of separate medians.
    private static void interleaved(String uri, RedisCommands<String, String> sync, String sha, int[] callers, int pairs,
                                    int seconds, int warmup) throws Exception {
        for (int c : callers) {
            System.out.println();
            System.out.println("## Interleaved at " + c + " callers: raw EVALSHA (store's client; timed, then untimed wait),"
                    + " tollgate 1 rule, 3 rules, one hot subject");
            header();
            List<double[]> rounds = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                Result raw = raw("raw EVALSHA, store's client", ClientSettings.resources(), uri, sync, sha, c, seconds, warmup);
                Result untimed = raw("raw EVALSHA, untimed wait", ClientSettings.resources(), false, uri, sync, sha, c,
                        seconds, warmup);
                Result one = tollgate("tollgate 1 rule", uri, sync, oneRule(), "hot", c, seconds, warmup);
                Result three = tollgate("tollgate 3 rules", uri, sync, threeRules(), "hot", c, seconds, warmup);
                System.out.println(raw.row());
                System.out.println(untimed.row());
                System.out.println(one.row());
                System.out.println(three.row());
                double r = raw.ops() / raw.seconds();
                double u = untimed.ops() / untimed.seconds();
                double[] round = {r, one.ops() / one.seconds(), three.ops() / three.seconds(),
                        one.ops() / one.seconds() / r, three.ops() / three.seconds() / r, u,
                        one.ops() / one.seconds() / u, three.ops() / three.seconds() / u};
                rounds.add(round);
                System.out.printf(Locale.ROOT, "round %d: raw %,.0f/s, 1 rule %,.0f/s = %.1f%%, 3 rules %,.0f/s = %.1f%%;"
                                + " raw untimed %,.0f/s, 1 rule = %.1f%%, 3 rules = %.1f%%; load %s%n",
                        i + 1, round[0], round[1], 100 * round[3], round[2], 100 * round[4], round[5], 100 * round[6],
                        100 * round[7], Files.readString(Path.of("/proc/loadavg")).trim());
            }
            StringBuilder one = new StringBuilder();
            StringBuilder three = new StringBuilder();
            int atLeastHalf = 0;
            for (double[] round : rounds) {
                one.append(one.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.1f%%", 100 * round[3]));
                three.append(three.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.1f%%", 100 * round[4]));
                if (round[3] >= 0.5) {
                    atLeastHalf++;
                }
            }
            System.out.printf(Locale.ROOT, "c=%d, %d rounds: 1 rule / raw: %s; median %.1f%%, %d of %d rounds >= 50%%%n", c,
                    rounds.size(), one, 100 * median(rounds, 3), atLeastHalf, rounds.size());
            System.out.printf(Locale.ROOT, "c=%d, %d rounds: 3 rules / raw: %s; median %.1f%%%n", c, rounds.size(), three,
                    100 * median(rounds, 4));
            System.out.printf(Locale.ROOT, "c=%d medians: raw %,.0f/s, 1 rule %,.0f/s, 3 rules %,.0f/s%n", c,
                    median(rounds, 0), median(rounds, 1), median(rounds, 2));
            int untimedHalf = 0;
            for (double[] round : rounds) {
                untimedHalf += round[6] >= 0.5 ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "c=%d, raw untimed wait %,.0f/s (median): 1 rule / it median %.1f%%, %d of %d"
                            + " rounds >= 50%%; 3 rules / it median %.1f%%%n", c, median(rounds, 5),
                    100 * median(rounds, 6), untimedHalf, rounds.size(), 100 * median(rounds, 7));
        }
    }

    private static double median(List<double[]> rounds, int column) {
        double[] v = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static boolean want(String only, String name) {
        return only.isEmpty() || List.of(only.split(",")).contains(name);
    }

    private static void header() {
        System.out.println("| implementation | keys | callers | decisions/s | p50 ms | p99 ms | round trips/decision | server cmds/decision | redis CPU µs/decision | script µs/decision | client CPU µs/decision | errors |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    }

    private static void print(List<Result> results) {
        System.out.println(results.get(results.size() - 1).row());
    }

    // ---- the contenders -------------------------------------------------------------------------------------

    private static List<Limit> oneRule() {
        return List.of(Limit.of(Rule.tokenBucket("rpm").capacity(1_000_000_000L).refill(1_000_000, Duration.ofSeconds(1)).build()));
    }

    private static List<Limit> threeRules() {
        return List.of(
                Limit.of(Rule.tokenBucket("rpm").capacity(1_000_000_000L).refill(1_000_000, Duration.ofSeconds(1)).build()),
                Limit.of(Rule.slidingWindow("tpm").meter(Meter.TOKENS).limit(1_000_000_000_000L).window(Duration.ofMinutes(1)).build()),
                Limit.of(Rule.quota("monthly").meter(Meter.USD).limit(Rule.MAX_LIMIT).per(Period.MONTH).zone(ZoneOffset.UTC).build()));
    }

    private static Result tollgate(String name, String uri, RedisCommands<String, String> sync, List<Limit> limits,
                                   String keys, int callers, int seconds, int warmup) throws Exception {
        try (RedisStore store = RedisStore.builder(uri).keyPrefix("tg" + ThreadLocalRandom.current().nextInt(1_000_000))
                .timeout(Duration.ofSeconds(2)).build()) {
            Decision d = subject -> {
                List<Operation> ops = new ArrayList<>(limits.size());
                for (Limit l : limits) {
                    ops.add(new Operation(l, subject, l.rule().meter() == Meter.REQUESTS ? 1 : 1_000));
                }
                Outcome o = store.apply(new Batch(ops, true, ThreadLocalRandom.current().nextLong()));
                if (o.fault() != null) {
                    throw new IllegalStateException(o.fault());
                }
                return o.committed();
            };
            return run(name, keys, callers, seconds, warmup, d, sync, () -> {
                Map<String, Long> stats = commandStats(sync);
                return stats.getOrDefault("evalsha", 0L) + stats.getOrDefault("eval", 0L);
            });
        }
    }

    private static Result bucket4j(String uri, RedisCommands<String, String> sync, String keys, int callers, int seconds,
                                   int warmup) throws Exception {
        RedisClient client = RedisClient.create(uri);
        LongAdder sent = new LongAdder();
        client.addListener(new CommandListener() {
            @Override
            public void commandStarted(CommandStartedEvent event) {
                sent.increment();
            }
        });
        try (StatefulRedisConnection<byte[], byte[]> conn = client.connect(ByteArrayCodec.INSTANCE)) {
            ProxyManager<byte[]> proxies = Bucket4jLettuce.casBasedBuilder(conn)
                    .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                    .requestTimeout(Duration.ofSeconds(2))
                    .build();
            BucketConfiguration config = BucketConfiguration.builder()
                    .addLimit(limit -> limit.capacity(1_000_000_000L).refillGreedy(1_000_000, Duration.ofSeconds(1)))
                    .build();
            String prefix = "b4j" + ThreadLocalRandom.current().nextInt(1_000_000) + ":";
            java.util.concurrent.ConcurrentHashMap<String, BucketProxy> buckets = new java.util.concurrent.ConcurrentHashMap<>();
            Decision d = subject -> buckets.computeIfAbsent(subject,
                    s -> proxies.builder().build((prefix + s).getBytes(StandardCharsets.UTF_8), () -> config)).tryConsume(1);
            return run("bucket4j lettuce (CAS)", keys, callers, seconds, warmup, d, sync, sent::sum);
        } finally {
            client.shutdown();
        }
    }

    private static Result raw(String name, ClientResources resources, String uri, RedisCommands<String, String> sync,
                              String sha, int callers, int seconds, int warmup) throws Exception {
        return raw(name, resources, true, uri, sync, sha, callers, seconds, warmup);
    }

    // timed: each call waits with a timeout (future.get(2 s)), as a caller that must bound its wait does; untimed, it
    // waits for as long as it takes: the cheapest wait there is, which the store's own deadline sweep comes near.
    private static Result raw(String name, ClientResources resources, boolean timed, String uri,
                              RedisCommands<String, String> sync, String sha, int callers, int seconds, int warmup)
            throws Exception {
        RedisClient client = resources == null ? RedisClient.create(uri) : RedisClient.create(resources, uri);
        try (StatefulRedisConnection<String, String> conn = client.connect()) {
            RedisAsyncCommands<String, String> async = conn.async();
            String[] noKeys = new String[0];
            Decision d = subject -> {
                var call = async.<Long>evalsha(sha, ScriptOutputType.INTEGER, noKeys);
                Long one = timed ? call.get(2, TimeUnit.SECONDS) : call.get();
                return one == 1;
            };
            return run(name, "-", callers, seconds, warmup, d, sync, () -> commandStats(sync).getOrDefault("evalsha", 0L));
        } finally {
            client.shutdown();
            if (resources != null) {
                resources.shutdown();
            }
        }
    }

    // ---- the loop -------------------------------------------------------------------------------------------

    private static Result run(String name, String keys, int callers, int seconds, int warmup, Decision d,
                              RedisCommands<String, String> sync, java.util.function.LongSupplier roundTrips)
            throws Exception {
        AtomicBoolean measuring = new AtomicBoolean(false);
        AtomicBoolean running = new AtomicBoolean(true);
        LongAdder ops = new LongAdder();
        LongAdder errors = new LongAdder();
        LongAdder allowed = new LongAdder();
        Histogram[] histograms = new Histogram[callers];
        CountDownLatch finished = new CountDownLatch(callers);
        boolean hot = keys.equals("hot") || keys.equals("-");
        for (int t = 0; t < callers; t++) {
            Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
            histograms[t] = h;
            Runnable caller = () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try {
                    while (running.get()) {
                        String subject = hot ? "hot" : "user" + random.nextInt(SPREAD);
                        long start = System.nanoTime();
                        boolean ok;
                        try {
                            ok = d.decide(subject);
                        } catch (Exception e) {
                            if (measuring.get()) {
                                errors.increment();
                            }
                            if (FIRST_ERROR.compareAndSet(null, e)) {
                                System.out.println("first error in " + name + ": " + e);
                                e.printStackTrace(System.out);
                            }
                            continue;
                        }
                        long took = System.nanoTime() - start;
                        if (measuring.get()) {
                            h.recordValue(Math.min(took, h.getHighestTrackableValue()));
                            ops.increment();
                            if (ok) {
                                allowed.increment();
                            }
                        }
                    }
                } finally {
                    finished.countDown();
                }
            };
            if (virtual) {
                Thread.ofVirtual().name("bench-" + t).start(caller);
            } else {
                Thread.ofPlatform().name("bench-" + t).daemon().start(caller);
            }
        }
        TimeUnit.SECONDS.sleep(warmup);
        long trips0 = roundTrips.getAsLong();
        long total0 = totalCommands(sync);
        double cpu0 = redisCpuSeconds(sync);
        long usec0 = scriptUsec(sync);
        long client0 = clientCpuNanos();
        long t0 = System.nanoTime();
        measuring.set(true);
        TimeUnit.SECONDS.sleep(seconds);
        measuring.set(false);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long trips = roundTrips.getAsLong() - trips0;
        long total = totalCommands(sync) - total0;
        double cpu = redisCpuSeconds(sync) - cpu0;
        long usec = scriptUsec(sync) - usec0;
        long client = clientCpuNanos() - client0;
        running.set(false);
        finished.await(30, TimeUnit.SECONDS);
        Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
        for (Histogram h : histograms) {
            all.add(h);
        }
        long n = Math.max(1, ops.sum());
        // The INFO calls around the measurement are the harness's own; they are not charged to the contender.
        return new Result(name, keys, callers, ops.sum(), errors.sum(), allowed.sum(), elapsed, all,
                (double) trips / n, (double) (total - 5) / n, cpu * 1e6 / n, (double) usec / n, client / 1e3 / n);
    }

    // This JVM's CPU time: the callers, Lettuce's event loop and the contender's own code.
    private static long clientCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double redisCpuSeconds(RedisCommands<String, String> sync) {
        double total = 0;
        for (String line : sync.info("cpu").split("\r\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                total += Double.parseDouble(line.substring(line.indexOf(':') + 1));
            }
        }
        return total;
    }

    // ---- plumbing -------------------------------------------------------------------------------------------

    private static long totalCommands(RedisCommands<String, String> sync) {
        for (String line : sync.info("stats").split("\r\n")) {
            if (line.startsWith("total_commands_processed:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1));
            }
        }
        return 0;
    }

    // Microseconds Redis spent running EVALSHA and EVAL (INFO commandstats usec): the scripts' own CPU.
    private static long scriptUsec(RedisCommands<String, String> sync) {
        long usec = 0;
        for (String line : sync.info("commandstats").split("\r\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                String u = line.substring(line.indexOf("usec=") + 5);
                usec += Long.parseLong(u.substring(0, u.indexOf(',')));
            }
        }
        return usec;
    }

    private static Map<String, Long> commandStats(RedisCommands<String, String> sync) {
        Map<String, Long> calls = new LinkedHashMap<>();
        for (String line : sync.info("commandstats").split("\r\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring(8, line.indexOf(':'));
                String c = line.substring(line.indexOf("calls=") + 6);
                calls.put(name, Long.parseLong(c.substring(0, c.indexOf(','))));
            }
        }
        return calls;
    }

    private static void awaitPing(RedisClient client) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                c.sync().ping();
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
    }

    private static int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (s.getLocalPort() != 6379) {
                    return s.getLocalPort();
                }
            }
        }
    }

    private static String cpuModel() {
        try {
            return exec("sh", "-c", "lscpu | grep 'Model name' | sed 's/Model name: *//'").trim();
        } catch (Exception e) {
            return "unknown CPU";
        }
    }

    private static String exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(120, TimeUnit.SECONDS);
        return out;
    }
}
