package dev.tollgate.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Real {@code redis-server} processes for tests: each on a free port (never 6379), in its own temp dir, with no
 * persistence, stopped when closed. {@link #standalone()} starts one server; {@link #cluster(int)} starts N
 * masters and joins them with {@code redis-cli --cluster create}, waiting until every node reports
 * {@code cluster_state:ok}.
 */
final class RedisServers implements AutoCloseable {

    private static final String SERVER = System.getProperty("tollgate.redis-server", "redis-server");
    private static final String CLI = System.getProperty("tollgate.redis-cli", "redis-cli");

    /** One redis-server process. */
    static final class Node {
        final int port;
        final Path dir;
        final boolean clustered;
        Process process;

        Node(int port, Path dir, boolean clustered) {
            this.port = port;
            this.dir = dir;
            this.clustered = clustered;
        }

        String uri() {
            return "redis://127.0.0.1:" + port;
        }

        void start() throws IOException {
            List<String> cmd = new ArrayList<>(List.of(SERVER, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--daemonize", "no",
                    "--logfile", dir.resolve("redis.log").toString()));
            if (clustered) {
                cmd.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file",
                        dir.resolve("nodes.conf").toString(), "--cluster-node-timeout", "2000"));
            }
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
            await(Duration.ofSeconds(10), () -> "+PONG".equals(command("PING")), "redis on port " + port + " to answer PING");
        }

        /** Kills the server at once, as a crash would. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        /**
         * Stops the server without closing anything (SIGSTOP): its connections stay open and commands sent on them are
         * never answered, as with a server stalled by a long command, a swap storm or a network partition.
         */
        void pause() throws IOException, InterruptedException {
            signal("STOP");
        }

        /** Lets a {@link #pause paused} server run again (SIGCONT); it answers what it was sent meanwhile. */
        void resume() throws IOException, InterruptedException {
            signal("CONT");
        }

        private void signal(String name) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        }

        /** One command in the inline protocol; the first reply line, or null if the server does not answer. */
        String command(String line) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return readReply(s.getInputStream());
            } catch (IOException e) {
                return null;
            }
        }

        /**
         * The count that a window's or quota's record in an entity's state string holds (the second of its packed
         * numbers), given the entity's key ({@code prefix:{u:alice}}) and the record's name, as the reply came:
         * {@code :count}, {@code $-1} if there is no such record, or an error such as {@code -MOVED}.
         */
        String used(String entityKey, String field) {
            return command("EVAL \"local v = redis.call('GET', KEYS[1]) if not v then return nil end local pos = 9"
                    + " while pos <= #v do local name, a, used, c, nxt = struct.unpack('<Bc0ddd', v, pos)"
                    + " if name == ARGV[1] then return used end pos = nxt end return nil\" 1 " + entityKey + ":rules "
                    + field);
        }

        /** A field of {@code INFO section}, or null. */
        String info(String section, String field) {
            String text = bulk("INFO " + section);
            if (text == null) {
                return null;
            }
            for (String l : text.split("\r\n")) {
                if (l.startsWith(field + ":")) {
                    return l.substring(field.length() + 1);
                }
            }
            return null;
        }

        /** A command whose reply is a bulk string (INFO, CLUSTER INFO), read whole. */
        String bulk(String line) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                s.setSoTimeout(2000);
                s.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
                InputStream in = s.getInputStream();
                String head = readLine(in);
                if (head == null || !head.startsWith("$")) {
                    return head;
                }
                int len = Integer.parseInt(head.substring(1));
                byte[] body = in.readNBytes(len);
                return new String(body, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return null;
            }
        }

        /** A command whose reply is an array of bulk strings, joined by spaces. */
        String bulkArray(String line) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                s.setSoTimeout(2000);
                s.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
                InputStream in = s.getInputStream();
                String head = readLine(in);
                if (head == null || !head.startsWith("*")) {
                    return head;
                }
                int n = Integer.parseInt(head.substring(1));
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    b.append(i == 0 ? "" : " ").append(readReply(in));
                }
                return b.toString();
            } catch (IOException e) {
                return null;
            }
        }

        private static String readReply(InputStream in) throws IOException {
            String head = readLine(in);
            if (head != null && head.startsWith("$") && !head.equals("$-1")) {
                int len = Integer.parseInt(head.substring(1));
                String body = new String(in.readNBytes(len), StandardCharsets.UTF_8);
                readLine(in);
                return body;
            }
            return head;
        }

        private static String readLine(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\r') {
                    in.read();
                    return b.toString();
                }
                b.append((char) c);
            }
            return b.length() == 0 ? null : b.toString();
        }
    }

    final List<Node> nodes = new ArrayList<>();
    private final Path root;

    private RedisServers() throws IOException {
        root = Files.createTempDirectory("tollgate-redis");
    }

    /** One standalone server on a free port. */
    static RedisServers standalone() throws IOException {
        RedisServers s = new RedisServers();
        try {
            s.add(false).start();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** A cluster of {@code masters} masters and no replicas, every slot covered, every node saying ok. */
    static RedisServers cluster(int masters) throws IOException, InterruptedException {
        return cluster(masters, 0);
    }

    /** A cluster of {@code masters} masters with {@code replicas} replicas each, every node saying ok. */
    static RedisServers cluster(int masters, int replicas) throws IOException, InterruptedException {
        RedisServers s = new RedisServers();
        try {
            List<String> cmd = new ArrayList<>(List.of(CLI, "--cluster", "create"));
            for (int i = 0; i < masters * (1 + replicas); i++) {
                Node n = s.add(true);
                n.start();
                cmd.add("127.0.0.1:" + n.port);
            }
            cmd.addAll(List.of("--cluster-replicas", Integer.toString(replicas), "--cluster-yes"));
            Process create = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(s.root.resolve("cluster-create.log").toFile()).start();
            if (!create.waitFor(30, TimeUnit.SECONDS) || create.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: "
                        + Files.readString(s.root.resolve("cluster-create.log")));
            }
            for (Node n : s.nodes) {
                await(Duration.ofSeconds(20), () -> {
                    String info = n.bulk("CLUSTER INFO");
                    return info != null && info.contains("cluster_state:ok");
                }, "cluster_state:ok on port " + n.port);
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * A master and one Sentinel monitoring it as {@code mymaster}; {@link #sentinelUri()} addresses the master
     * through the Sentinel.
     */
    static RedisServers sentinel() throws IOException {
        RedisServers s = new RedisServers();
        try {
            Node master = s.add(false);
            master.start();
            Path dir = Files.createDirectory(s.root.resolve("sentinel"));
            int port = freePort();
            Path conf = dir.resolve("sentinel.conf");
            Files.writeString(conf, "port " + port + "\nbind 127.0.0.1\ndir " + dir + "\n"
                    + "sentinel monitor mymaster 127.0.0.1 " + master.port + " 1\n"
                    + "sentinel down-after-milliseconds mymaster 2000\n");
            s.sentinelPort = port;
            s.sentinelProcess = new ProcessBuilder(SERVER, conf.toString(), "--sentinel").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
            Node probe = new Node(port, dir, false);
            await(Duration.ofSeconds(10), () -> {
                String reply = probe.command("SENTINEL get-master-addr-by-name mymaster");
                return reply != null && reply.startsWith("*2");
            }, "sentinel to know mymaster");
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private int sentinelPort;
    private Process sentinelProcess;

    /** The master, through the Sentinel. */
    String sentinelUri() {
        return "redis-sentinel://127.0.0.1:" + sentinelPort + "#mymaster";
    }

    private Node add(boolean clustered) throws IOException {
        Path dir = Files.createDirectory(root.resolve("node" + nodes.size()));
        Node n = new Node(freePort(), dir, clustered);
        nodes.add(n);
        return n;
    }

    Node first() {
        return nodes.get(0);
    }

    List<String> uris() {
        return nodes.stream().map(Node::uri).toList();
    }

    /** Waits for a condition, polling, failing after the timeout with what it waited for. */
    static void await(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            Thread.onSpinWait();
            try {
                // A poll interval, not synchronisation: the condition decides.
                TimeUnit.MILLISECONDS.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket s = new ServerSocket(0)) {
                int port = s.getLocalPort();
                // Cluster nodes also listen on port + 10000 for the cluster bus.
                if (port != 6379 && port + 10000 < 65536) {
                    try (ServerSocket bus = new ServerSocket(port + 10000)) {
                        return port;
                    } catch (IOException taken) {
                        // try another
                    }
                }
            }
        }
        throw new IOException("no free port pair found");
    }

    @Override
    public void close() {
        if (sentinelProcess != null) {
            sentinelProcess.destroyForcibly();
        }
        for (Node n : nodes) {
            if (n.process != null) {
                n.process.destroy();
            }
        }
        for (Node n : nodes) {
            if (n.process != null) {
                try {
                    if (!n.process.waitFor(5, TimeUnit.SECONDS)) {
                        n.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Temp files; the OS cleans up what is left.
        }
    }
}
