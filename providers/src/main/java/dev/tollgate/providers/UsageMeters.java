package dev.tollgate.providers;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.cost.TokenCounter;
import dev.tollgate.cost.Usage;
import dev.tollgate.providers.internal.Json;
import dev.tollgate.tokenizer.Tokenizers;
import java.io.IOException;

/**
 * Reads the real usage of a call from the provider's response: a JSON body, or a stream through a
 * {@link StreamMeter}. Also rewrites OpenAI streaming requests so that upstream always reports usage.
 */
public final class UsageMeters {

    static final ObjectMapper JSON = Json.newMapper();

    private UsageMeters() {}

    /**
     * The usage of a non-streaming response of the given format. OpenAI's cached tokens are a part of the prompt
     * tokens and are billed once, at the cached price; Anthropic's input excludes its cache tokens.
     *
     * @throws InvalidRequestException (field {@code usage}) if the body has no readable usage
     */
    public static Usage fromResponse(Endpoint endpoint, byte[] body) {
        JsonNode usage;
        try (JsonParser parser = JSON.createParser(body)) {
            usage = usageOf(parser);
        } catch (IOException e) {
            throw new InvalidRequestException("body", "response body is not valid JSON");
        }
        if (usage == null || !usage.isObject()) {
            throw new InvalidRequestException("usage", "response has no usage object");
        }
        return endpoint.isAnthropic() ? anthropic(usage, null) : openAi(usage);
    }

    /**
     * The top-level {@code usage} value of a response, or null if there is none (the last one if it is repeated, as
     * in a tree). Only that value is built as a tree: the rest, the answer's text and most of the bytes, is skipped
     * by the streaming parser, which still reads it to the end of the object, so a truncated or malformed answer
     * fails as it would as a tree.
     */
    static JsonNode usageOf(JsonParser parser) throws IOException {
        JsonToken first = parser.nextToken();
        if (first != JsonToken.START_OBJECT) {
            parser.skipChildren(); // an array or a scalar has no usage, but must still be well-formed
            return null;
        }
        JsonNode usage = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            boolean wanted = parser.currentName().equals("usage");
            parser.nextToken();
            if (wanted) {
                usage = parser.readValueAsTree();
            } else {
                parser.skipChildren();
            }
        }
        return usage;
    }

    /** A meter for a streamed response to the request {@code estimate} describes. */
    public static StreamMeter stream(RequestEstimate estimate) {
        TokenCounter counter = Tokenizers.forModel(estimate.model());
        return estimate.endpoint().isAnthropic() ? new AnthropicStreamMeter(estimate, counter)
                : new OpenAiStreamMeter(estimate, counter);
    }

    /**
     * OpenAI's {@code usage}, chat/completions style or Responses style. Counts are read defensively: a negative or
     * non-numeric count reads as 0, cached tokens are capped at the prompt and reasoning at the completion, so a
     * malformed upstream usage never throws.
     */
    static Usage openAi(JsonNode u) {
        boolean responses = u.has("input_tokens");
        long prompt = count(u.path(responses ? "input_tokens" : "prompt_tokens"));
        long cached = count(u.path(responses ? "input_tokens_details" : "prompt_tokens_details").path("cached_tokens"));
        long completion = count(u.path(responses ? "output_tokens" : "completion_tokens"));
        long reasoning = count(
                u.path(responses ? "output_tokens_details" : "completion_tokens_details").path("reasoning_tokens"));
        return Usage.openAi(prompt, Math.min(prompt, cached), completion, Math.min(completion, reasoning));
    }

    /** A token count from JSON: a non-negative whole number, else 0. */
    static long count(JsonNode n) {
        return n.canConvertToLong() && n.isIntegralNumber() ? Math.max(0, n.asLong()) : 0;
    }

    /**
     * Anthropic's {@code usage}, merged over {@code previous} (fields absent here keep their previous value). Cache
     * creation splits into 5-minute and 1-hour writes when {@code cache_creation} says so; otherwise all writes are
     * 5-minute, the API's default.
     */
    static Usage anthropic(JsonNode u, Usage previous) {
        Usage p = previous == null ? Usage.ZERO : previous;
        long input = u.has("input_tokens") ? count(u.get("input_tokens")) : p.inputTokens();
        long read = u.has("cache_read_input_tokens") ? count(u.get("cache_read_input_tokens")) : p.cachedInputTokens();
        long w5 = p.cacheWrite5mTokens();
        long w1 = p.cacheWrite1hTokens();
        JsonNode split = u.path("cache_creation");
        if (split.isObject()) {
            w5 = count(split.path("ephemeral_5m_input_tokens"));
            w1 = count(split.path("ephemeral_1h_input_tokens"));
        } else if (u.has("cache_creation_input_tokens")) {
            w5 = count(u.get("cache_creation_input_tokens"));
            w1 = 0;
        }
        long output = u.has("output_tokens") ? count(u.get("output_tokens")) : p.outputTokens(); // cumulative
        return Usage.anthropic(input, read, w5, w1, output);
    }

    /**
     * Makes an OpenAI streaming request ask for the final usage chunk ({@code stream_options.include_usage}) when
     * the client did not. A pure function: the body is returned unchanged if it does not stream or already asks.
     *
     * @throws InvalidRequestException if the body is not a JSON object
     */
    public static StreamRewrite requestUsageChunk(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new InvalidRequestException("body", "request body is not valid JSON");
        }
        if (!(root instanceof ObjectNode obj) || !root.path("stream").asBoolean(false)) {
            return new StreamRewrite(body, false);
        }
        if (root.path("stream_options").path("include_usage").asBoolean(false)) {
            return new StreamRewrite(body, false);
        }
        JsonNode options = obj.get("stream_options");
        ObjectNode opts = options instanceof ObjectNode o ? o : obj.putObject("stream_options");
        opts.put("include_usage", true);
        try {
            return new StreamRewrite(JSON.writeValueAsBytes(obj), true);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A request body after {@link #requestUsageChunk}.
     *
     * @param body the body to send upstream
     * @param usageAdded true if Tollgate asked for the usage chunk on the client's behalf: filter it out with
     *     {@link #forwardToClient}
     */
    public record StreamRewrite(byte[] body, boolean usageAdded) {}

    /**
     * Whether an OpenAI stream event goes on to the client. False only for the usage chunk (no choices, a usage
     * object) of a stream whose usage Tollgate asked for itself: the client did not ask for it and may not expect
     * a chunk without choices. Meter the event before asking.
     */
    public static boolean forwardToClient(SseEvent event, boolean usageAdded) {
        if (!usageAdded || event.data().equals("[DONE]")) {
            return true;
        }
        try {
            JsonNode n = JSON.readTree(event.data());
            return !(n != null && n.path("usage").isObject() && n.path("choices").isArray()
                    && n.path("choices").isEmpty());
        } catch (IOException e) {
            return true;
        }
    }
}
