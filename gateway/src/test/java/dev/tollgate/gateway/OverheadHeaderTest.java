package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A model call that was reserved (or refused) and answered whole carries the gateway's own time as
 * {@code x-tollgate-overhead-us}, on the inline path, the blocking path and a denial; a stream, whose answer starts
 * before the figure is known, does not.
 */
class OverheadHeaderTest {

    static final String HEADER = "x-tollgate-overhead-us";
    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String STREAM = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":20,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static void hasOverhead(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue(HEADER)).as("header " + HEADER).hasValueSatisfying(
                v -> assertThat(v).matches("[0-9]+"));
    }

    @Test
    void aSmallCallServedInlineReportsItsOverhead() throws Exception {
        try (GatewayFixture f = GatewayFixture.start()) {
            hasOverhead(f.post("/v1/chat/completions", CHAT, "Authorization", "Bearer tg-test-metered-1"), 200);
        }
    }

    @Test
    void aLargeCallServedOnAVirtualThreadReportsItsOverhead() throws Exception {
        String big = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "budget ".repeat(4_000) + "\"}]}"; // past the inline limit of 16 KiB
        try (GatewayFixture f = GatewayFixture.start()) {
            hasOverhead(f.post("/v1/chat/completions", big, "Authorization", "Bearer tg-test-metered-1"), 200);
        }
    }

    @Test
    void aDenialReportsItsOverhead() throws Exception {
        try (GatewayFixture f = GatewayFixture.start()) {
            for (int i = 0; i < 2; i++) { // the burst plan holds two requests
                hasOverhead(f.post("/v1/chat/completions", CHAT, "Authorization", "Bearer tg-test-burst-1"), 200);
            }
            hasOverhead(f.post("/v1/chat/completions", CHAT, "Authorization", "Bearer tg-test-burst-1"), 429);
        }
    }

    @Test
    void aStreamCarriesNoOverheadHeader() throws Exception {
        try (GatewayFixture f = GatewayFixture.start()) {
            HttpResponse<String> r = f.post("/v1/chat/completions", STREAM, "Authorization", "Bearer tg-test-metered-1");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("[DONE]");
            assertThat(r.headers().firstValue(HEADER)).isEmpty();
        }
    }
}
