package dev.tollgate.tokenizer;

import dev.tollgate.cost.HeuristicEstimator;
import dev.tollgate.cost.TokenCounter;
import java.util.Locale;

/** Picks the token counter for a model. */
public final class Tokenizers {

    private Tokenizers() {}

    /**
     * The best counter for {@code model}: the exact OpenAI encoding for OpenAI models, the {@link AnthropicEstimator}
     * for Claude models, and the core {@link HeuristicEstimator} for anything else. Never null.
     */
    public static TokenCounter forModel(String model) {
        var encoding = OpenAiEncoding.forModel(model);
        if (encoding.isPresent()) {
            return OpenAiTokenizer.of(encoding.get());
        }
        if (model != null && model.trim().toLowerCase(Locale.ROOT).replace("anthropic/", "").startsWith("claude")) {
            return AnthropicEstimator.INSTANCE;
        }
        return HeuristicEstimator.INSTANCE;
    }
}
