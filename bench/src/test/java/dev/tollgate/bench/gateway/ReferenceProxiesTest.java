package dev.tollgate.bench.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's reference proxies (Jetty's stock proxy, a minimal Helidon proxy, nginx) forward each call and its
 * answer whole, over upstream connections they keep alive, as the benchmark's comparison with Tollgate assumes.
 * Each runs in its own process, as in the benchmark, over real sockets, in front of an echoing upstream.
 */
class ReferenceProxiesTest {

    private static final Path NGINX = Path.of("/usr/sbin/nginx");
    private static final int CALLS = 20;

    private HttpServer upstream;
    private final Set<InetSocketAddress> upstreamConnections = ConcurrentHashMap.newKeySet();
    private final List<String> authorizations = new ArrayList<>();

    @BeforeEach
    void startUpstream() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", exchange -> {
            upstreamConnections.add(exchange.getRemoteAddress());
            synchronized (authorizations) {
                authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            }
            byte[] body = ("echo " + exchange.getRequestURI().getPath() + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
    }

    @AfterEach
    void stopUpstream() {
        upstream.stop(0);
    }

    @Test
    void jettysProxyForwardsEveryCall() throws Exception {
        forwardsEveryCallOverKeptAliveConnections(javaCommand(JettyProxy.class));
    }

    @Test
    void helidonsProxyForwardsEveryCall() throws Exception {
        forwardsEveryCallOverKeptAliveConnections(javaCommand(HelidonProxy.class));
    }

    @Test
    void nginxForwardsEveryCall() throws Exception {
        assumeTrue(Files.isExecutable(NGINX), "nginx is not installed (a benchmark-only reference)");
        forwardsEveryCallOverKeptAliveConnections((port, upstreamPort) ->
                NginxProxy.command(NGINX.toString(), port, upstreamPort));
    }

    /** Starts the proxy, sends {@value #CALLS} calls one at a time, and checks every answer and the connections. */
    private void forwardsEveryCallOverKeptAliveConnections(ProxyCommand command) throws Exception {
        int port = GatewayBench.freePort();
        Process proxy = new ProcessBuilder(command.of(port, upstream.getAddress().getPort()))
                .redirectErrorStream(true).start();
        try {
            awaitListening(port, proxy);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (int i = 0; i < CALLS; i++) {
                HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer sk-" + i)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"call\":" + i + "}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.body()).isEqualTo("echo /v1/chat/completions {\"call\":" + i + "}");
                assertThat(answer.headers().firstValue("Content-Type")).contains("application/json");
            }
            synchronized (authorizations) {
                assertThat(authorizations).hasSize(CALLS).startsWith("Bearer sk-0").endsWith("Bearer sk-" + (CALLS - 1));
            }
            // one call at a time: a proxy that keeps its upstream connections alive opens at most one per worker
            assertThat(upstreamConnections).hasSizeBetween(1, Runtime.getRuntime().availableProcessors());
        } finally {
            proxy.destroy();
            proxy.waitFor();
        }
    }

    @FunctionalInterface
    private interface ProxyCommand {
        List<String> of(int port, int upstreamPort);
    }

    private static ProxyCommand javaCommand(Class<?> main) {
        return (port, upstreamPort) -> List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName(), "" + port, "" + upstreamPort);
    }

    /** Polls until the proxy accepts connections (none has a readiness signal), or fails with its output. */
    private static void awaitListening(int port, Process proxy) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!proxy.isAlive()) {
                    throw new IllegalStateException("the proxy exited: " + new String(proxy.getInputStream().readAllBytes()));
                }
                Thread.sleep(50); // polling a port, not a measurement
            }
        }
        throw new IllegalStateException("the proxy did not listen on " + port);
    }
}
