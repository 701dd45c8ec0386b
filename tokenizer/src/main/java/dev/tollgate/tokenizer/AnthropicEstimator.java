package dev.tollgate.tokenizer;

import dev.tollgate.cost.TokenCounter;

/**
 * An estimate of Claude token counts. Anthropic publishes no tokenizer (only a {@code count_tokens} API call), so
 * Tollgate counts the text exactly in {@code cl100k_base} and scales it up by {@value #RATIO_PERCENT}%, rounding up.
 *
 * <p>Why 120%: Claude's tokenizers produce more tokens than {@code cl100k_base} for the same English text and code;
 * published comparisons put the excess at roughly 10-20% for Claude 3 and 4 models, and Anthropic states that the
 * tokenizer of its newest models (Claude Opus 4.7 onwards) produces up to about 35% more tokens than before for the
 * same text. The estimate therefore errs high for older models and can be up to about 15% low for the newest ones.
 * It is a reservation, not a bill: the real count arrives in the response's {@code usage} and settles the difference.
 * The documented bound, checked by {@code AnthropicEstimateTest}: the estimate is never below the {@code cl100k_base}
 * count and never above 120% of it plus one token.
 */
public final class AnthropicEstimator implements TokenCounter {

    /** The scale applied to the {@code cl100k_base} count, in percent. */
    public static final int RATIO_PERCENT = 120;

    /** The shared instance. */
    public static final AnthropicEstimator INSTANCE = new AnthropicEstimator();

    private final OpenAiTokenizer base = OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE);

    private AnthropicEstimator() {}

    @Override
    public long count(CharSequence text) {
        long n = base.count(text);
        return (n * RATIO_PERCENT + 99) / 100;
    }

    /** True: an estimate. */
    @Override
    public boolean isEstimate() {
        return true;
    }
}
