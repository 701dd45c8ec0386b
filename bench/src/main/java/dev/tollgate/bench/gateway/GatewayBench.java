package dev.tollgate.bench.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;

/**
 * The gateway benchmark: the same mock upstream, in the same run, reached three ways (directly, through Tollgate
 * with the free and pro plans enforced, through Portkey's open-source gateway), then through Tollgate on Redis,
 * then 5,000 concurrent slow streams through Tollgate.
 *
 * <p>The load is open-loop: request {@code i} is due at {@code start + i / rate} whether or not earlier ones have
 * answered, and its latency is measured from when it was due (so a stalled server shows up as latency, not as a
 * lower rate: no coordinated omission). Latencies go to an HdrHistogram. Maximum throughput is measured closed-loop
 * with a fixed number of requests in flight. Every server runs in its own process; the generator shares the
 * machine with them.
 *
 * <p>The direct path and Tollgate's are measured interleaved, one second of each in turn at the same rate, so that
 * both sample the same moments of a shared, noisy machine: their difference, the "added" latency, is then the
 * gateway's, not a difference between two stretches of time. Reference proxies without budgets can join them:
 * Jetty's stock reverse proxy ({@code --jetty-proxy true}, the HTTP stack Tollgate is built on), a minimal Helidon
 * proxy ({@code --helidon-proxy true}, the other stack it could be built on) and nginx
 * ({@code --nginx /usr/sbin/nginx}, what a second hop costs on this machine at the least). Every path is warmed up open-loop and then closed-loop
 * (tens of thousands of calls, so that the JIT has compiled the paths measured) before the first repetition.
 *
 * <pre>
 * ./mvnw -q -pl gateway,bench -am package -DskipTests
 * java -cp bench/target/benchmarks.jar dev.tollgate.bench.gateway.GatewayBench \
 *     --portkey /tmp/portkey/node_modules/@portkey-ai/gateway/build/start-server.js
 * </pre>
 */
public final class GatewayBench {

    static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Hello, how are you today?\"}]}";
    static final String STREAM_BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":4000,\"stream\":true,\"messages\":"
            + "[{\"role\":\"user\",\"content\":\"Stream slowly, please.\"}]}";
    static final int USERS = 100;

    final Map<String, String> opts = new LinkedHashMap<>();
    final List<Process> processes = new ArrayList<>();
    final StringBuilder report = new StringBuilder();
    HttpClient client;

