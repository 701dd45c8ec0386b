package dev.tollgate.providers;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.cost.HeuristicEstimator;
import dev.tollgate.cost.ModelCatalog;
import dev.tollgate.cost.ModelPrice;
import dev.tollgate.cost.TokenCounter;
import dev.tollgate.cost.UnknownModelException;
import dev.tollgate.providers.internal.Json;
import dev.tollgate.tokenizer.ChatMessage;
import dev.tollgate.tokenizer.ChatTokenCounter;
import dev.tollgate.tokenizer.ImageTokens;
import dev.tollgate.tokenizer.ToolDefinition;
import dev.tollgate.tokenizer.Tokenizers;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a request body into a {@link RequestEstimate}: input tokens counted (OpenAI's chat framing, exact encodings
 * for OpenAI models, the documented estimate for Claude), plus the output reservation, priced by the catalog.
 *
 * <p>The output reservation is {@code max_completion_tokens}, {@code max_tokens} or {@code max_output_tokens} when
 * the request gives one, else the configured default cap; never above the model's max output, and multiplied by
 * {@code n} when a chat request asks for several choices. The input estimate is bounded: text beyond
 * {@link Builder#maxExactChars} is counted with the heuristic instead of the tokenizer (and marked as an estimate),
 * and the count never exceeds the model's context window, which is the most the provider can bill.
 *
 * <p>Every problem with the body is an {@link InvalidRequestException} naming the field; nothing else escapes.
 * Thread-safe.
 */
public final class RequestEstimator {

    /**
     * Tokens Anthropic adds for its tool-use system prompt when a request has tools (the pricing page's table for
     * Claude 4 models, {@code tool_choice} auto or none; {@code any} and {@code tool} add fewer).
     */
    public static final long ANTHROPIC_TOOL_PROMPT_TOKENS = 346;
    /**
     * Tokens reserved for an Anthropic image of unknown size: about width x height / 750 for the largest image the
     * API accepts without downscaling (about 1.15 megapixels).
     */
    public static final long ANTHROPIC_IMAGE_TOKENS = 1_600;

    /** The most choices ({@code n}) a request may ask for, as OpenAI allows. */
    public static final long MAX_CHOICES = 128;

    private static final ObjectMapper JSON = Json.newMapper();

    private final ModelCatalog catalog;
    private final long defaultMaxOutputTokens;
    private final long maxExactChars;

    private RequestEstimator(Builder b) {
        this.catalog = b.catalog;
        this.defaultMaxOutputTokens = b.defaultMaxOutputTokens;
        this.maxExactChars = b.maxExactChars;
    }

    /** An estimator over the bundled catalog with the default settings. */
    public static RequestEstimator create() {
        return builder(ModelCatalog.bundled()).build();
    }

    /** A builder over {@code catalog}. */
    public static Builder builder(ModelCatalog catalog) {
        return new Builder(catalog);
    }

    /** The catalog that prices estimates. */
    public ModelCatalog catalog() {
        return catalog;
    }

    /**
     * Estimates a request of the given format.
     *
     * @throws InvalidRequestException if the body is malformed, lacks or misspells a field, or names an unknown model
     */
    public RequestEstimate estimate(Endpoint endpoint, byte[] body) {
        Objects.requireNonNull(endpoint, "endpoint");
        if (body == null || body.length == 0) {
            throw new InvalidRequestException("body", "request body is empty");
        }
        if (endpoint == Endpoint.OPENAI_CHAT) {
            // The gateway's most common call: read without building a tree when the request is plain
            ChatScan.Chat chat = ChatScan.read(JSON.getFactory(), body);
            if (chat != null) {
                return estimate(chat);
            }
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new InvalidRequestException("body", "request body is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new InvalidRequestException("body", "request body cannot be read: " + e.getMessage(), e);
        }
        return estimate(endpoint, root);
    }

    /** Estimates a request already parsed to a JSON tree. */
    public RequestEstimate estimate(Endpoint endpoint, JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new InvalidRequestException("body", "request body must be a JSON object");
        }
        JsonNode modelNode = root.get("model");
        if (modelNode == null || modelNode.isNull()) {
            throw new InvalidRequestException("model", "model is required");
        }
        if (!modelNode.isTextual() || modelNode.asText().isBlank()) {
            throw new InvalidRequestException("model", "model must be a non-empty string, got " + clip(modelNode));
        }
        String model = modelNode.asText();
        ModelPrice price = price(model);
        Input in = new Input(model);
        long requestedOutput;
        long choices = 1;
        switch (endpoint) {
            case OPENAI_CHAT -> {
                openAiChat(root, in);
                requestedOutput = firstCount(root, "max_completion_tokens", "max_tokens");
                choices = optionalCount(root, "n", 1);
            }
            case OPENAI_RESPONSES -> {
                openAiResponses(root, in);
                requestedOutput = firstCount(root, "max_output_tokens");
            }
            case OPENAI_COMPLETIONS -> {
                texts(root.get("prompt"), "prompt", in, true);
                requestedOutput = firstCount(root, "max_tokens");
                choices = optionalCount(root, "n", 1);
            }
            case OPENAI_EMBEDDINGS -> {
                texts(root.get("input"), "input", in, true);
                requestedOutput = 0;
            }
            case ANTHROPIC_MESSAGES -> {
                anthropic(root, in);
                requestedOutput = firstCount(root, "max_tokens");
            }
            default -> throw new IllegalStateException("unhandled endpoint " + endpoint);
        }
        return estimate(endpoint, model, price, in, requestedOutput, choices, root.path("stream").asBoolean(false));
    }

    /**
     * A plain chat request as {@link ChatScan} read it: the steps of {@link #openAiChat} on a tree, in the same order
     * (the order matters: texts past {@link Builder#maxExactChars} go to the heuristic).
     */
    private RequestEstimate estimate(ChatScan.Chat chat) {
        ModelPrice price = price(chat.model());
        Input in = new Input(chat.model());
        List<ChatMessage> list = new ArrayList<>(chat.messages().size());
        for (ChatScan.Message m : chat.messages()) {
            List<String> texts = new ArrayList<>(m.texts().size());
            for (String text : m.texts()) {
                texts.add(in.text(text));
            }
            String name = m.name() == null ? null : in.text(m.name());
            list.add(new ChatMessage(m.role(), name, texts, 0, List.of(), null));
        }
        in.chat(list, List.of());
        long requestedOutput = chat.maxCompletionTokens() >= 0 ? chat.maxCompletionTokens() : chat.maxTokens();
        return estimate(Endpoint.OPENAI_CHAT, chat.model(), price, in, requestedOutput, chat.n() >= 0 ? chat.n() : 1,
                chat.stream());
    }

    private ModelPrice price(String model) {
        try {
            return catalog.price(model);
        } catch (UnknownModelException e) {
            throw new InvalidRequestException("model", e.getMessage(), e);
        }
    }

    /** The estimate from the counted input and the output asked for, whichever way the body was read. */
    private RequestEstimate estimate(Endpoint endpoint, String model, ModelPrice price, Input in, long requestedOutput,
                                     long choices, boolean streaming) {
        if (choices > MAX_CHOICES) {
            throw new InvalidRequestException("n", "n must be <= " + MAX_CHOICES + ", got " + choices);
        }
        long inputTokens = Math.min(in.total(), price.contextWindow());
        long output;
        if (price.maxOutputTokens() == 0) {
            output = 0; // embeddings
        } else {
            long cap = requestedOutput >= 0 ? requestedOutput : defaultMaxOutputTokens;
            output = Math.min(cap, price.maxOutputTokens());
            output = output * Math.max(1, choices);
        }
        return new RequestEstimate(endpoint, model, price, inputTokens, output, in.estimated(), streaming);
    }

    // ---- OpenAI chat completions -------------------------------------------------------------------------------

    private void openAiChat(JsonNode root, Input in) {
        JsonNode messages = root.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new InvalidRequestException("messages", "messages must be an array");
        }
        List<ChatMessage> list = new ArrayList<>();
        int i = 0;
        for (JsonNode m : messages) {
            list.add(chatMessage(m, "messages[" + i++ + "]", in));
        }
        List<ToolDefinition> tools = new ArrayList<>();
        JsonNode toolsNode = root.get("tools");
        if (toolsNode != null && toolsNode.isArray()) {
            for (JsonNode t : toolsNode) {
                JsonNode f = t.path("function");
                tools.add(tool(f.isMissingNode() ? t : f, in));
            }
        }
        JsonNode functions = root.get("functions");
        if (functions != null && functions.isArray()) {
            for (JsonNode f : functions) {
                tools.add(tool(f, in));
            }
        }
        in.chat(list, tools);
    }

    private ChatMessage chatMessage(JsonNode m, String path, Input in) {
        if (!m.isObject()) {
            throw new InvalidRequestException(path, "message must be an object");
        }
        JsonNode roleNode = m.get("role");
        if (roleNode == null || !roleNode.isTextual()) {
            throw new InvalidRequestException(path + ".role", "message role must be a string");
        }
        List<String> texts = new ArrayList<>();
        long images = 0;
        JsonNode content = m.get("content");
        if (content != null && !content.isNull()) {
            if (content.isTextual()) {
                texts.add(in.text(content.asText()));
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    String type = part.path("type").asText("");
                    switch (type) {
                        case "text", "input_text", "output_text", "refusal" -> texts.add(in.text(
                                part.path("text").isMissingNode() ? part.path("refusal").asText("") : part.path("text").asText("")));
                        case "image_url" -> images += ImageTokens.estimate(part.path("image_url").path("detail").asText(null));
                        case "input_image" -> images += ImageTokens.estimate(part.path("detail").asText(null));
                        default -> texts.add(in.text(part.toString())); // audio, files: counted as their JSON, a safe bound
                    }
                }
            } else {
                throw new InvalidRequestException(path + ".content", "content must be a string or an array of parts");
            }
        }
        List<ChatMessage.ToolCall> calls = new ArrayList<>();
        JsonNode toolCalls = m.get("tool_calls");
        if (toolCalls != null && toolCalls.isArray()) {
            for (JsonNode c : toolCalls) {
                JsonNode f = c.path("function");
                calls.add(new ChatMessage.ToolCall(c.path("id").asText(null), in.text(f.path("name").asText("")),
                        in.text(f.path("arguments").asText(""))));
            }
        }
        JsonNode functionCall = m.get("function_call");
        if (functionCall != null && functionCall.isObject()) {
            calls.add(new ChatMessage.ToolCall(null, in.text(functionCall.path("name").asText("")),
                    in.text(functionCall.path("arguments").asText(""))));
        }
        String name = m.hasNonNull("name") ? in.text(m.get("name").asText()) : null;
        return new ChatMessage(roleNode.asText(), name, texts, images, calls, m.path("tool_call_id").asText(null));
    }

    private ToolDefinition tool(JsonNode f, Input in) {
        List<ToolDefinition.Parameter> params = new ArrayList<>();
        JsonNode props = f.path("parameters").path("properties");
        if (props.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = props.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> p = it.next();
                JsonNode schema = p.getValue();
                JsonNode typeNode = schema.path("type");
                String type = typeNode.isArray() ? joined(typeNode) : typeNode.asText("");
                String description = schema.path("description").asText("");
                if (schema.has("properties") || schema.has("items") || schema.has("anyOf") || schema.has("oneOf")) {
                    // Nested schemas: OpenAI publishes no rule; their JSON text is counted as a safe estimate.
                    description = description + " " + schema;
                    in.estimatedParts = true;
                }
                List<String> enums = new ArrayList<>();
                if (schema.path("enum").isArray()) {
                    for (JsonNode v : schema.get("enum")) {
                        enums.add(in.text(v.asText()));
                    }
                }
                params.add(new ToolDefinition.Parameter(in.text(p.getKey()), type, in.text(description), enums));
            }
        }
        return new ToolDefinition(in.text(f.path("name").asText("")), in.text(f.path("description").asText("")), params);
    }

    // ---- OpenAI Responses ----------------------------------------------------------------------------------------

    private void openAiResponses(JsonNode root, Input in) {
        List<ChatMessage> list = new ArrayList<>();
        JsonNode instructions = root.get("instructions");
        if (instructions != null && instructions.isTextual()) {
            list.add(ChatMessage.of("developer", in.text(instructions.asText())));
        }
        JsonNode input = root.get("input");
        if (input == null || input.isNull()) {
            throw new InvalidRequestException("input", "input is required");
        }
        if (input.isTextual()) {
            list.add(ChatMessage.of("user", in.text(input.asText())));
        } else if (input.isArray()) {
            int i = 0;
            for (JsonNode item : input) {
                String path = "input[" + i++ + "]";
                String type = item.path("type").asText("message");
                switch (type) {
                    case "message" -> list.add(chatMessage(item, path, in));
                    case "function_call" -> list.add(new ChatMessage("assistant", null, List.of(), 0, List.of(
                            new ChatMessage.ToolCall(item.path("call_id").asText(null),
                                    in.text(item.path("name").asText("")), in.text(item.path("arguments").asText("")))),
                            null));
                    case "function_call_output" -> list.add(ChatMessage.of("tool", in.text(item.path("output").isTextual()
                            ? item.path("output").asText() : item.path("output").toString())));
                    default -> list.add(ChatMessage.of("user", in.text(item.toString())));
                }
            }
        } else {
            throw new InvalidRequestException("input", "input must be a string or an array of items");
        }
        List<ToolDefinition> tools = new ArrayList<>();
        JsonNode toolsNode = root.get("tools");
        if (toolsNode != null && toolsNode.isArray()) {
            for (JsonNode t : toolsNode) {
                if ("function".equals(t.path("type").asText())) {
                    tools.add(tool(t, in));
                }
            }
        }
        in.chat(list, tools);
    }

    // ---- legacy completions and embeddings ---------------------------------------------------------------------

    private void texts(JsonNode node, String field, Input in, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw new InvalidRequestException(field, field + " is required");
            }
            return;
        }
        if (node.isTextual()) {
            in.count(node.asText());
        } else if (node.isArray()) {
            int i = 0;
            for (JsonNode item : node) {
                if (item.isTextual()) {
                    in.count(item.asText());
                } else if (item.isIntegralNumber()) {
                    in.add(1); // a pre-tokenized prompt: one token per number
                } else if (item.isArray()) {
                    in.add(item.size());
                } else {
                    throw new InvalidRequestException(field + "[" + i + "]",
                            field + " items must be strings, token ids or arrays of token ids");
                }
                i++;
            }
        } else {
            throw new InvalidRequestException(field, field + " must be a string or an array");
        }
    }

    // ---- Anthropic messages ------------------------------------------------------------------------------------

    private void anthropic(JsonNode root, Input in) {
        TokenCounter counter = in.counter;
        JsonNode system = root.get("system");
        if (system != null && !system.isNull()) {
            in.add(3);
            anthropicContent(system, "system", in);
        }
        JsonNode messages = root.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new InvalidRequestException("messages", "messages must be an array");
        }
        int i = 0;
        for (JsonNode m : messages) {
            String path = "messages[" + i++ + "]";
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw new InvalidRequestException(path + ".role", "message must be an object with a string role");
            }
            in.add(3); // framing per message, as for OpenAI: Anthropic publishes none
            in.count(m.get("role").asText());
            JsonNode content = m.get("content");
            if (content == null) {
                throw new InvalidRequestException(path + ".content", "content is required");
            }
            anthropicContent(content, path + ".content", in);
        }
        JsonNode tools = root.get("tools");
        if (tools != null && tools.isArray() && tools.size() > 0) {
            in.add(ANTHROPIC_TOOL_PROMPT_TOKENS);
            for (JsonNode t : tools) {
                in.count(t.path("name").asText(""));
                in.count(t.path("description").asText(""));
                JsonNode schema = t.path("input_schema");
                if (!schema.isMissingNode()) {
                    in.count(schema.toString());
                }
            }
        }
        in.add(3); // reply priming
        in.estimated = in.estimated || counter.isEstimate();
    }

    private void anthropicContent(JsonNode content, String path, Input in) {
        if (content.isTextual()) {
            in.count(content.asText());
            return;
        }
        if (!content.isArray()) {
            throw new InvalidRequestException(path, "content must be a string or an array of blocks");
        }
        for (JsonNode block : content) {
            switch (block.path("type").asText("")) {
                case "text" -> in.count(block.path("text").asText(""));
                case "image" -> in.add(ANTHROPIC_IMAGE_TOKENS);
                case "tool_use" -> {
                    in.count(block.path("name").asText(""));
                    in.count(block.path("input").toString());
                }
                case "tool_result" -> {
                    JsonNode c = block.path("content");
                    if (c.isTextual() || c.isArray()) {
                        anthropicContent(c, path + ".content", in);
                    }
                }
                case "thinking" -> in.count(block.path("thinking").asText(""));
                default -> in.count(block.toString());
            }
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static long firstCount(JsonNode root, String... fields) {
        for (String f : fields) {
            JsonNode n = root.get(f);
            if (n != null && !n.isNull()) {
                return count(n, f);
            }
        }
        return -1;
    }

    private static long optionalCount(JsonNode root, String field, long otherwise) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? otherwise : count(n, field);
    }

    private static long count(JsonNode n, String field) {
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new InvalidRequestException(field, field + " must be a whole number, got " + clip(n));
        }
        long v = n.asLong();
        if (v < 0) {
            throw new InvalidRequestException(field, field + " must be >= 0, got " + v);
        }
        return v;
    }

    private static String joined(JsonNode array) {
        List<String> parts = new ArrayList<>();
        array.forEach(n -> parts.add(n.asText()));
        return String.join(" | ", parts);
    }

    private static String clip(JsonNode n) {
        String s = n.toString();
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    /** Accumulates a request's input: texts go through the exact counter until the exact budget runs out. */
    private final class Input {
        final TokenCounter counter;
        final ChatTokenCounter chat;
        long tokens;
        long chars;
        boolean estimated;
        boolean estimatedParts;

        Input(String model) {
            this.counter = Tokenizers.forModel(model);
            this.chat = ChatTokenCounter.forModel(model);
            this.estimated = counter.isEstimate();
        }

        /** Registers a text that a chat count will include; returns it, or "" if it goes to the heuristic. */
        String text(String s) {
            chars += s.length();
            if (chars > maxExactChars) {
                tokens += HeuristicEstimator.tokens(s);
                estimated = true;
                return "";
            }
            return s;
        }

        void count(String s) {
            String exact = text(s);
            if (!exact.isEmpty()) {
                tokens += counter.count(exact);
            }
        }

        void add(long n) {
            tokens += n;
        }

        void chat(List<ChatMessage> messages, List<ToolDefinition> tools) {
            tokens += chat.count(messages, tools);
        }

        long total() {
            return tokens;
        }

        boolean estimated() {
            return estimated || estimatedParts;
        }
    }

    /** Builds a {@link RequestEstimator}. */
    public static final class Builder {
        private final ModelCatalog catalog;
        private long defaultMaxOutputTokens = 4_096;
        private long maxExactChars = 1_000_000;

        Builder(ModelCatalog catalog) {
            this.catalog = Objects.requireNonNull(catalog, "catalog");
        }

        /**
         * The output reserved when a request sets no max tokens; 4,096 unless set (and never above the model's
         * max output).
         */
        public Builder defaultMaxOutputTokens(long tokens) {
            if (tokens < 0) {
                throw new IllegalArgumentException("default max output tokens must be >= 0, got " + tokens);
            }
            this.defaultMaxOutputTokens = tokens;
            return this;
        }

        /**
         * How many characters of a request are counted with the exact tokenizer; the rest is estimated with the
         * heuristic, so that a huge prompt costs bounded time. 1,000,000 unless set.
         */
        public Builder maxExactChars(long chars) {
            if (chars < 0) {
                throw new IllegalArgumentException("max exact chars must be >= 0, got " + chars);
            }
            this.maxExactChars = chars;
            return this;
        }

        /** The estimator. */
        public RequestEstimator build() {
            return new RequestEstimator(this);
        }
    }
}
