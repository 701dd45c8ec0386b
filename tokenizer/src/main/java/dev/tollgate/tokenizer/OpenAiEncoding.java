package dev.tollgate.tokenizer;

import com.knuddels.jtokkit.api.EncodingType;
import java.util.Locale;
import java.util.Optional;

/** The OpenAI encodings Tollgate counts exactly, and which model families use each. */
public enum OpenAiEncoding {
    /** gpt-4o, gpt-4.1, gpt-4.5, gpt-5*, the o-series (o1, o3, o4-mini), chatgpt-4o. */
    O200K_BASE(EncodingType.O200K_BASE),
    /** gpt-4, gpt-4-turbo, gpt-3.5-turbo, text-embedding-3-*, text-embedding-ada-002. */
    CL100K_BASE(EncodingType.CL100K_BASE);

    private static final String[] O200K_PREFIXES = {
        "gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-oss", "o1", "o3", "o4", "codex-"
    };
    private static final String[] CL100K_PREFIXES = {
        "gpt-4", "gpt-3.5", "text-embedding-3", "text-embedding-ada-002", "gpt-35"
    };

    final EncodingType type;

    OpenAiEncoding(EncodingType type) {
        this.type = type;
    }

    /** The encoding's name as OpenAI's tiktoken spells it, e.g. {@code o200k_base}. */
    public String encodingName() {
        return type.getName();
    }

    /**
     * The encoding an OpenAI model uses, by model family; empty if the model is not a known OpenAI model. Dated
     * snapshots and {@code openai/} prefixes are accepted.
     */
    public static Optional<OpenAiEncoding> forModel(String model) {
        if (model == null) {
            return Optional.empty();
        }
        String m = model.trim().toLowerCase(Locale.ROOT);
        if (m.startsWith("openai/")) {
            m = m.substring("openai/".length());
        }
        for (String p : O200K_PREFIXES) { // checked first: "gpt-4o" and "gpt-4.1" also start with "gpt-4"
            if (m.startsWith(p)) {
                return Optional.of(O200K_BASE);
            }
        }
        for (String p : CL100K_PREFIXES) {
            if (m.startsWith(p)) {
                return Optional.of(CL100K_BASE);
            }
        }
        return Optional.empty();
    }
}
