package dev.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.cost.ModelCatalog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streaming read of a chat request ({@link ChatScan}) and the tree read give the same estimate, or the same error,
 * on seeded random requests: plain ones, and ones with every kind of oddity the streaming read must leave to the tree
 * (tools, images, repeated fields, wrong types, bad numbers, malformed and truncated JSON).
 */
class ChatScanTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final RequestEstimator DEFAULT = RequestEstimator.create();
    /** A small exact budget, so that the order in which texts are counted decides which go to the heuristic. */
    static final RequestEstimator SMALL_EXACT = RequestEstimator.builder(ModelCatalog.bundled()).maxExactChars(40).build();

    @Test
    void theStreamingReadAgreesWithTheTreeOnRandomRequests() {
        long seed = Long.getLong("tollgate.seed", System.nanoTime());
        Random random = new Random(seed);
        int scanned = 0;
        int total = 4_000;
        for (int i = 0; i < total; i++) {
            String body = new Bodies(random).body();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            RequestEstimator estimator = random.nextBoolean() ? DEFAULT : SMALL_EXACT;
            String why = "seed=" + seed + " (rerun with -Dtollgate.seed=" + seed + "), body " + i + ": " + body;
            assertThat(outcome(() -> estimator.estimate(Endpoint.OPENAI_CHAT, bytes))).as(why)
                    .isEqualTo(outcome(() -> estimator.estimate(Endpoint.OPENAI_CHAT, tree(bytes))));
            if (ChatScan.read(JSON.getFactory(), bytes) != null) {
                scanned++;
            }
        }
        // the generator makes plain requests often enough that the streaming read is what this test checks
        assertThat(scanned).as("seed=%d: requests read without a tree", seed).isGreaterThan(total / 5);
    }

    @Test
    void aPlainRequestIsReadWithoutATree() {
        String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":50,\"stream\":false,\"temperature\":0.2,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"name\":\"bob\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"Hello\"},{\"type\":\"text\",\"text\":\" there\"}]}]}";
        ChatScan.Chat chat = ChatScan.read(JSON.getFactory(), body.getBytes(StandardCharsets.UTF_8));
        assertThat(chat).isEqualTo(new ChatScan.Chat("gpt-4o-mini", -1, 50, -1, false, List.of(
                new ChatScan.Message("system", List.of("Be brief."), null),
                new ChatScan.Message("user", List.of("Hello", " there"), "bob"))));
    }

    @Test
    void toolsImagesAndRepeatedFieldsAreLeftToTheTree() {
        for (String body : new String[] {
            "{\"model\":\"gpt-4o\",\"tools\":[],\"messages\":[]}",
            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]}",
            "{\"model\":\"gpt-4o\",\"model\":\"gpt-4o-mini\",\"messages\":[]}",
            "{\"model\":\"gpt-4o\",\"max_tokens\":5.0,\"messages\":[]}",
            "{\"model\":\"gpt-4o\",\"stream\":\"true\",\"messages\":[]}",
            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[]}]}",
            "{\"model\":\"gpt-4o\",\"messages\":[",
        }) {
            assertThat(ChatScan.read(JSON.getFactory(), body.getBytes(StandardCharsets.UTF_8))).as(body).isNull();
        }
    }

    static JsonNode tree(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            return null; // malformed: the byte path must say so as an error on "body"
        }
    }

    /** An estimate, or the error's field and message; a malformed body read as a tree is the "body" error. */
    static Object outcome(java.util.function.Supplier<RequestEstimate> estimate) {
        try {
            return estimate.get();
        } catch (InvalidRequestException e) {
            return e.field().equals("body") ? "error on body" : "error on " + e.field() + ": " + e.getMessage();
        }
    }

    /** Random chat request bodies, mostly plain, with oddities mixed in. */
    static final class Bodies {
        final Random r;

        Bodies(Random r) {
            this.r = r;
        }

        boolean odds(int percent) {
            return r.nextInt(100) < percent;
        }

        String pick(String... options) {
            return options[r.nextInt(options.length)];
        }

        String body() {
            List<String> fields = new ArrayList<>();
            if (!odds(3)) {
                fields.add(field("model", odds(90) ? str(pick("gpt-4o-mini", "gpt-4o", "o4-mini", "gpt-4.1", "gpt-3.5-turbo"))
                        : pick("\"\"", "\"  \"", "42", "null", "\"no-such-model\"", "[\"gpt-4o\"]")));
            }
            if (!odds(3)) {
                fields.add(field("messages", odds(95) ? messages() : pick("null", "{}", "\"hi\"", "[1]")));
            }
            for (String name : new String[] {"max_tokens", "max_completion_tokens", "n"}) {
                if (odds(40)) {
                    fields.add(field(name, number()));
                }
            }
            if (odds(40)) {
                fields.add(field("stream", odds(85) ? pick("true", "false", "null") : pick("\"true\"", "1", "0")));
            }
            if (odds(30)) {
                fields.add(field(pick("temperature", "metadata", "user", "stream_options", "response_format"), any(3)));
            }
            if (odds(5)) {
                fields.add(field(pick("tools", "functions"), pick("[]", "null",
                        "[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]")));
            }
            if (odds(4) && !fields.isEmpty()) {
                fields.add(fields.get(r.nextInt(fields.size()))); // a repeated field
            }
            Collections.shuffle(fields, r);
            String body = "{" + String.join("," + space(), fields) + "}";
            if (odds(4)) {
                body = body.substring(0, r.nextInt(body.length())); // truncated
            } else if (odds(2)) {
                body = body + pick(" x", "}", " {}"); // trailing content, which a tree read ignores
            } else if (odds(2)) {
                body = pick("[1,2]", "\"x\"", "null", "{}");
            }
            return body;
        }

        String field(String name, String value) {
            return str(name) + space() + ":" + space() + value;
        }

        String space() {
            return odds(20) ? pick(" ", "\n  ", "\t") : "";
        }

        String number() {
            return odds(85) ? Long.toString(odds(10) ? 0 : r.nextInt(2_000_000))
                    : pick("null", "-1", "5.0", "1e3", "\"50\"", "99999999999999999999999", "true", "200");
        }

        String messages() {
            List<String> list = new ArrayList<>();
            int n = r.nextInt(5);
            for (int i = 0; i < n; i++) {
                list.add(odds(97) ? message() : pick("null", "\"hi\"", "[]", "7"));
            }
            return "[" + String.join(",", list) + "]";
        }

        String message() {
            List<String> fields = new ArrayList<>();
            if (!odds(3)) {
                fields.add(field("role", odds(95) ? str(pick("system", "user", "assistant", "developer", "tool")) : "7"));
            }
            if (!odds(10)) {
                fields.add(field("content", content()));
            }
            if (odds(20)) {
                fields.add(field("name", odds(85) ? str(text()) : pick("null", "3")));
            }
            if (odds(10)) {
                fields.add(field(pick("refusal", "audio", "cache"), any(2)));
            }
            if (odds(5)) {
                fields.add(field(pick("tool_calls", "function_call", "tool_call_id"), pick("[]", "null", "\"call_1\"",
                        "[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]", "{\"name\":\"f\"}")));
            }
            if (odds(3) && !fields.isEmpty()) {
                fields.add(fields.get(0));
            }
            Collections.shuffle(fields, r);
            return "{" + String.join(",", fields) + "}";
        }

        String content() {
            if (odds(60)) {
                return str(text());
            }
            if (odds(15)) {
                return pick("null", "42", "{}");
            }
            List<String> parts = new ArrayList<>();
            int n = r.nextInt(4);
            for (int i = 0; i < n; i++) {
                parts.add(odds(85) ? textPart() : pick(
                        "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\",\"detail\":\"low\"}}",
                        "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AAAA\"}}",
                        "{\"type\":\"refusal\",\"refusal\":\"no\"}", "{\"text\":\"no type\"}", "\"bare\"", "null"));
            }
            return "[" + String.join(",", parts) + "]";
        }

        String textPart() {
            List<String> fields = new ArrayList<>();
            fields.add(field("type", odds(95) ? "\"text\"" : pick("\"input_text\"", "1")));
            fields.add(field("text", odds(95) ? str(text()) : pick("null", "5")));
            if (odds(15)) {
                fields.add(field("cache_control", "{\"type\":\"ephemeral\"}"));
            }
            Collections.shuffle(fields, r);
            return "{" + String.join(",", fields) + "}";
        }

        String text() {
            StringBuilder b = new StringBuilder();
            int words = r.nextInt(12);
            for (int i = 0; i < words; i++) {
                b.append(i == 0 ? "" : " ").append(pick("budget", "token", "hello", "the", "Ünïcode", "日本語", "emoji 🙂",
                        "tab\\there", "quote \\\"x\\\"", "\\u00e9t\\u00e9", "new\\nline", "12345", "   "));
            }
            return b.toString();
        }

        /** Any JSON value, nested up to {@code depth}. */
        String any(int depth) {
            int kind = r.nextInt(depth > 0 ? 7 : 5);
            return switch (kind) {
                case 0 -> "null";
                case 1 -> pick("true", "false");
                case 2 -> pick("0.7", "-3", "1e-9", "12");
                case 3, 4 -> str(text());
                case 5 -> "[" + any(depth - 1) + "," + any(depth - 1) + "]";
                default -> "{" + str(pick("a", "b", "usage", "model")) + ":" + any(depth - 1) + "}";
            };
        }

        static String str(String s) {
            return "\"" + s + "\"";
        }
    }
}
