package dev.tollgate.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizersTest {

    @Test
    void preloadLoadsTheEncodingOfEachOpenAiModelNamedAndNothingForOthers() {
        assertThat(Tokenizers.preload(List.of("gpt-5.4-mini", "gpt-4o", "openai/gpt-4", "text-embedding-3-small")))
                .containsExactlyInAnyOrder(OpenAiEncoding.O200K_BASE, OpenAiEncoding.CL100K_BASE);
        assertThat(Tokenizers.preload(List.of("gpt-4o-mini"))).containsExactly(OpenAiEncoding.O200K_BASE);
        assertThat(Tokenizers.preload(List.of("claude-sonnet-4-6", "llama-3.1-70b"))).isEmpty();
    }

    @Test
    void aPreloadedTokenizerCountsAsOneLoadedOnDemand() {
        Tokenizers.preload(List.of("gpt-4o"));
        assertThat(Tokenizers.forModel("gpt-4o").count("Say hello to the world"))
                .isEqualTo(OpenAiTokenizer.of(OpenAiEncoding.O200K_BASE).countWhole("Say hello to the world"));
    }
}