    public static void main(String[] args) throws Exception {
        GatewayBench b = new GatewayBench();
        for (int i = 0; i + 1 < args.length; i += 2) {
            b.opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        try {
            b.run();
        } finally {
            b.stopAll();
            if (b.client != null) {
                b.client.stop(); // its threads are not daemons: a failed run would otherwise never exit
            }
        }
    }

    String opt(String name, String dflt) {
        return opts.getOrDefault(name, dflt);
    }

    void out(String line) {
        System.out.println(line);
        report.append(line).append('\n');
    }

    void run() throws Exception {
        String jar = opt("jar", "gateway/target/tollgate.jar");
        String portkey = opt("portkey", "");
        String redisServer = opt("redis-server", "redis-server");
        int seconds = Integer.parseInt(opt("seconds", "10"));
        int warmup = Integer.parseInt(opt("warmup", "5"));
        String what = opt("only", "latency,redis,streams");
        client = new HttpClient();
        client.setMaxConnectionsPerDestination(8_192);
        client.setMaxRequestsQueuedPerDestination(1 << 20);
        client.setIdleTimeout(120_000);
        client.start();

        out("# Gateway benchmark, " + Instant.now() + ", load average " + loadAverage());
        out("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, JDK " + System.getProperty("java.version"));
        out("");

        if (what.contains("latency") || what.contains("redis")) {
            int mockPort = freePort();
            // a fixed heap: a mock resizing its heap pauses for tens of milliseconds, on every path's measurement
            List<String> mockCommand = new ArrayList<>(List.of(java(), "-Xms1g", "-Xmx1g"));
            addOptions(mockCommand, opt("mock-jvm", ""));
            mockCommand.addAll(List.of("-jar", jar, "mock-upstream", "--port", "" + mockPort, "--output-tokens", "50"));
            Process mockProcess = start("mock", mockCommand, mockPort);
            String mock = "http://127.0.0.1:" + mockPort + "/v1/chat/completions";
            Map<String, Target> targets = new LinkedHashMap<>();
            targets.put("direct to mock", new Target(mock, i -> "sk-bench", List.of(), mockProcess));
            if (what.contains("latency")) {
                Path config = config(mockPort, null);
                targets.put("Tollgate (memory)", gateway("tollgate", jar, config, opt("tollgate-jvm", "")));
                // An A/B of two builds or two sets of JVM options, measured interleaved with the others: the
                // second gateway is "Tollgate B", started from --compare-jar (default: --jar) with --compare-jvm.
                if (opts.containsKey("compare-jar") || opts.containsKey("compare-jvm")) {
                    targets.put("Tollgate B (memory)",
                            gateway("tollgate-b", opt("compare-jar", jar), config, opt("compare-jvm", "")));
                }
                // Jetty's stock reverse proxy, with the gateway's JVM options: the HTTP stack's share of the added
                // latency, with no keys, budgets or metering (JettyProxy)
                if (Boolean.parseBoolean(opt("jetty-proxy", "false"))) {
                    targets.put("Jetty proxy, no budgets", javaProxy("jetty-proxy", JettyProxy.class, mockPort));
                }
                // a minimal reverse proxy on Helidon 4.5 (virtual threads, blocking I/O), the other stack the gateway
                // could be built on, with the gateway's JVM options (HelidonProxy)
                if (Boolean.parseBoolean(opt("helidon-proxy", "false"))) {
                    targets.put("Helidon proxy, no budgets", javaProxy("helidon-proxy", HelidonProxy.class, mockPort));
                }
                // nginx, the C reverse proxy, with upstream keep-alive: what a second hop costs on this machine
                // when the proxy's own work is as small as it gets (NginxProxy)
                if (opts.containsKey("nginx")) {
                    targets.put("nginx proxy, no budgets", nginxProxy(opt("nginx", "nginx"), mockPort));
                }
                if (!portkey.isEmpty()) {
                    int pkPort = freePort();
                    Process node = start("portkey", List.of("node", portkey, "--port=" + pkPort, "--headless"), pkPort);
                    targets.put("Portkey 1.15.2", new Target("http://127.0.0.1:" + pkPort + "/v1/chat/completions",
                            i -> "sk-bench", List.of("x-portkey-provider", "openai", "x-portkey-custom-host",
                            "http://127.0.0.1:" + mockPort + "/v1"), node));
                }
            }
            if (what.contains("redis")) {
                int redisPort = freePort();
                start("redis", List.of(redisServer, "--port", "" + redisPort, "--save", "", "--appendonly", "no"), redisPort);
                Path config = config(mockPort, "redis://127.0.0.1:" + redisPort);
                targets.put("Tollgate (Redis)", gateway("tollgate-redis", jar, config, opt("tollgate-jvm", "")));
                // The A/B's second build, on the same Redis and the same users: the paths take turns second by
                // second, and the limits are high enough that sharing the users' state denies nothing.
                if (opts.containsKey("compare-jar") || opts.containsKey("compare-jvm")) {
                    targets.put("Tollgate B (Redis)",
                            gateway("tollgate-redis-b", opt("compare-jar", jar), config, opt("compare-jvm", "")));
                }
            }
            Target peer = targets.remove("Portkey 1.15.2");
            if (peer != null) {
                targets.put("Portkey 1.15.2", peer); // the peer last; see below
            }
            int repeat = Integer.parseInt(opt("repeat", "1"));
            int[] rates = parseInts(opt("rates", "500,1000,2000"));
            int[] peerRates = parseInts(opt("peer-rates", opt("rates", "500,1000,2000")));
            int inflight = Integer.parseInt(opt("inflight", "128"));
            for (Target t : targets.values()) { // warm every path up once, JIT included: a few thousand calls are
                openLoop(t, 500, warmup);        // not enough for C2 to compile a call's path, a closed loop's are
                closedLoop(t, inflight, warmup);
            }
            // results.get(path).get(rate) holds one Stats per repetition; rate 0 is the closed-loop maximum
            Map<String, Map<Integer, List<Stats>>> results = new LinkedHashMap<>();
            for (int rep = 1; rep <= repeat; rep++) {
                out("## Repetition " + rep + " of " + repeat + " (started " + Instant.now() + ", load average "
                        + loadAverage() + ")");
                out("");
                out("| rate (rps) | path | p50 | p99 | p99.9 | max | added p50 | added p99 | errors | 429s "
                        + "| overhead p50 | overhead p99 | overhead p99.9 | overhead max | server CPU per call |");
                out("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
                // Rate by rate, the paths interleaved second by second; the peer last, alone: a path pushed past
                // saturation keeps a backlog for a while, and that backlog must not land on another path's
                // measurement.
                Map<String, Target> ours = new LinkedHashMap<>(targets);
                ours.values().remove(peer);
                Map<String, Map<Integer, Stats>> measured = new LinkedHashMap<>();
                for (int rate : rates) {
                    interleaved(ours, rate, seconds).forEach((path, s) ->
                            measured.computeIfAbsent(path, k -> new LinkedHashMap<>()).put(rate, s));
                }
                if (peer != null) {
                    for (int rate : peerRates) {
                        openLoop(peer, rate, 2); // settle at the rate before measuring
                        measured.computeIfAbsent("Portkey 1.15.2", k -> new LinkedHashMap<>())
                                .put(rate, openLoop(peer, rate, seconds));
                    }
                }
                List<String> rows = new ArrayList<>();
                for (Map.Entry<String, Target> e : targets.entrySet()) {
                    for (Map.Entry<Integer, Stats> m : measured.get(e.getKey()).entrySet()) {
                        int rate = m.getKey();
                        Stats s = m.getValue();
                        results.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>())
                                .computeIfAbsent(rate, k -> new ArrayList<>()).add(s);
                        // a peer's rate that the direct path did not run has no "added" figures
                        List<Stats> direct = results.get("direct to mock").get(rate);
                        Stats d = direct == null ? s : direct.get(rep - 1);
                        boolean first = d == s;
                        Overhead o = s.overhead;
                        rows.add(String.format(Locale.ROOT, "| %d | %s | %d | %d | %d | %d | %s | %s | %d | %d | %s | %.0f |",
                                rate, e.getKey(), s.p50, s.p99, s.p999, s.max, first ? "-" : signed(s.p50 - d.p50),
                                first ? "-" : signed(s.p99 - d.p99), s.errors, s.limited, o.calls == 0 ? "- | - | - | -"
                                        : o.p50 + " | " + o.p99 + " | " + o.p999 + " | " + o.max, s.cpuPerCall));
                        System.err.println(rows.get(rows.size() - 1));
                    }
                }
                rows.sort(java.util.Comparator.comparingInt(r -> Integer.parseInt(r.split("\\|")[1].trim())));
                rows.forEach(this::out);
                out("");
                out("| path | requests/s (closed loop, " + inflight + " in flight, " + seconds + " s) | p50 (us) | p99 (us) "
                        + "| errors | 429s | server CPU per call (us) |");
                out("|---|---|---|---|---|---|---|");
                for (Map.Entry<String, Target> e : targets.entrySet()) {
                    closedLoop(e.getValue(), inflight, 2);
                    Stats s = closedLoop(e.getValue(), inflight, seconds);
                    results.get(e.getKey()).computeIfAbsent(0, k -> new ArrayList<>()).add(s);
                    out(String.format(Locale.ROOT, "| %s | %.0f | %d | %d | %d | %d | %.0f |", e.getKey(), s.rate, s.p50,
                            s.p99, s.errors, s.limited, s.cpuPerCall));
                }
                out("");
            }
            medians(results, rates, repeat);
            stopAll();
        }
        if (what.contains("streams")) {
            streams(jar, Integer.parseInt(opt("streams", "5000")));
        }
        String file = opt("report", "");
        if (!file.isEmpty()) {
            Files.writeString(Path.of(file), report.toString());
        }
        client.stop();
    }

    /**
     * A path under test.
     *
     * @param server the process whose CPU time a call costs: the gateway, or the mock for the direct path
     */
    record Target(String url, java.util.function.IntFunction<String> key, List<String> headers, Process server) {
        /**
         * The server's CPU time so far (user and system, all threads), in microseconds: its process's and its child
         * processes' (nginx's workers).
         */
        long cpuMicros() {
            return java.util.stream.Stream.concat(java.util.stream.Stream.of(server.toHandle()), server.descendants())
                    .mapToLong(p -> p.info().totalCpuDuration().map(d -> d.toNanos() / 1_000).orElse(0L)).sum();
        }
    }

    /**
     * One measurement.
     *
     * @param cpuPerCall the server process's CPU time over the measurement divided by the calls answered, in
     *     microseconds: what a call costs the server, whatever else runs on the machine at the time
     */
    record Stats(long p50, long p99, long p999, long max, long errors, long limited, double rate, Overhead overhead,
                 double cpuPerCall) {}

    /**
     * The gateway's own time per call, as it reports it in {@value #OVERHEAD_HEADER} (microseconds): the whole call
     * in the gateway less the time the upstream had it. {@code calls} is how many answers carried the header (0 for
     * the direct path and Portkey).
     */
    record Overhead(long calls, long p50, long p99, long p999, long max) {
        static final Overhead NONE = new Overhead(0, 0, 0, 0, 0);

        static Overhead of(Histogram h) {
            return h.getTotalCount() == 0 ? NONE : new Overhead(h.getTotalCount(), h.getValueAtPercentile(50),
                    h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
        }
    }

    static final String OVERHEAD_HEADER = "x-tollgate-overhead-us";

    static String key(int i) {
        int u = Math.floorMod(i, USERS);
        return (u % 2 == 0 ? "tg-bench-free-" : "tg-bench-pro-") + u;
    }

    Request request(Target t, int i, String body) {
        Request r = client.newRequest(t.url()).method(HttpMethod.POST).timeout(30, TimeUnit.SECONDS)
                .headers(h -> {
                    h.put("Authorization", "Bearer " + t.key().apply(i));
                    for (int k = 0; k < t.headers().size(); k += 2) {
                        h.put(t.headers().get(k), t.headers().get(k + 1));
                    }
                })
                .body(new StringRequestContent("application/json", body));
        return r;
    }

    Stats openLoop(Target t, int rate, int seconds) throws InterruptedException {
        Sample sample = new Sample(rate);
        sample.run(t, seconds);
        return sample.stats();
    }

    /**
     * The paths measured in turn, one second each, {@code seconds} times, at {@code rate}: each path's figures are
     * taken over the same stretch of time as the others'.
     */
    Map<String, Stats> interleaved(Map<String, Target> paths, int rate, int seconds) throws InterruptedException {
        Map<String, Sample> samples = new LinkedHashMap<>();
        for (Map.Entry<String, Target> e : paths.entrySet()) {
            openLoop(e.getValue(), rate, 1); // settle at the rate before measuring
            samples.put(e.getKey(), new Sample(rate));
        }
        for (int second = 0; second < seconds; second++) {
            for (Map.Entry<String, Target> e : paths.entrySet()) {
                samples.get(e.getKey()).run(e.getValue(), 1);
            }
        }
        Map<String, Stats> stats = new LinkedHashMap<>();
        samples.forEach((path, sample) -> stats.put(path, sample.stats()));
        return stats;
    }

    /** One path's open-loop measurement at one rate, taken in one stretch or several. */
    final class Sample {
        final int rate;
        final Recorder latencies = new Recorder(3);
        final Recorder overheads = new Recorder(3);
        final AtomicLong errors = new AtomicLong();
        final AtomicLong limited = new AtomicLong();
        long sent;
        long unanswered;
        long cpuMicros;

        Sample(int rate) {
            this.rate = rate;
        }

        /** Sends {@code rate} requests a second for {@code seconds}, then waits for their answers. */
        void run(Target t, int seconds) throws InterruptedException {
            long total = (long) rate * seconds;
            CountDownLatch done = new CountDownLatch((int) total);
            long interval = 1_000_000_000L / rate;
            long cpuBefore = t.cpuMicros();
            long start = System.nanoTime() + 10_000_000L;
            for (int i = 0; i < total; i++) {
                long due = start + i * interval;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                request(t, (int) (sent + i), BODY).send(result -> {
                    latencies.recordValue(Math.max(1, (System.nanoTime() - due) / 1_000));
                    overhead(result, overheads);
                    count(result, errors, limited);
                    done.countDown();
                });
            }
            done.await(60, TimeUnit.SECONDS);
            cpuMicros += t.cpuMicros() - cpuBefore;
            sent += total;
            unanswered += done.getCount();
        }

        Stats stats() {
            Histogram h = latencies.getIntervalHistogram();
            return new Stats(h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                    h.getMaxValue(), errors.get() + unanswered, limited.get(), rate,
                    Overhead.of(overheads.getIntervalHistogram()), (double) cpuMicros / Math.max(1, sent - unanswered));
        }
    }

    /** Records the gateway's reported overhead of an answer that carries it. */
    static void overhead(Result result, Recorder overheads) {
        Response response = result.getResponse();
        String value = response == null ? null : response.getHeaders().get(OVERHEAD_HEADER);
        if (value != null) {
            overheads.recordValue(Long.parseLong(value.trim()));
        }
    }

    static String signed(long v) {
        return (v >= 0 ? "+" : "") + v;
    }

    static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Medians across repetitions; "added" is the median of each repetition's difference to the direct path. */
    void medians(Map<String, Map<Integer, List<Stats>>> results, int[] rates, int repeat) {
        List<Stats> directRuns;
        out("## Medians over " + repeat + " repetitions (microseconds; added = path minus direct, same repetition)");
        out("");
        out("| rate (rps) | path | p50 | p99 | added p50 | added p99 | added p50, each repetition | added p99, each repetition "
                + "| errors | server CPU per call (us), median | each repetition |");
        out("|---|---|---|---|---|---|---|---|---|---|---|");
        for (int rate : rates) {
            directRuns = results.get("direct to mock").get(rate);
            for (Map.Entry<String, Map<Integer, List<Stats>>> e : results.entrySet()) {
                List<Stats> runs = e.getValue().get(rate);
                if (runs == null) {
                    continue;
                }
                List<Long> p50 = new ArrayList<>();
                List<Long> p99 = new ArrayList<>();
                List<Long> a50 = new ArrayList<>();
                List<Long> a99 = new ArrayList<>();
                List<Long> cpu = new ArrayList<>();
                long errors = 0;
                for (int i = 0; i < runs.size(); i++) {
                    p50.add(runs.get(i).p50);
                    p99.add(runs.get(i).p99);
                    a50.add(runs.get(i).p50 - directRuns.get(i).p50);
                    a99.add(runs.get(i).p99 - directRuns.get(i).p99);
                    cpu.add(Math.round(runs.get(i).cpuPerCall));
                    errors += runs.get(i).errors;
                }
                boolean direct = e.getKey().equals("direct to mock");
                out(String.format(Locale.ROOT, "| %d | %s | %d | %d | %s | %s | %s | %s | %d | %d | %s |", rate,
                        e.getKey(), median(p50), median(p99), direct ? "-" : signed(median(a50)),
                        direct ? "-" : signed(median(a99)), direct ? "-" : a50.stream().map(GatewayBench::signed).toList(),
                        direct ? "-" : a99.stream().map(GatewayBench::signed).toList(), errors, median(cpu), cpu));
            }
        }
        out("");
        overheads(results, rates, repeat);
        List<Stats> peerRuns = results.containsKey("Portkey 1.15.2") ? results.get("Portkey 1.15.2").get(0) : null;
        out("| path | requests/s, median | each repetition | ratio to Portkey, median | each repetition "
                + "| server CPU per call (us), median | each repetition |");
        out("|---|---|---|---|---|---|---|");
        for (Map.Entry<String, Map<Integer, List<Stats>>> e : results.entrySet()) {
            List<Stats> runs = e.getValue().get(0);
            List<Long> rps = runs.stream().map(r -> Math.round(r.rate)).toList();
            List<Long> cpu = runs.stream().map(r -> Math.round(r.cpuPerCall)).toList();
            List<Double> ratios = new ArrayList<>();
            if (peerRuns != null) {
                for (int i = 0; i < runs.size(); i++) {
                    ratios.add(runs.get(i).rate / peerRuns.get(i).rate);
                }
            }
            List<Double> sortedRatios = ratios.stream().sorted().toList();
            String ratio = sortedRatios.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1fx",
                    sortedRatios.size() % 2 == 1 ? sortedRatios.get(sortedRatios.size() / 2)
                            : (sortedRatios.get(sortedRatios.size() / 2 - 1) + sortedRatios.get(sortedRatios.size() / 2)) / 2);
            out(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %d | %s |", e.getKey(), median(rps), rps, ratio,
                    ratios.stream().map(r -> String.format(Locale.ROOT, "%.1fx", r)).toList(), median(cpu), cpu));
        }
        out("");
    }

