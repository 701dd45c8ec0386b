package dev.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.cost.Usage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Reading a response's usage with the streaming parser, skipping the rest, gives what reading the whole response as
 * a tree gives, on seeded random responses: the usage, or the same error.
 */
class UsageReadTest {

    @Test
    void theStreamingReadAgreesWithTheTreeOnRandomResponses() {
        long seed = Long.getLong("tollgate.seed", System.nanoTime());
        Random r = new Random(seed);
        ChatScanTest.Bodies values = new ChatScanTest.Bodies(r);
        for (int i = 0; i < 3_000; i++) {
            List<String> fields = new ArrayList<>();
            fields.add("\"id\":\"chatcmpl-1\"");
            fields.add("\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                    + values.text() + "\"},\"finish_reason\":\"stop\"}]");
            if (r.nextInt(10) > 0) {
                fields.add("\"usage\":" + usage(r));
            }
            if (r.nextInt(10) == 0) {
                fields.add("\"usage\":" + usage(r)); // repeated: the last one counts
            }
            if (r.nextInt(4) == 0) {
                fields.add("\"extra\":" + values.any(3));
            }
            Collections.shuffle(fields, r);
            String body = "{" + String.join(",", fields) + "}";
            if (r.nextInt(20) == 0) {
                body = body.substring(0, r.nextInt(body.length()));
            } else if (r.nextInt(30) == 0) {
                body = values.pick("[]", "[{\"usage\":{}}]", "\"usage\"", "", "null");
            }
            Endpoint endpoint = r.nextBoolean() ? Endpoint.OPENAI_CHAT : Endpoint.ANTHROPIC_MESSAGES;
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            assertThat(streamed(endpoint, bytes)).as("seed=%d (rerun with -Dtollgate.seed=%d), response %d: %s", seed,
                    seed, i, body).isEqualTo(tree(endpoint, bytes));
        }
    }

    static String usage(Random r) {
        return r.nextInt(15) == 0 ? "null" : "{\"prompt_tokens\":" + r.nextInt(5000) + ",\"completion_tokens\":"
                + r.nextInt(5000) + ",\"input_tokens\":" + r.nextInt(5000) + ",\"output_tokens\":" + r.nextInt(5000)
                + ",\"prompt_tokens_details\":{\"cached_tokens\":" + r.nextInt(100) + "}}";
    }

    static Object streamed(Endpoint endpoint, byte[] body) {
        try {
            return UsageMeters.fromResponse(endpoint, body);
        } catch (InvalidRequestException e) {
            return e.field();
        }
    }

    /** The former reading: the whole response as a tree. */
    static Object tree(Endpoint endpoint, byte[] body) {
        JsonNode root;
        try {
            root = UsageMeters.JSON.readTree(body);
        } catch (java.io.IOException e) {
            return "body";
        }
        JsonNode usage = root == null ? null : root.get("usage");
        if (usage == null || !usage.isObject()) {
            return "usage";
        }
        Usage u = endpoint.isAnthropic() ? UsageMeters.anthropic(usage, null) : UsageMeters.openAi(usage);
        return u;
    }
}
