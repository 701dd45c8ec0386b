package dev.tollgate.gateway;

import dev.tollgate.Decision;
import dev.tollgate.RuleStatus;
import dev.tollgate.Subject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A mock upstream and a gateway in front of it, both on free ports, started for one test and stopped after it.
 * The gateway holds the provider keys {@code sk-upstream-openai-test} and {@code sk-upstream-anthropic-test}; the
 * clients use Tollgate keys from {@code test-gateway.yaml}.
 */
final class GatewayFixture implements AutoCloseable {

    final MockUpstream mock;
    final Gateway gateway;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private GatewayFixture(MockUpstream mock, Gateway gateway) {
        this.mock = mock;
        this.gateway = gateway;
    }

    static GatewayFixture start() {
        return start(Config.MockConfig.DEFAULTS, Map.of());
    }

    static GatewayFixture start(Config.MockConfig mockConfig, Map<String, String> env) {
        MockUpstream mock = MockUpstream.start("127.0.0.1", 0, mockConfig);
        Map<String, String> vars = new HashMap<>(env);
        vars.put("MOCK_OPENAI", mock.openAiBaseUrl());
        vars.put("MOCK_ANTHROPIC", mock.anthropicBaseUrl());
        Config config = Config.parse(resource("/test-gateway.yaml"), "test-gateway.yaml", vars);
        return new GatewayFixture(mock, Gateway.start(config));
    }

    /** A fixture over a mock and a gateway started elsewhere; closing it stops both. */
    static GatewayFixture wrap(MockUpstream mock, Gateway gateway) {
        return new GatewayFixture(mock, gateway);
    }

    static String resource(String name) {
        try (InputStream in = GatewayFixture.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    /** A POST with a JSON body and the given headers (name, value pairs). */
    HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("content-type");
        }
        if (!typed) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** How much of a rule the user has used, from the engine's status. */
    long used(String user, String plan, String rule) {
        Decision d = gateway.guard().status(Subject.user(user, plan));
        RuleStatus s = d.rule(rule).orElseThrow();
        return s.limit() - s.remaining();
    }

    /** Waits for a condition, failing after 10 seconds; never a fixed sleep. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.onSpinWait();
            Thread.sleep(5); // polling interval of an awaited condition, not a synchronisation sleep
        }
    }

    @Override
    public void close() {
        gateway.close();
        mock.close();
    }
}
