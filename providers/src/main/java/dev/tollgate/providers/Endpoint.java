package dev.tollgate.providers;

/** The request formats Tollgate estimates and meters. */
public enum Endpoint {
    /** OpenAI {@code POST /v1/chat/completions}. */
    OPENAI_CHAT,
    /** OpenAI {@code POST /v1/responses}. */
    OPENAI_RESPONSES,
    /** OpenAI legacy {@code POST /v1/completions}. */
    OPENAI_COMPLETIONS,
    /** OpenAI {@code POST /v1/embeddings}. */
    OPENAI_EMBEDDINGS,
    /** Anthropic {@code POST /v1/messages}. */
    ANTHROPIC_MESSAGES;

    /** True for the Anthropic formats. */
    public boolean isAnthropic() {
        return this == ANTHROPIC_MESSAGES;
    }
}
