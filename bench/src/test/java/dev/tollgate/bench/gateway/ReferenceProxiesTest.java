package dev.tollgate.bench.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
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
 * Each is started by the benchmark's own launcher (its process, command and port polling), over real sockets, in
 * front of an echoing upstream.
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
        forwardsEveryCallOverKeptAliveConnections(bench -> bench.javaProxy("jetty-proxy", JettyProxy.class, upstreamPort()));
    }

    @Test
    void helidonsProxyForwardsEveryCall() throws Exception {
        forwardsEveryCallOverKeptAliveConnections(bench -> bench.javaProxy("helidon-proxy", HelidonProxy.class,
                upstreamPort()));
    }

    @Test
    void nginxForwardsEveryCall() throws Exception {
        assumeTrue(Files.isExecutable(NGINX), "nginx is not installed (a benchmark-only reference)");
        forwardsEveryCallOverKeptAliveConnections(bench -> bench.nginxProxy(NGINX.toString(), upstreamPort()));
    }

    /**
     * Starts the proxy as the benchmark does, sends {@value #CALLS} calls one at a time, and checks every answer and
     * the upstream connections.
     */
    private void forwardsEveryCallOverKeptAliveConnections(ProxyStart proxyStart) throws Exception {
        GatewayBench bench = new GatewayBench();
        try {
            GatewayBench.Target proxy = proxyStart.in(bench);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (int i = 0; i < CALLS; i++) {
                HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(proxy.url()))
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
            bench.stopAll();
        }
    }

    private int upstreamPort() {
        return upstream.getAddress().getPort();
    }

    /** Starts a reference proxy through the benchmark's own launcher, in front of the test's upstream. */
    @FunctionalInterface
    private interface ProxyStart {
        GatewayBench.Target in(GatewayBench bench) throws Exception;
    }
}
