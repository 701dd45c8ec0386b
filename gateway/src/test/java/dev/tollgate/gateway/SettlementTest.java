package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.Charge;
import dev.tollgate.cost.ModelCatalog;
import dev.tollgate.cost.Usage;
import dev.tollgate.providers.Endpoint;
import dev.tollgate.providers.RequestEstimator;
import dev.tollgate.tokenizer.Tokenizers;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * After N calls through the gateway, the subject's state equals what the upstream reported: tokens and money,
 * for complete answers, streams, cut streams, client disconnects and upstream errors.
 */
class SettlementTest {

    static final ModelCatalog CATALOG = ModelCatalog.bundled();
    static final RequestEstimator ESTIMATOR = RequestEstimator.builder(CATALOG).defaultMaxOutputTokens(1024).build();
    static final ObjectMapper JSON = new ObjectMapper();

    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about budgets\"}]}";
    static final String CHAT_STREAM = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Stream about budgets\"}]}";
    static final String CHAT_STREAM_USAGE = "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    static final String RESPONSES_STREAM = "{\"model\":\"o4-mini\",\"stream\":true,\"input\":\"Reason about budgets\"}";
    static final String COMPLETIONS = "{\"model\":\"gpt-4o-mini\",\"prompt\":\"Once upon a time\",\"max_tokens\":50}";
    static final String EMBEDDINGS = "{\"model\":\"text-embedding-3-small\",\"input\":\"embed this sentence\"}";
    static final String MESSAGES = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":120,\"messages\":[{\"role\":\"user\",\"content\":\"Hi Claude\"}]}";
    static final String MESSAGES_STREAM = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":400,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Stream, Claude\"}]}";

    /** The charge the provider's report comes to, priced like the gateway prices it. */
    static Charge charge(MockUpstream.Report r) {
        Usage u = r.path().equals("/v1/messages")
                ? Usage.anthropic(r.inputTokens() - r.cachedTokens(), r.cachedTokens(), 0, 0, r.outputTokens())
                : Usage.openAi(r.inputTokens(), r.cachedTokens(), r.outputTokens(), r.reasoningTokens());
        return CATALOG.charge(r.model(), u);
    }

    static String[] key(String k) {
        return new String[] {"Authorization", "Bearer " + k};
    }

    @Test
    void stateEqualsTheSumOfReportedUsageAcrossEveryEndpoint() throws Exception {
        try (GatewayFixture f = GatewayFixture.start(new Config.MockConfig(300, 4, 64, Duration.ZERO), Map.of())) {
            String[] k = key("tg-test-metered-1");
            for (String body : new String[] {CHAT, CHAT_STREAM, CHAT_STREAM_USAGE, RESPONSES_STREAM, COMPLETIONS,
                EMBEDDINGS}) {
                assertThat(f.post("/v1/" + path(body), body, k).statusCode()).as(body).isEqualTo(200);
            }
            for (String body : new String[] {MESSAGES, MESSAGES_STREAM}) {
                assertThat(f.post("/v1/messages", body, "x-api-key", "tg-test-metered-1").statusCode()).isEqualTo(200);
            }
            assertThat(f.gateway.callsInFlight()).isZero();
            long tokens = 0;
            long micros = 0;
            for (MockUpstream.Report r : f.mock.reports()) {
                assertThat(r.usageSent()).as(r.path()).isTrue();
                Charge c = charge(r);
                tokens += c.tokens();
                micros += c.micros();
            }
            assertThat(f.mock.reports()).hasSize(8);
            assertThat(f.used("metered-1", "metered", "daily-requests")).isEqualTo(8);
            assertThat(f.used("metered-1", "metered", "daily-tokens")).isEqualTo(tokens);
            assertThat(f.used("metered-1", "metered", "monthly-spend")).isEqualTo(micros);
        }
    }

    static String path(String body) {
        if (body.contains("\"prompt\"")) {
            return "completions";
        }
        if (body.contains("embedding")) {
            return "embeddings";
        }
        if (body.contains("\"input\"")) {
            return "responses";
        }
        return "chat/completions";
    }

    @Test
    void anUpstream500CostsOneRequestAndNoTokens() throws Exception {
        try (GatewayFixture f = GatewayFixture.start()) {
            f.mock.nextFault(new MockUpstream.Fault.Error500());
            HttpResponse<String> r = f.post("/v1/chat/completions", CHAT, key("tg-test-metered-1"));

            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).contains("\"error\"").contains("injected internal error");
            assertThat(f.used("metered-1", "metered", "daily-requests")).isEqualTo(1);
            assertThat(f.used("metered-1", "metered", "daily-tokens")).isZero();
            assertThat(f.used("metered-1", "metered", "monthly-spend")).isZero();
            assertThat(f.gateway.callsInFlight()).isZero();
        }
    }