    /**
     * The gateway's own overhead per call as it reported it, for each path that reports it: the median over the
     * repetitions of each percentile, and each repetition's.
     */
    void overheads(Map<String, Map<Integer, List<Stats>>> results, int[] rates, int repeat) {
        out("## The gateway's own overhead per call (" + OVERHEAD_HEADER + "), medians over " + repeat
                + " repetitions (microseconds)");
        out("");
        out("| rate (rps) | path | calls | p50 | p99 | p99.9 | max | p50, each repetition | p99, each repetition "
                + "| p99.9, each repetition |");
        out("|---|---|---|---|---|---|---|---|---|---|");
        for (int rate : rates) {
            for (Map.Entry<String, Map<Integer, List<Stats>>> e : results.entrySet()) {
                List<Stats> runs = e.getValue().get(rate);
                if (runs == null || runs.stream().allMatch(r -> r.overhead.calls == 0)) {
                    continue;
                }
                List<Overhead> o = runs.stream().map(Stats::overhead).toList();
                List<Long> p50 = o.stream().map(Overhead::p50).toList();
                List<Long> p99 = o.stream().map(Overhead::p99).toList();
                List<Long> p999 = o.stream().map(Overhead::p999).toList();
                out(String.format(Locale.ROOT, "| %d | %s | %d | %d | %d | %d | %d | %s | %s | %s |", rate, e.getKey(),
                        o.stream().mapToLong(Overhead::calls).sum(), median(p50), median(p99), median(p999),
                        o.stream().mapToLong(Overhead::max).max().orElse(0), p50, p99, p999));
            }
        }
        out("");
    }

