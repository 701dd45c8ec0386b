package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every bad request gets a clear 4xx (or, for a broken upstream, a 5xx) in the caller's provider format, and no
 * reservation is left open.
 */
class BadInputTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String MESSAGES = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String[] ALICE = {"Authorization", "Bearer tg-test-metered-1"};

    GatewayFixture f;

    @AfterEach
    void stop() {
        f.close();
    }

    /** An OpenAI error object: {"error":{"message","type","code"}}. */
    static JsonNode openAiError(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertThat(e).as(r.body()).isNotNull();
        assertThat(e.get("message").asText()).isNotBlank();
        assertThat(e.has("type")).isTrue();
        assertThat(e.has("code")).isTrue();
        return e;
    }

    /** An Anthropic error object: {"type":"error","error":{"type","message"}}. */
    static JsonNode anthropicError(HttpResponse<String> r, int status, String type) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode root = JSON.readTree(r.body());
        assertThat(root.get("type").asText()).isEqualTo("error");
        assertThat(root.get("error").get("type").asText()).isEqualTo(type);
        return root.get("error");
    }

    void nothingCharged() {
        assertThat(f.gateway.callsInFlight()).isZero();
        assertThat(f.used("metered-1", "metered", "daily-requests")).isZero();
        assertThat(f.mock.requests()).isZero();
    }

    @Test
    void malformedJsonIsA400InEachFormat() throws Exception {
        f = GatewayFixture.start();
        JsonNode e = openAiError(f.post("/v1/chat/completions", "{\"model\": \"gpt-4o-mini\", \"messages\": [", ALICE), 400);
        assertThat(e.get("message").asText()).contains("not valid JSON");
        anthropicError(f.post("/v1/messages", "{nope", "x-api-key", "tg-test-metered-1"), 400, "invalid_request_error");
        nothingCharged();
    }

    @Test
    void aWrongContentTypeIsA415() throws Exception {
        f = GatewayFixture.start();
        JsonNode e = openAiError(f.post("/v1/chat/completions", CHAT, "Authorization", "Bearer tg-test-metered-1",
                "Content-Type", "text/plain"), 415);
        assertThat(e.get("message").asText()).contains("application/json").contains("text/plain");
        nothingCharged();
    }

    @Test
    void aBodyOverTheLimitIsA413() throws Exception {
        f = GatewayFixture.start(Config.MockConfig.DEFAULTS, Map.of("MAX_BODY", "64KB"));
        String big = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(70_000) + "\"}]}";
        JsonNode e = openAiError(f.post("/v1/chat/completions", big, ALICE), 413);
        assertThat(e.get("message").asText()).contains("65536 bytes");
        anthropicError(f.post("/v1/messages", big, "x-api-key", "tg-test-metered-1"), 413, "request_too_large");
        nothingCharged();
    }

    @Test
    void theDefaultBodyLimitIsTenMegabytes() throws Exception {
        f = GatewayFixture.start();
        assertThat(f.gateway.config().maxBodyBytes()).isEqualTo(10L * 1024 * 1024);
        String big = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(10 * 1024 * 1024) + "\"}]}";
        openAiError(f.post("/v1/chat/completions", big, ALICE), 413);
        nothingCharged();
    }

    @Test
    void anUnknownModelIsA404ThatNamesIt() throws Exception {
        f = GatewayFixture.start();
        JsonNode e = openAiError(f.post("/v1/chat/completions", CHAT.replace("gpt-4o-mini", "gpt-9-ultra"), ALICE), 404);
        assertThat(e.get("code").asText()).isEqualTo("model_not_found");
        assertThat(e.get("message").asText()).contains("gpt-9-ultra");
        anthropicError(f.post("/v1/messages", MESSAGES.replace("claude-haiku-4-5", "claude-nope"), "x-api-key",
                "tg-test-metered-1"), 404, "not_found_error");
        nothingCharged();
    }

    @Test
    void aMissingFieldIsA400ThatNamesIt() throws Exception {
        f = GatewayFixture.start();
        JsonNode e = openAiError(f.post("/v1/chat/completions", "{\"messages\":[]}", ALICE), 400);
        assertThat(e.get("message").asText()).contains("model");
        nothingCharged();
    }

    @Test
    void aMissingUnknownOrRevokedKeyIsA401InTheProvidersFormat() throws Exception {
        f = GatewayFixture.start();
        JsonNode missing = openAiError(f.post("/v1/chat/completions", CHAT), 401);
        assertThat(missing.get("code").asText()).isEqualTo("invalid_api_key");
        assertThat(missing.get("message").asText()).contains("no API key");
        openAiError(f.post("/v1/chat/completions", CHAT, "Authorization", "Bearer sk-real-openai-key"), 401);
        JsonNode revoked = openAiError(f.post("/v1/chat/completions", CHAT, "Authorization", "Bearer tg-test-revoked"), 401);
        assertThat(revoked.get("message").asText()).contains("revoked");
        anthropicError(f.post("/v1/messages", MESSAGES), 401, "authentication_error");
        anthropicError(f.post("/v1/messages", MESSAGES, "x-api-key", "tg-test-revoked"), 401, "authentication_error");
        nothingCharged();
    }

    @Test
    void anUnknownPathIsA404InTheProvidersFormat() throws Exception {
        f = GatewayFixture.start();
        JsonNode e = openAiError(f.post("/v1/assistants", "{}", ALICE), 404);
        assertThat(e.get("message").asText()).contains("/v1/assistants");
        anthropicError(f.post("/v1/complete", "{}", "x-api-key", "tg-test-metered-1", "anthropic-version", "2023-06-01"),
                404, "not_found_error");
        nothingCharged();
    }

    @Test
    void anUpstreamThatHangsIsA504AndTheReservationIsSettled() throws Exception {
        f = GatewayFixture.start(Config.MockConfig.DEFAULTS, Map.of("UPSTREAM_TIMEOUT", "1s"));
        f.mock.nextFault(new MockUpstream.Fault.Hang());
        JsonNode e = openAiError(f.post("/v1/chat/completions", CHAT, ALICE), 504);
        assertThat(e.get("message").asText()).contains("no answer");
        assertThat(f.gateway.callsInFlight()).isZero();
        // the provider may have billed a call it never answered: the estimate stays charged, never stuck
        assertThat(f.used("metered-1", "metered", "daily-requests")).isEqualTo(1);
        assertThat(f.used("metered-1", "metered", "daily-tokens")).isGreaterThan(1024);
    }

    @Test
    void anUpstreamThatAnswersGarbageIsA502AndTheReservationIsSettled() throws Exception {
        f = GatewayFixture.start();
        f.mock.nextFault(new MockUpstream.Fault.Garbage());
        JsonNode e = openAiError(f.post("/v1/chat/completions", CHAT, ALICE), 502);
        assertThat(e.get("message").asText()).contains("not valid");
        f.mock.nextFault(new MockUpstream.Fault.Garbage());
        anthropicError(f.post("/v1/messages", MESSAGES, "x-api-key", "tg-test-metered-1"), 502, "api_error");
        assertThat(f.gateway.callsInFlight()).isZero();
        assertThat(f.used("metered-1", "metered", "daily-requests")).isEqualTo(2);
    }

    @Test
    void aCookieTheProviderSetsReachesNeitherTheNextUsersCallNorTheClient() throws Exception {
        f = GatewayFixture.start();
        f.mock.nextFault(new MockUpstream.Fault.SetsCookie("__cf_bm=alices-session; path=/; HttpOnly"));
        HttpResponse<String> first = f.post("/v1/chat/completions", CHAT, ALICE);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("set-cookie")).isEmpty();

        HttpResponse<String> second = f.post("/v1/chat/completions", CHAT, "Authorization", "Bearer tg-test-metered-2");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(f.mock.requests()).isEqualTo(2);
        assertThat(f.mock.lastHeaders()).doesNotContainKey("cookie");
    }

    @Test
    void anUnreachableUpstreamIsA502ThatCostsOneRequest() throws Exception {
        f = GatewayFixture.start();
        f.mock.close(); // nothing listens on the mock's port any more
        JsonNode e = openAiError(f.post("/v1/chat/completions", CHAT, ALICE), 502);
        assertThat(e.get("message").asText()).contains("could not be reached");
        assertThat(f.gateway.callsInFlight()).isZero();
        assertThat(f.used("metered-1", "metered", "daily-tokens")).isZero();
    }
}
