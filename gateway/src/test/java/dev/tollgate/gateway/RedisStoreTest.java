package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway on {@code store.type: redis}, against a redis-server of its own on a free port. */
class RedisStoreTest {

    Process redis;
    int port;

    @BeforeEach
    void startRedis() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("tollgate-gateway-redis");
        redis = new ProcessBuilder("redis-server", "--port", "" + port, "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        GatewayFixture.await("redis-server to listen on " + port, () -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    @AfterEach
    void stopRedis() throws InterruptedException {
        redis.destroy();
        redis.waitFor();
    }

    @Test
    void callsAreSettledInRedisAndTheFreeBudgetStillEndsInA429() throws Exception {
        String yaml = GatewayFixture.resource("/test-gateway.yaml")
                .replace("upstreams:", "store:\n  type: redis\n  url: redis://127.0.0.1:" + port + "\n  timeout: 2s\nupstreams:");
        MockUpstream mock = MockUpstream.start("127.0.0.1", 0, Config.MockConfig.DEFAULTS);
        Config config = Config.parse(yaml, "test", Map.of("MOCK_OPENAI", mock.openAiBaseUrl(),
                "MOCK_ANTHROPIC", mock.anthropicBaseUrl()));
        assertThat(config.store().type()).isEqualTo("redis");
        try (GatewayFixture f = GatewayFixture.wrap(mock, Gateway.start(config))) {
            String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpResponse<String> r = f.post("/v1/chat/completions", body, "Authorization", "Bearer tg-test-metered-1");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            MockUpstream.Report report = f.mock.reports().get(0);
            assertThat(f.used("metered-1", "metered", "daily-tokens")).isEqualTo(report.inputTokens() + report.outputTokens());

            int status = 200;
            for (int i = 0; i < 10 && status == 200; i++) {
                status = f.post("/v1/chat/completions", body, "Authorization", "Bearer tg-test-free-1").statusCode();
            }
            assertThat(status).isEqualTo(429);
            assertThat(f.gateway.callsInFlight()).isZero();
        }
    }
}
