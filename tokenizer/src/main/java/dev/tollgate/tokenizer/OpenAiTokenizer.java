package dev.tollgate.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import dev.tollgate.cost.TokenCounter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exact token counts in one of OpenAI's encodings. Text that spells a special token ({@code <|endoftext|>}) is
 * counted as ordinary text, as the API does for user content. Thread-safe; instances are shared.
 *
 * <p>Counting is exact and fast for long texts. Both encodings first split text into pieces with a regular
 * expression and then apply byte-pair merges within each piece, so a text's count is the sum of its pieces' counts.
 * A space that follows a non-space character and precedes an ASCII letter always starts a new piece in both
 * patterns (the word's piece takes the space as its one-character prefix; no piece can end with a space that is
 * followed by a letter, and the patterns have no look-behind). The text is cut at those spaces into word-sized
 * segments whose counts add up to the whole, and each segment's count is memoised in a small lock-free cache:
 * natural text repeats its words, so most segments are never tokenized twice. {@code OpenAiTokenizerTest} checks the
 * sum against jtokkit's whole-text count on a corpus and on seeded random text.
 */
public final class OpenAiTokenizer implements TokenCounter {

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    /**
     * Every estimate looks its tokenizer up here, from several I/O threads at once: a concurrent map reads without a
     * lock (a synchronized map made the lookup a contended monitor), and builds each tokenizer once.
     */
    private static final Map<OpenAiEncoding, OpenAiTokenizer> SHARED = new ConcurrentHashMap<>();

    /** Segments longer than this are counted without the cache. */
    static final int MAX_CACHED_CHARS = 48;
    /** Cache slots, a power of two; about 1.5 MB at most per encoding. */
    static final int CACHE_SIZE = 1 << 14;

    private final OpenAiEncoding encoding;
    private final Encoding jtokkit;
    private final Cached[] cache = new Cached[CACHE_SIZE];

    private OpenAiTokenizer(OpenAiEncoding encoding) {
        this.encoding = encoding;
        this.jtokkit = REGISTRY.getEncoding(encoding.type);
    }

    /** The shared tokenizer for {@code encoding}; its tables load on first use. */
    public static OpenAiTokenizer of(OpenAiEncoding encoding) {
        return SHARED.computeIfAbsent(encoding, OpenAiTokenizer::new);
    }

    /** The encoding this tokenizer counts in. */
    public OpenAiEncoding encoding() {
        return encoding;
    }

    @Override
    public long count(CharSequence text) {
        if (text == null || text.length() == 0) {
            return 0;
        }
        String s = text.toString();
        int n = s.length();
        long total = 0;
        int start = 0;
        int hash = 0; // the segment's String.hashCode(), computed in the same pass as the cuts
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == ' ' && i > 0 && i + 1 < n && isAsciiLetter(s.charAt(i + 1)) && !isSpace(s.charAt(i - 1))) {
                total += segment(s, start, i, hash);
                start = i;
                hash = 0;
            }
            hash = 31 * hash + c;
        }
        return total + segment(s, start, n, hash);
    }

    /** jtokkit's count of the whole text, without segmentation or cache; the reference the tests compare with. */
    long countWhole(String text) {
        return jtokkit.countTokensOrdinary(text);
    }

    private int segment(String s, int from, int to, int h) {
        int len = to - from;
        if (len > MAX_CACHED_CHARS) {
            return jtokkit.countTokensOrdinary(s.substring(from, to));
        }
        int slot = (h ^ (h >>> 16)) & (CACHE_SIZE - 1);
        Cached c = cache[slot];
        if (c != null && c.hash == h && c.text.length() == len && s.regionMatches(from, c.text, 0, len)) {
            return c.count;
        }
        String piece = s.substring(from, to);
        int count = jtokkit.countTokensOrdinary(piece);
        cache[slot] = new Cached(h, piece, count); // a racy write of an immutable entry: safe, at worst a miss
        return count;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** One memoised segment; immutable, so it is safely published through the racy cache array. */
    private record Cached(int hash, String text, int count) {}

    /** False: these are the encoding's exact counts. */
    @Override
    public boolean isEstimate() {
        return false;
    }

    @Override
    public String toString() {
        return "OpenAiTokenizer[" + encoding.encodingName() + "]";
    }
}
