package dev.tollgate.providers;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the fields an estimate needs from a plain OpenAI chat request with Jackson's streaming parser, without
 * building a tree of the body: the model, the max tokens, {@code n}, {@code stream} and each message's role, text and
 * name. Every other field is skipped (still read, so malformed JSON is never taken).
 *
 * <p>It answers only when it reads the request exactly as {@link RequestEstimator}'s tree reading would: anything it
 * does not handle that way (tools, tool calls, images and other content parts, a field of an unexpected type or
 * value, a repeated field, malformed JSON) makes it answer null, and the caller reads the tree, which also words
 * every error. {@code ChatScanTest} checks on seeded random requests that both readings agree.
 */
final class ChatScan {

    /** A message as the estimator counts it: role, content texts in order, and name (or null). */
    record Message(String role, List<String> texts, String name) {}

    /**
     * A plain chat request.
     *
     * @param maxCompletionTokens -1 if absent or null
     * @param maxTokens -1 if absent or null
     * @param n -1 if absent or null
     */
    record Chat(String model, long maxCompletionTokens, long maxTokens, long n, boolean stream,
                List<Message> messages) {}

    private static final int MODEL = 1;
    private static final int MESSAGES = 2;
    private static final int MAX_COMPLETION_TOKENS = 4;
    private static final int MAX_TOKENS = 8;
    private static final int N = 16;
    private static final int STREAM = 32;

    /** Thrown inside the scan when the request is not plain; never escapes. */
    private static final class NotPlain extends Exception {
        static final NotPlain INSTANCE = new NotPlain();

        private NotPlain() {
            super(null, null, false, false); // no stack trace: it is control flow, thrown on unusual requests
        }
    }

    private ChatScan() {}

    /** The request's fields, or null if it is not a plain chat request that this reader reads exactly. */
    static Chat read(JsonFactory json, byte[] body) {
        try (JsonParser p = json.createParser(body)) {
            return chat(p);
        } catch (IOException | NotPlain e) {
            return null;
        }
    }

    private static Chat chat(JsonParser p) throws IOException, NotPlain {
        expect(p.nextToken() == JsonToken.START_OBJECT);
        String model = null;
        long maxCompletionTokens = -1;
        long maxTokens = -1;
        long n = -1;
        boolean stream = false;
        List<Message> messages = null;
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            int bit = switch (field) {
                case "model" -> MODEL;
                case "messages" -> MESSAGES;
                case "max_completion_tokens" -> MAX_COMPLETION_TOKENS;
                case "max_tokens" -> MAX_TOKENS;
                case "n" -> N;
                case "stream" -> STREAM;
                case "tools", "functions" -> throw NotPlain.INSTANCE;
                default -> 0;
            };
            if (bit == 0) {
                p.skipChildren();
                continue;
            }
            expect((seen & bit) == 0); // a repeated field: the tree keeps the last one, and says less about it
            seen |= bit;
            switch (bit) {
                case MODEL -> {
                    expect(value == JsonToken.VALUE_STRING);
                    model = p.getText();
                    expect(!model.isBlank());
                }
                case MESSAGES -> messages = messages(p, value);
                case MAX_COMPLETION_TOKENS -> maxCompletionTokens = count(p, value);
                case MAX_TOKENS -> maxTokens = count(p, value);
                case N -> n = count(p, value);
                default -> { // STREAM
                    expect(value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE
                            || value == JsonToken.VALUE_NULL);
                    stream = value == JsonToken.VALUE_TRUE;
                }
            }
        }
        expect(model != null && messages != null);
        return new Chat(model, maxCompletionTokens, maxTokens, n, stream, messages);
    }

    /** A whole number >= 0 that fits a long, or -1 for null; anything else the tree reader must word. */
    private static long count(JsonParser p, JsonToken value) throws IOException, NotPlain {
        if (value == JsonToken.VALUE_NULL) {
            return -1;
        }
        expect(value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER);
        long v = p.getLongValue();
        expect(v >= 0);
        return v;
    }

    private static List<Message> messages(JsonParser p, JsonToken value) throws IOException, NotPlain {
        expect(value == JsonToken.START_ARRAY);
        List<Message> messages = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            messages.add(message(p));
        }
        return messages;
    }

    private static Message message(JsonParser p) throws IOException, NotPlain {
        expect(p.currentToken() == JsonToken.START_OBJECT);
        String role = null;
        List<String> texts = List.of();
        String name = null;
        boolean content = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "role" -> {
                    expect(role == null && value == JsonToken.VALUE_STRING);
                    role = p.getText();
                }
                case "content" -> {
                    expect(!content);
                    content = true;
                    texts = content(p, value);
                }
                case "name" -> {
                    expect(name == null && (value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NULL));
                    name = value == JsonToken.VALUE_NULL ? null : p.getText(); // null: no name, as in the tree
                }
                case "tool_calls", "function_call", "tool_call_id" -> throw NotPlain.INSTANCE;
                default -> p.skipChildren();
            }
        }
        expect(role != null);
        return new Message(role, texts, name);
    }

    /** The texts of a message's content: none for null, one for a string, one per text part. */
    private static List<String> content(JsonParser p, JsonToken value) throws IOException, NotPlain {
        if (value == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (value == JsonToken.VALUE_STRING) {
            return List.of(p.getText());
        }
        expect(value == JsonToken.START_ARRAY);
        List<String> texts = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            texts.add(textPart(p));
        }
        return texts;
    }

    /** A {@code {"type":"text","text":"..."}} part (other fields skipped); any other part is not plain. */
    private static String textPart(JsonParser p) throws IOException, NotPlain {
        expect(p.currentToken() == JsonToken.START_OBJECT);
        String type = null;
        String text = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "type" -> {
                    expect(type == null && value == JsonToken.VALUE_STRING);
                    type = p.getText();
                }
                case "text" -> {
                    expect(text == null && value == JsonToken.VALUE_STRING);
                    text = p.getText();
                }
                default -> p.skipChildren();
            }
        }
        expect("text".equals(type) && text != null);
        return text;
    }

    private static void expect(boolean plain) throws NotPlain {
        if (!plain) {
            throw NotPlain.INSTANCE;
        }
    }
}
