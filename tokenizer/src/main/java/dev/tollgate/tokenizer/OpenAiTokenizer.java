package dev.tollgate.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import dev.tollgate.cost.TokenCounter;
import java.util.EnumMap;
import java.util.Map;

/**
 * Exact token counts in one of OpenAI's encodings. Text that spells a special token ({@code <|endoftext|>}) is
 * counted as ordinary text, as the API does for user content. Thread-safe; instances are shared.
 */
public final class OpenAiTokenizer implements TokenCounter {

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final Map<OpenAiEncoding, OpenAiTokenizer> SHARED = new EnumMap<>(OpenAiEncoding.class);

    private final OpenAiEncoding encoding;
    private final Encoding jtokkit;

    private OpenAiTokenizer(OpenAiEncoding encoding) {
        this.encoding = encoding;
        this.jtokkit = REGISTRY.getEncoding(encoding.type);
    }

    /** The shared tokenizer for {@code encoding}; its tables load on first use. */
    public static OpenAiTokenizer of(OpenAiEncoding encoding) {
        synchronized (SHARED) {
            return SHARED.computeIfAbsent(encoding, OpenAiTokenizer::new);
        }
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
        return jtokkit.countTokensOrdinary(text.toString());
    }

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
