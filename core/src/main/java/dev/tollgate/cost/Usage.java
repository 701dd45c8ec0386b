package dev.tollgate.cost;

/**
 * What a model call consumed, in tokens, split the way providers bill them. The input parts are disjoint: each input
 * token is counted in exactly one of {@code inputTokens}, {@code cachedInputTokens}, {@code cacheWrite5mTokens} and
 * {@code cacheWrite1hTokens}, so no token is billed twice.
 *
 * <p>Use {@link #openAi} and {@link #anthropic} to build one from the provider's own fields: OpenAI reports cached
 * tokens as a subset of {@code prompt_tokens}; Anthropic reports {@code input_tokens} without the cached ones.
 *
 * @param inputTokens uncached input, billed at the input price
 * @param cachedInputTokens input read from the prompt cache, billed at the cached-input price
 * @param cacheWrite5mTokens input written to a 5-minute cache (Anthropic), billed at the 5-minute cache-write price
 * @param cacheWrite1hTokens input written to a 1-hour cache (Anthropic), billed at the 1-hour cache-write price
 * @param outputTokens all output, reasoning included, billed at the output price
 * @param reasoningTokens the part of {@code outputTokens} the model spent reasoning; informational, already in output
 * @param estimated true if some count is an estimate (a cut stream counted by tokenizer) rather than the provider's
 */
public record Usage(
        long inputTokens,
        long cachedInputTokens,
        long cacheWrite5mTokens,
        long cacheWrite1hTokens,
        long outputTokens,
        long reasoningTokens,
        boolean estimated) {

    /** Nothing consumed, as reported by the provider. */
    public static final Usage ZERO = new Usage(0, 0, 0, 0, 0, 0, false);

    /** Every count must be >= 0 and reasoning may not exceed output. */
    public Usage {
        check(inputTokens, "inputTokens");
        check(cachedInputTokens, "cachedInputTokens");
        check(cacheWrite5mTokens, "cacheWrite5mTokens");
        check(cacheWrite1hTokens, "cacheWrite1hTokens");
        check(outputTokens, "outputTokens");
        check(reasoningTokens, "reasoningTokens");
        if (reasoningTokens > outputTokens) {
            throw new IllegalArgumentException(
                    "reasoningTokens must be <= outputTokens (reasoning bills as output), got " + reasoningTokens
                            + " > " + outputTokens);
        }
    }

    /** Plain uncached input and output, as reported by the provider. */
    public static Usage of(long inputTokens, long outputTokens) {
        return new Usage(inputTokens, 0, 0, 0, outputTokens, 0, false);
    }

    /**
     * From OpenAI's {@code usage}: {@code prompt_tokens} includes {@code prompt_tokens_details.cached_tokens}, and
     * {@code completion_tokens} includes {@code completion_tokens_details.reasoning_tokens}. The cached tokens are
     * taken out of the uncached input so that they are billed once, at the cached price.
     *
     * @throws IllegalArgumentException if a count is negative, cached exceeds prompt, or reasoning exceeds completion
     */
    public static Usage openAi(long promptTokens, long cachedTokens, long completionTokens, long reasoningTokens) {
        check(promptTokens, "prompt_tokens");
        check(cachedTokens, "cached_tokens");
        if (cachedTokens > promptTokens) {
            throw new IllegalArgumentException("cached_tokens must be <= prompt_tokens (they are a part of it), got "
                    + cachedTokens + " > " + promptTokens);
        }
        return new Usage(promptTokens - cachedTokens, cachedTokens, 0, 0, completionTokens, reasoningTokens, false);
    }

    /**
     * From Anthropic's {@code usage}: {@code input_tokens} excludes the cache reads and cache writes, which are
     * reported beside it.
     */
    public static Usage anthropic(
            long inputTokens, long cacheReadTokens, long cacheWrite5mTokens, long cacheWrite1hTokens, long outputTokens) {
        return new Usage(inputTokens, cacheReadTokens, cacheWrite5mTokens, cacheWrite1hTokens, outputTokens, 0, false);
    }

    /** This usage marked as metered by estimate. */
    public Usage asEstimate() {
        return new Usage(inputTokens, cachedInputTokens, cacheWrite5mTokens, cacheWrite1hTokens, outputTokens,
                reasoningTokens, true);
    }

    /** All input tokens: uncached, cached and cache writes. */
    public long promptTokens() {
        return Math.addExact(Math.addExact(inputTokens, cachedInputTokens),
                Math.addExact(cacheWrite5mTokens, cacheWrite1hTokens));
    }

    /** Every token billed: all input plus all output (reasoning is part of output). */
    public long billedTokens() {
        return Math.addExact(promptTokens(), outputTokens);
    }

    private static void check(long value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + value);
        }
    }
}
