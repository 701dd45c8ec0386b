package dev.tollgate.cost;

/**
 * The dependency-free fallback token estimate: one token per four ASCII characters, and one token per non-ASCII
 * character (code point).
 *
 * <p>The classic "chars / 4" rule holds well for English prose and code in OpenAI's and Anthropic's tokenizers, but
 * undercounts badly for languages whose characters each take a token or more (Chinese, Japanese, Korean, emoji):
 * counting every non-ASCII character as a whole token keeps the estimate on the safe side there. The measured
 * error on a corpus is reported by {@code HeuristicAccuracyTest} and in {@code docs/estimation.md}.
 */
public final class HeuristicEstimator implements TokenCounter {

    /** The shared instance; it holds no state. */
    public static final HeuristicEstimator INSTANCE = new HeuristicEstimator();

    private HeuristicEstimator() {}

    /** Estimated tokens in {@code text}: ceil(ascii chars / 4) + non-ASCII code points. Never negative. */
    public static long tokens(CharSequence text) {
        if (text == null) {
            return 0;
        }
        long ascii = 0;
        long other = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                ascii++;
            } else if (!Character.isLowSurrogate(c)) {
                other++; // a BMP character or the high half of a pair: one code point
            }
        }
        return (ascii + 3) / 4 + other;
    }

    @Override
    public long count(CharSequence text) {
        return tokens(text);
    }
}
