package dev.tollgate.tokenizer;

import dev.tollgate.cost.TokenCounter;
import java.util.List;

/**
 * Counts a chat request's input tokens the way OpenAI frames it, following OpenAI's cookbook "How to count tokens
 * with tiktoken":
 *
 * <ul>
 *   <li>every message costs {@value #TOKENS_PER_MESSAGE} tokens of framing plus its role and content, and a
 *       {@code name} adds its tokens plus {@value #TOKENS_PER_NAME};
 *   <li>every reply is primed with {@value #REPLY_PRIMING} tokens ({@code <|start|>assistant<|message|>});
 *   <li>function tools cost, per function, {@code funcInit} (7 for o200k_base models, 10 for cl100k_base) plus the
 *       tokens of {@code name:description}; their properties {@value #PROP_INIT} once, and per property
 *       {@value #PROP_KEY} plus {@code name:type:description}; an enum {@value #ENUM_INIT} plus per value
 *       {@value #ENUM_ITEM} and its tokens; and {@value #FUNC_END} once for all tools (a trailing period of a
 *       description is dropped, as the cookbook does).
 * </ul>
 *
 * <p>These rules reproduce OpenAI's published counts exactly (see {@code ChatTokenCounterTest}). Three parts are
 * Tollgate's documented estimates, since OpenAI publishes no rule for them: an assistant's tool calls cost
 * {@value #TOOL_CALL_OVERHEAD} tokens each plus their name and argument tokens; a tool result is a message whose
 * content is counted; images cost what {@link ImageTokens} says.
 */
public final class ChatTokenCounter {

    /** Framing tokens per message. */
    public static final int TOKENS_PER_MESSAGE = 3;
    /** Extra tokens when a message has a name. */
    public static final int TOKENS_PER_NAME = 1;
    /** Tokens that prime the assistant's reply. */
    public static final int REPLY_PRIMING = 3;
    /** Tokens that open the properties of one function. */
    public static final int PROP_INIT = 3;
    /** Tokens per property. */
    public static final int PROP_KEY = 3;
    /** Tokens for an enum (negative: the cookbook's correction). */
    public static final int ENUM_INIT = -3;
    /** Tokens per enum value. */
    public static final int ENUM_ITEM = 3;
    /** Tokens that close the tool definitions. */
    public static final int FUNC_END = 12;
    /** Tollgate's estimate of the framing of one tool call in an assistant message. */
    public static final int TOOL_CALL_OVERHEAD = 3;

    private final TokenCounter counter;
    private final int funcInit;

    private ChatTokenCounter(TokenCounter counter, int funcInit) {
        this.counter = counter;
        this.funcInit = funcInit;
    }

    /** The counter for an OpenAI model (chosen by {@link Tokenizers#forModel}); OpenAI framing for any model. */
    public static ChatTokenCounter forModel(String model) {
        TokenCounter counter = Tokenizers.forModel(model);
        boolean cl100k = OpenAiEncoding.forModel(model).map(e -> e == OpenAiEncoding.CL100K_BASE).orElse(false);
        return new ChatTokenCounter(counter, cl100k ? 10 : 7);
    }

    /** A counter with OpenAI framing over any token counter (o200k-style function framing). */
    public static ChatTokenCounter over(TokenCounter counter) {
        return new ChatTokenCounter(counter, 7);
    }

    /** The text counter underneath. */
    public TokenCounter tokens() {
        return counter;
    }

    /** Input tokens of a chat request: messages, reply priming and tool definitions. */
    public long count(List<ChatMessage> messages, List<ToolDefinition> tools) {
        return messages(messages) + tools(tools);
    }

    /** The messages' tokens, reply priming included. */
    public long messages(List<ChatMessage> messages) {
        long n = 0;
        for (ChatMessage m : messages) {
            n += message(m);
        }
        return n + REPLY_PRIMING;
    }

    /** One message's tokens, framing included. */
    public long message(ChatMessage m) {
        long n = TOKENS_PER_MESSAGE + counter.count(m.role());
        for (String text : m.texts()) {
            n += counter.count(text);
        }
        if (m.name() != null) {
            n += counter.count(m.name()) + TOKENS_PER_NAME;
        }
        for (ChatMessage.ToolCall call : m.toolCalls()) {
            n += TOOL_CALL_OVERHEAD + counter.count(call.name()) + counter.count(call.arguments());
        }
        return n + m.imageTokens();
    }

    /** The tool definitions' tokens; 0 when there are none. */
    public long tools(List<ToolDefinition> tools) {
        if (tools.isEmpty()) {
            return 0;
        }
        long n = 0;
        for (ToolDefinition f : tools) {
            n += funcInit + counter.count(f.name() + ":" + trimPeriod(f.description()));
            if (!f.parameters().isEmpty()) {
                n += PROP_INIT;
                for (ToolDefinition.Parameter p : f.parameters()) {
                    n += PROP_KEY;
                    if (!p.enumValues().isEmpty()) {
                        n += ENUM_INIT;
                        for (String v : p.enumValues()) {
                            n += ENUM_ITEM + counter.count(v);
                        }
                    }
                    n += counter.count(p.name() + ":" + p.type() + ":" + trimPeriod(p.description()));
                }
            }
        }
        return n + FUNC_END;
    }

    private static String trimPeriod(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