    static void count(Result result, AtomicLong errors, AtomicLong limited) {
        if (result.isFailed()) {
            errors.incrementAndGet();
        } else if (result.getResponse().getStatus() == 429) {
            limited.incrementAndGet();
        } else if (result.getResponse().getStatus() != 200) {
            errors.incrementAndGet();
        }
    }

    Stats closedLoop(Target t, int inflight, int seconds) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        AtomicLong limited = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        CountDownLatch stopped = new CountDownLatch(inflight);
        AtomicLong seq = new AtomicLong();
        for (int c = 0; c < inflight; c++) {
            chain(t, end, recorder, errors, limited, completed, stopped, seq);
        }
        long began = System.nanoTime();
        long cpuBefore = t.cpuMicros();
        stopped.await(seconds + 60, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - began) / 1e9;
        double cpuPerCall = (double) (t.cpuMicros() - cpuBefore) / Math.max(1, completed.get());
        Histogram h = recorder.getIntervalHistogram();
        return new Stats(h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                h.getMaxValue(), errors.get(), limited.get(), completed.get() / elapsed, Overhead.NONE, cpuPerCall);
    }

    void chain(Target t, long end, Recorder recorder, AtomicLong errors, AtomicLong limited, AtomicLong completed,
               CountDownLatch stopped, AtomicLong seq) {
        long sent = System.nanoTime();
        if (sent > end) {
            stopped.countDown();
            return;
        }
        request(t, (int) seq.incrementAndGet(), BODY).send(result -> {
            recorder.recordValue(Math.max(1, (System.nanoTime() - sent) / 1_000));
            completed.incrementAndGet();
            count(result, errors, limited);
            chain(t, end, recorder, errors, limited, completed, stopped, seq);
        });
    }

    void streams(String jar, int count) throws Exception {
        int mockPort = freePort();
        start("mock-slow", List.of(java(), "-Xmx2g", "-jar", jar, "mock-upstream", "--port", "" + mockPort,
                "--output-tokens", opt("stream-tokens", "400"), "--token-delay", "50ms"), mockPort);
        Target t = gateway("tollgate-streams", jar, config(mockPort, null), opt("tollgate-jvm", ""));
        int tgPort = URI.create(t.url()).getPort();
        CountDownLatch firstBytes = new CountDownLatch(count);
        CountDownLatch finished = new CountDownLatch(count);
        AtomicLong failed = new AtomicLong();
        Map<String, AtomicLong> failures = new ConcurrentSkipListMap<>(); // why, how often
        AtomicLong bytes = new AtomicLong();
        long began = System.nanoTime();
        for (int i = 0; i < count; i++) {
            boolean[] first = {false};
            // Two cores cannot carry 5,000 streams' events at full speed through three processes: a stream may wait
            // minutes for its first bytes. The generator waits as long as the gateway's config does (longer than
            // its client's idle timeout of 120 s), so that the test counts waiting streams, not dropped ones.
            request(t, i, STREAM_BODY).timeout(900, TimeUnit.SECONDS).idleTimeout(900, TimeUnit.SECONDS)
                    .onResponseContentSource((response, source) -> drain(source, first, firstBytes, bytes))
                    .send(result -> {
                        if (result.isFailed() || result.getResponse().getStatus() != 200) {
                            failed.incrementAndGet();
                            String why = result.isFailed() ? String.valueOf(result.getFailure())
                                    : "HTTP " + result.getResponse().getStatus();
                            failures.computeIfAbsent(why, k -> new AtomicLong()).incrementAndGet();
                            if (!first[0]) {
                                first[0] = true;
                                firstBytes.countDown();
                            }
                        }
                        finished.countDown();
                    });
        }
        // The gateway's memory is measured when it holds every call at once, which is what the target is about: by
        // the time the last stream has its first bytes (the mock is the slow side), the first ones have ended.
        // /health is polled twice a second for the gateway's calls in flight; the snapshot is taken at the first
        // poll that sees all of them, or, if none did, once every stream has had its first bytes.
        long pid = t.server().pid();
        long peak = 0;
        double peakSeconds = 0;
        Snapshot snapshot = null;
        long deadline = began + TimeUnit.SECONDS.toNanos(900);
        while (!firstBytes.await(500, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
            String health = health(tgPort);
            long inFlight = callsInFlight(health);
            if (inFlight > peak) {
                peak = inFlight;
                peakSeconds = (System.nanoTime() - began) / 1e9;
            }
            if (snapshot == null && inFlight >= count) {
                snapshot = snapshot(pid, tgPort, peakSeconds, health);
            }
        }
        double openSeconds = (System.nanoTime() - began) / 1e9;
        if (snapshot == null) {
            snapshot = snapshot(pid, tgPort, openSeconds, health(tgPort));
        }
        finished.await(900, TimeUnit.SECONDS);
        double allSeconds = (System.nanoTime() - began) / 1e9;
        out("## " + count + " concurrent slow streams through Tollgate (memory store, -Xmx512m; " + opt("stream-tokens", "400")
                + " tokens each, one every 50 ms)");
        out("");
        out(String.format(Locale.ROOT, "- all %d streams open and streaming after %.1f s; all finished after %.1f s; failed: %d; bytes received: %d",
                count, openSeconds, allSeconds, failed.get(), bytes.get()));
        if (!failures.isEmpty()) {
            out("- why the failed ones failed (as the load generator saw it): " + failures);
        }
        out(String.format(Locale.ROOT, "- the gateway's calls in flight, polled twice a second: at most %d, first at %.1f s",
                peak, peakSeconds));
        out(String.format(Locale.ROOT, "- snapshot at %.1f s, %s: /health %s; after the snapshot's jcmd commands: %s",
                snapshot.seconds(), snapshot.seconds() < openSeconds ? "the first poll with all " + count
                        + " calls in flight" : "once every stream had its first bytes (no poll saw all " + count
                        + " in flight)", snapshot.health(), snapshot.healthAfter()));
        out("- gateway process then: " + snapshot.process());
        out("- heap (jcmd GC.heap_info) then: " + firstLine(snapshot.heap()));
        out("- live heap then (jcmd GC.class_histogram, after its full GC): " + snapshot.liveHeap());
        out("- its largest classes: " + snapshot.largestClasses());
        out("- threads in a jcmd Thread.dump_to_file then: " + snapshot.virtualThreads() + " virtual, "
                + snapshot.platformThreads() + " platform");
        out("");
        stopAll();
    }

    /**
     * The gateway as the stream benchmark found it: its health (as polled just before, and again after the jcmd
     * commands, so that a report shows whether the calls were still in flight while they ran), its process, its
     * heap, what of it a full GC keeps.
     */
    record Snapshot(double seconds, String health, String healthAfter, String process, String heap, String liveHeap,
                    String largestClasses, long virtualThreads, long platformThreads) {}

    /**
     * Takes the snapshot at once, with the health the caller has just polled: polling it again first would let a
     * slow answer (two saturated cores) delay the heap figures until the streams have begun to end.
     */
    Snapshot snapshot(long pid, int port, double seconds, String health) throws IOException {
        String process = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("Threads:") || l.startsWith("VmRSS:"))
                .reduce("", (a, b) -> a + b.replaceAll("\\s+", " ") + "; ");
        String heap = jcmd(pid, "GC.heap_info");
        // The class histogram runs a full collection first and counts what survived it: the live heap, exactly. (A
        // heap_info after a GC.run also counts what the streams allocated between the two commands.)
        List<String> histogram = jcmd(pid, "GC.class_histogram").lines().toList();
        String live = histogram.stream().filter(l -> l.startsWith("Total")).findFirst()
                .map(l -> l.trim().split("\\s+")).map(f -> f[2] + " bytes in " + f[1] + " objects")
                .orElse("no class histogram");
        String largest = String.join("; ", histogram.stream()
                .filter(l -> l.matches("\\s*\\d+:\\s+\\d+\\s+\\d+\\s+\\S+.*")).limit(8) // "1: instances bytes class"
                .map(l -> l.trim().split("\\s+")).map(f -> f[3] + " " + f[2] + " B").toList());
        Path dump = Files.createTempFile("tollgate-threads-", ".json");
        Files.delete(dump);
        jcmd(pid, "Thread.dump_to_file -format=json " + dump);
        long virtual = 0;
        long platform = 0;
        if (Files.exists(dump)) {
            String json = Files.readString(dump);
            virtual = json.split("\"virtual\": *true", -1).length - 1;
            platform = json.split("\"virtual\": *false", -1).length - 1;
            Files.delete(dump);
        }
        return new Snapshot(seconds, health, health(port), process, heap, live, largest, virtual, platform);
    }

    private static final Pattern CALLS_IN_FLIGHT = Pattern.compile("\"calls_in_flight\":(\\d+)");

    /** The calls_in_flight of a /health answer, or -1 if it has none. */
    static long callsInFlight(String health) {
        Matcher m = CALLS_IN_FLIGHT.matcher(health);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static void drain(Content.Source source, boolean[] first, CountDownLatch firstBytes, AtomicLong bytes) {
        while (true) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                source.demand(() -> drain(source, first, firstBytes, bytes));
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                return;
            }
            if (chunk.hasRemaining() && !first[0]) {
                first[0] = true;
                firstBytes.countDown();
            }
            bytes.addAndGet(chunk.remaining());
            chunk.release();
            if (chunk.isLast()) {
                return;
            }
        }
    }

    String health(int port) {
        try {
            return client.GET("http://127.0.0.1:" + port + "/health").getContentAsString();
        } catch (Exception e) {
            return "health failed: " + e;
        }
    }

    static String firstLine(String s) {
        return s.lines().filter(l -> l.contains("total") || l.contains("used")).findFirst().orElse(s).trim();
    }

    static String jcmd(long pid, String command) {
        try {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    "" + pid));
            cmd.addAll(List.of(command.split(" ")));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return text;
        } catch (IOException | InterruptedException e) {
            return "jcmd failed: " + e;
        }
    }

    Path config(int mockPort, String redisUrl) throws IOException {
        StringBuilder keys = new StringBuilder();
        for (int u = 0; u < USERS; u++) {
            keys.append("  - { key: ").append(key(u)).append(", user: bench-").append(u).append(", plan: ")
                    .append(u % 2 == 0 ? "free" : "pro").append(" }\n");
        }
        String yaml = "server:\n  host: 127.0.0.1\n"
                + "store:\n" + (redisUrl == null ? "  type: memory\n" : "  type: redis\n  url: " + redisUrl + "\n")
                // 5,000 streams at once overload two cores: a stream may wait minutes for the mock's first bytes,
                // so the timeouts are long enough that the stream test measures waiting streams, not failed ones
                + "upstreams:\n  openai:\n    base-url: http://127.0.0.1:" + mockPort + "/v1\n    api-key: sk-bench\n"
                + "    idle-timeout: 900s\n    timeout: 1800s\n"
                + "  anthropic:\n    base-url: http://127.0.0.1:" + mockPort + "\n    api-key: sk-bench\n"
                + "estimation:\n  default-max-output-tokens: 1024\n"
                + "# The sample's free and pro rules, with limits raised so that the benchmark measures allowed calls\n"
                + "plans:\n  free:\n    rules:\n"
                + "      - { name: burst,         type: token-bucket, meter: requests, capacity: 1000, refill-rate: 1000, interval: 1s }\n"
                + "      - { name: daily-tokens,  type: quota, meter: tokens, limit: 1000000000, period: day, zone: UTC }\n"
                + "      - { name: monthly-spend, type: quota, meter: usd, limit: 100000.00, period: month }\n"
                + "  pro:\n    rules:\n"
                + "      - { name: burst,         type: token-bucket, meter: tokens, capacity: 100000000, refill-rate: 50000000, interval: 1m }\n"
                + "      - { name: daily-tokens,  type: sliding-window, meter: tokens, limit: 2000000000, window: 24h, mode: dry-run }\n"
                + "      - { name: monthly-spend, type: quota, meter: usd, limit: 100000.00, period: month }\n"
                + "keys:\n" + keys;
        Path file = Files.createTempFile("tollgate-bench-", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /**
     * The command that starts Tollgate: the JVM options of gateway/jvm.options (as ./tollgate serve uses them), then
     * --tollgate-jvm's.
     */
    List<String> tollgate(String jar, Path config, int port, String extraJvmOptions) throws IOException {
        List<String> cmd = gatewayJvm(extraJvmOptions);
        cmd.addAll(List.of("-jar", jar, "serve", "--config", config.toString(), "--port", "" + port));
        return cmd;
    }

    /** Starts Tollgate from {@code jar} on a free port as a path to measure, each call with one of the users' keys. */
    Target gateway(String name, String jar, Path config, String extraJvmOptions) throws IOException, InterruptedException {
        int port = freePort();
        Process gateway = start(name, tollgate(jar, config, port, extraJvmOptions), port);
        return new Target("http://127.0.0.1:" + port + "/v1/chat/completions", GatewayBench::key, List.of(), gateway);
    }

    /**
     * Starts a reference proxy whose {@code main} takes its port and the mock's, in a JVM with the gateway's options,
     * as a path to measure (no keys: it forwards the benchmark's key to the mock).
     */
    Target javaProxy(String name, Class<?> main, int mockPort) throws IOException, InterruptedException {
        int port = freePort();
        List<String> command = gatewayJvm("");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName(), "" + port, "" + mockPort));
        return proxyTarget(start(name, command, port), port);
    }

    /** Starts nginx, the binary at {@code nginx}, as a reference proxy in front of the mock (NginxProxy). */
    Target nginxProxy(String nginx, int mockPort) throws IOException, InterruptedException {
        int port = freePort();
        return proxyTarget(start("nginx", NginxProxy.command(nginx, port, mockPort), port), port);
    }

    /** A reference proxy on {@code port} as a path to measure: it forwards the benchmark's key to the mock. */
    private static Target proxyTarget(Process proxy, int port) {
        return new Target("http://127.0.0.1:" + port + "/v1/chat/completions", i -> "sk-bench", List.of(), proxy);
    }

    /** A java command with the gateway's JVM options (gateway/jvm.options), then {@code extraJvmOptions}. */
    List<String> gatewayJvm(String extraJvmOptions) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(jvmOptions());
        addOptions(cmd, extraJvmOptions);
        return cmd;
    }

    /** Adds space-separated options (from --tollgate-jvm, --compare-jvm, --mock-jvm) to a command; none if empty. */
    static void addOptions(List<String> command, String options) {
        if (!options.isEmpty()) {
            command.addAll(List.of(options.split(" ")));
        }
    }

    List<String> jvmOptions() throws IOException {
        Path file = Path.of(opt("jvm-options", "gateway/jvm.options"));
        if (!Files.exists(file)) {
            return List.of("-Xmx512m");
        }
        return Files.readAllLines(file).stream().map(l -> l.replaceAll("#.*", "").trim()).filter(l -> !l.isEmpty())
                .toList();
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    Process start(String name, List<String> command, int port) throws IOException, InterruptedException {
        Path log = Files.createTempFile("bench-" + name + "-", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                System.err.println("started " + name + " (pid " + p.pid() + ", port " + port + ", log " + log + ")");
                return p;
            } catch (IOException notYet) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(name + " exited: " + Files.readString(log));
                }
                Thread.sleep(100); // polling for a port to open, not a measurement
            }
        }
        throw new IllegalStateException(name + " did not open port " + port + ": " + Files.readString(log));
    }

    void stopAll() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] parseInts(String csv) {
        return java.util.Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
