package dev.tollgate.cost;

/**
 * Counts the tokens in a piece of text, exactly (a tokenizer) or by estimate (a heuristic).
 *
 * <p>Implementations are thread-safe and never return a negative count.
 */
@FunctionalInterface
public interface TokenCounter {

    /** The number of tokens in {@code text}; 0 for empty text. */
    long count(CharSequence text);

    /** True if the count is an estimate rather than the model's own tokenization. */
    default boolean isEstimate() {
        return true;
    }
}
