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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The nginx reference path forwards calls to the upstream over kept-alive connections, as the benchmark relies on.
 * Runs only where nginx is installed (it is not a build dependency; the benchmark's docs say how to add it).
 */
class NginxProxyTest {

    private static final Path NGINX = Path.of("/usr/sbin/nginx");

    @Test
    void forwardsEveryCallToTheUpstreamOverOneKeptAliveConnection() throws Exception {
        assumeTrue(Files.isExecutable(NGINX), "nginx is not installed");
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger connections = new AtomicInteger();
        java.util.Set<Object> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        upstream.createContext("/", exchange -> {
            if (seen.add(exchange.getRemoteAddress())) {
                connections.incrementAndGet();
            }
            byte[] body = ("echo " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        int port = GatewayBench.freePort();
        Process nginx = new ProcessBuilder(NginxProxy.command(NGINX.toString(), port, upstream.getAddress().getPort()))
                .redirectErrorStream(true).start();
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            awaitListening(port, nginx);
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString("call " + i)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.body()).isEqualTo("echo call " + i);
            }
            // one call at a time: every worker that served one kept its upstream connection for the next
            assertThat(connections.get()).isBetween(1, Runtime.getRuntime().availableProcessors());
        } finally {
            nginx.destroy();
            nginx.waitFor();
            upstream.stop(0);
        }
    }

    /** Polls until nginx accepts connections (it has no readiness signal), or fails with its output. */
    private static void awaitListening(int port, Process nginx) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!nginx.isAlive()) {
                    throw new IllegalStateException("nginx exited: " + new String(nginx.getInputStream().readAllBytes()));
                }
                Thread.sleep(50); // polling a port, not a measurement
            }
        }
        throw new IllegalStateException("nginx did not listen on " + port);
    }
}