    @Test
    void aCutStreamSettlesTheStreamedTextPlusTheInputEstimate() throws Exception {
        try (GatewayFixture f = GatewayFixture.start()) {
            f.mock.nextFault(new MockUpstream.Fault.CutStream(40));
            // A raw socket sees every byte that arrived before the cut; an HTTP client library may drop lines it has
            // buffered when it learns that the connection failed, which would make this test race the cut.
            String seen = rawPost(f, "tg-test-metered-1", CHAT_STREAM);
            assertThat(seen).startsWith("HTTP/1.1 200").contains("data: {").doesNotContain("[DONE]");
            // the gateway cuts the client's stream as the provider cut its own: the chunked body never ends
            assertThat(seen).doesNotEndWith("\r\n0\r\n\r\n");
            MockUpstream.Report report = f.mock.reports().get(0);
            assertThat(report.streamedTokens()).isEqualTo(40);
            long input = ESTIMATOR.estimate(Endpoint.OPENAI_CHAT, CHAT_STREAM.getBytes(StandardCharsets.UTF_8)).inputTokens();
            long output = Tokenizers.forModel("gpt-4o-mini").count(streamedText(40));
            assertThat(output).isEqualTo(40); // every mock word is one token
            GatewayFixture.await("the cut stream to settle", () -> f.gateway.callsInFlight() == 0);
            assertThat(f.used("metered-1", "metered", "daily-tokens")).isEqualTo(input + output);
            assertThat(f.used("metered-1", "metered", "monthly-spend"))
                    .isEqualTo(CATALOG.charge("gpt-4o-mini", Usage.of(input, output)).micros());
        }
    }

    /** Opens a socket to the gateway and sends a chat call on it, with the given Tollgate key. */
    static Socket rawRequest(GatewayFixture f, String key, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        Socket s = new Socket("127.0.0.1", f.gateway.port());
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return s;
    }

    /** Sends a POST over a raw socket and returns every byte the gateway sent until it closed the connection. */
    static String rawPost(GatewayFixture f, String key, String json) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (Socket s = rawRequest(f, key, json)) {
            s.setSoTimeout(30_000); // a gateway that neither ends nor closes the response fails the test
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("the gateway neither ended nor closed the response: " + got, e);
            } catch (IOException reset) {
                // an abortive close after the bytes already read: the cut, as seen by the client
            }
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    static String streamedText(int tokens) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            b.append(MockUpstream.word(i));
        }
        return b.toString();
    }

    @Test
    void aClientThatDisconnectsCancelsTheUpstreamAndPaysForWhatWasStreamed() throws Exception {
        // one token every 20 ms: the 300-token stream would take 6 s, the client leaves after the first chunks
        try (GatewayFixture f = GatewayFixture.start(new Config.MockConfig(300, 0, 0, Duration.ofMillis(20)), Map.of())) {
            long received = 0;
            try (Socket s = rawRequest(f, "tg-test-metered-2", CHAT_STREAM)) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                        received++;
                        if (received == 5) {
                            break;
                        }
                    }
                }
            }
            GatewayFixture.await("the gateway to settle the abandoned stream", () -> f.gateway.callsInFlight() == 0);
            GatewayFixture.await("the mock to see its stream cancelled", () -> f.mock.abandonedStreams() == 1);
            MockUpstream.Report report = f.mock.reports().get(0);
            assertThat(report.usageSent()).isFalse();
            assertThat(report.streamedTokens()).isLessThan(300);
            long input = ESTIMATOR.estimate(Endpoint.OPENAI_CHAT, CHAT_STREAM.getBytes(StandardCharsets.UTF_8)).inputTokens();
            long used = f.used("metered-2", "metered", "daily-tokens");
            // settled at what reached the gateway: at least what the client read, at most what the mock sent
            assertThat(used).isBetween(input + received, input + report.streamedTokens());
        }
    }

    @Test
    void aClientThatLeavesBeforeAPlainAnswerIsSettledAtTheUsageTheProviderReports() throws Exception {
        try (GatewayFixture f = GatewayFixture.start()) {
            CountDownLatch release = new CountDownLatch(1);
            f.mock.nextFault(new MockUpstream.Fault.Held(release)); // the provider answers when the test says so
            try (Socket s = rawRequest(f, "tg-test-metered-3", CHAT)) {
                GatewayFixture.await("the call to reach the provider", () -> f.mock.requests() == 1);
            }
            release.countDown(); // the client has gone; the provider answers (and bills) anyway
            GatewayFixture.await("the gateway to settle the abandoned call", () -> f.gateway.callsInFlight() == 0);
            // the mock logs its report just after writing the answer, which the gateway may settle first
            GatewayFixture.await("the provider's report", () -> !f.mock.reports().isEmpty());
            Charge reported = charge(f.mock.reports().get(0));
            assertThat(f.used("metered-3", "metered", "daily-requests")).isEqualTo(1);
            assertThat(f.used("metered-3", "metered", "daily-tokens")).isEqualTo(reported.tokens());
            assertThat(f.used("metered-3", "metered", "monthly-spend")).isEqualTo(reported.micros());
        }
    }
}
