package dev.tollgate.tokenizer;

import dev.tollgate.cost.HeuristicEstimator;
import dev.tollgate.cost.TokenCounter;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

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

    /**
     * Loads now the tables of every exact encoding that {@code models} use, instead of on the first call that needs
     * each: loading one takes a few hundred milliseconds, which would otherwise fall on a user's call (and on every
     * call that arrives while it loads). Models without an exact encoding need nothing loaded.
     *
     * @return the encodings now loaded for these models
     */
    public static Set<OpenAiEncoding> preload(Collection<String> models) {
        Set<OpenAiEncoding> encodings = EnumSet.noneOf(OpenAiEncoding.class);
        for (String model : models) {
            OpenAiEncoding.forModel(model).ifPresent(encodings::add);
        }
        for (OpenAiEncoding encoding : encodings) {
            OpenAiTokenizer.of(encoding).count("preload");
        }
        return encodings;
    }
}
