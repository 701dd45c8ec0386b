package dev.tollgate.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * One chat message, reduced to what counts towards input tokens.
 *
 * @param role {@code system}, {@code developer}, {@code user}, {@code assistant} or {@code tool}
 * @param name the optional participant name; null if absent
 * @param texts the message's text parts (a plain string content is one part)
 * @param imageTokens the estimated tokens of the message's image parts; see {@link ImageTokens}
 * @param toolCalls the tool calls an assistant message made
 * @param toolCallId the call a {@code tool} message answers; null otherwise
 */
public record ChatMessage(
        String role, String name, List<String> texts, long imageTokens, List<ToolCall> toolCalls, String toolCallId) {

    /** Roles and lists are required (possibly empty); image tokens must be >= 0. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        texts = List.copyOf(texts);
        toolCalls = List.copyOf(toolCalls);
        if (imageTokens < 0) {
            throw new IllegalArgumentException("imageTokens must be >= 0, got " + imageTokens);
        }
    }

    /** A plain text message. */
    public static ChatMessage of(String role, String content) {
        return new ChatMessage(role, null, List.of(content), 0, List.of(), null);
    }

    /** A plain text message from a named participant. */
    public static ChatMessage named(String role, String name, String content) {
        return new ChatMessage(role, name, List.of(content), 0, List.of(), null);
    }

    /**
     * A tool call an assistant made.
     *
     * @param id the call's id
     * @param name the function's name
     * @param arguments the arguments, as the JSON text the model produced
     */
    public record ToolCall(String id, String name, String arguments) {
        /** Name and arguments default to empty text. */
        public ToolCall {
            name = name == null ? "" : name;
            arguments = arguments == null ? "" : arguments;
        }
    }
}
