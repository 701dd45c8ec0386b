package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The decision API: reserve, settle, release, check and limits over HTTP, authenticated by a service key. */
class DecisionApiTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] SERVICE = {"Authorization", "Bearer tg-test-service"};

    GatewayFixture f;

    @BeforeEach
    void start() {
        f = GatewayFixture.start();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    JsonNode post(String path, String body, int status) throws Exception {
        HttpResponse<String> r = f.post(path, body, SERVICE);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    @Test
    void reserveThenSettleChargesTheActualUsage() throws Exception {
        JsonNode r = post("/tollgate/v1/reserve", "{\"user\":\"metered-3\",\"tokens\":1200,\"usd\":\"0.01\"}", 200);
        assertThat(r.get("allowed").asBoolean()).isTrue();
        String id = r.get("reservation_id").asText();
        assertThat(f.used("metered-3", "metered", "daily-tokens")).isEqualTo(1200);
        assertThat(f.gateway.heldReservations()).isEqualTo(1);

        JsonNode s = post("/tollgate/v1/settle", "{\"reservation_id\":\"" + id + "\",\"tokens\":900,\"usd\":\"0.0042\"}", 200);
        assertThat(s.get("settled").asBoolean()).isTrue();
        assertThat(f.used("metered-3", "metered", "daily-tokens")).isEqualTo(900);
        assertThat(f.used("metered-3", "metered", "monthly-spend")).isEqualTo(4_200);
        assertThat(f.gateway.heldReservations()).isZero();

        JsonNode again = post("/tollgate/v1/settle", "{\"reservation_id\":\"" + id + "\",\"tokens\":1}", 404);
        assertThat(again.get("error").get("message").asText()).contains("no open reservation");
    }

    @Test
    void aRequestBodyIsEstimatedAndItsProviderUsageSettlesIt() throws Exception {
        JsonNode r = post("/tollgate/v1/reserve", "{\"user\":\"metered-3\",\"endpoint\":\"chat.completions\",\"request\":"
                + "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}", 200);
        long reserved = r.get("charge").get("tokens").asLong();
        assertThat(reserved).isGreaterThan(100);
        String id = r.get("reservation_id").asText();

        post("/tollgate/v1/settle", "{\"reservation_id\":\"" + id + "\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":41,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}", 200);
        assertThat(f.used("metered-3", "metered", "daily-tokens")).isEqualTo(50);
    }

    @Test
    void releaseReturnsTheWholeEstimate() throws Exception {
        String id = post("/tollgate/v1/reserve", "{\"user\":\"metered-3\",\"tokens\":5000}", 200).get("reservation_id").asText();
        post("/tollgate/v1/release", "{\"reservation_id\":\"" + id + "\"}", 200);
        assertThat(f.used("metered-3", "metered", "daily-tokens")).isZero();
    }

    @Test
    void aDenialIsA429WithTheReasonAndNothingIsHeld() throws Exception {
        HttpResponse<String> r = f.post("/tollgate/v1/reserve", "{\"user\":\"free-1\",\"tokens\":3000}", SERVICE);
        assertThat(r.statusCode()).isEqualTo(429);
        JsonNode d = JSON.readTree(r.body());
        assertThat(d.get("allowed").asBoolean()).isFalse();
        assertThat(d.get("denied_by").asText()).isEqualTo("daily-tokens");
        assertThat(d.get("reason").asText()).contains("daily-tokens");
        assertThat(d.get("reservation_id").isNull()).isTrue();
        assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(r.headers().firstValue("RateLimit-Policy")).isPresent();
        assertThat(f.gateway.heldReservations()).isZero();
    }

    @Test
    void checkChargesNothingAndLimitsReadTheRemainder() throws Exception {
        JsonNode c = post("/tollgate/v1/check", "{\"user\":\"free-1\",\"tokens\":1000}", 200);
        assertThat(c.get("allowed").asBoolean()).isTrue();
        assertThat(f.used("free-1", "free", "daily-tokens")).isZero();

        HttpResponse<String> r = f.get("/tollgate/v1/limits?user=free-1", SERVICE);
        JsonNode l = JSON.readTree(r.body());
        assertThat(l.get("plan").asText()).isEqualTo("free");
        assertThat(l.get("rules").get(1).get("name").asText()).isEqualTo("daily-tokens");
        assertThat(l.get("rules").get(1).get("remaining").asLong()).isEqualTo(2500);
    }

    @Test
    void aUserWithoutAKeyNeedsAPlan() throws Exception {
        JsonNode e = post("/tollgate/v1/reserve", "{\"user\":\"stranger\",\"tokens\":10}", 400);
        assertThat(e.get("error").get("message").asText()).contains("plan is required");
        post("/tollgate/v1/reserve", "{\"user\":\"stranger\",\"plan\":\"metered\",\"tokens\":10}", 200);
    }

    @Test
    void aClientKeyIsNotAServiceKey() throws Exception {
        HttpResponse<String> r = f.post("/tollgate/v1/reserve", "{\"user\":\"free-1\",\"tokens\":1}",
                "Authorization", "Bearer tg-test-free-1");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(f.post("/tollgate/v1/reserve", "{}").statusCode()).isEqualTo(401);
    }

    @Test
    void aClientReadsItsOwnLimitsWithItsKey() throws Exception {
        HttpResponse<String> r = f.get("/tollgate/v1/me", "Authorization", "Bearer tg-test-free-1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("user").asText()).isEqualTo("free-1");
        assertThat(r.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("2500");
    }
}
