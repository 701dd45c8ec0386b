package dev.tollgate.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UsageTest {

    @Test
    void openAiCachedTokensAreTakenOutOfThePromptNotAddedToIt() {
        Usage u = Usage.openAi(1_000, 800, 50, 10);
        assertThat(u.inputTokens()).isEqualTo(200);
        assertThat(u.cachedInputTokens()).isEqualTo(800);
        assertThat(u.promptTokens()).isEqualTo(1_000);
        assertThat(u.billedTokens()).isEqualTo(1_050);
    }

    @Test
    void anthropicInputExcludesCacheTokensSoTheyAreAdded() {
        Usage u = Usage.anthropic(10, 500, 200, 100, 40);
        assertThat(u.promptTokens()).isEqualTo(810);
        assertThat(u.billedTokens()).isEqualTo(850);
    }

    @Test
    void cachedAbovePromptIsRejectedNamingTheFields() {
        assertThatThrownBy(() -> Usage.openAi(10, 11, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cached_tokens")
                .hasMessageContaining("prompt_tokens");
    }

    @Test
    void reasoningAboveOutputIsRejected() {
        assertThatThrownBy(() -> Usage.openAi(10, 0, 5, 6)).hasMessageContaining("reasoningTokens");
    }

    @Test
    void negativeCountsAreRejected() {
        assertThatThrownBy(() -> Usage.of(-1, 0)).hasMessageContaining("inputTokens must be >= 0, got -1");
    }

    @Test
    void estimateFlagIsKept() {
        assertThat(Usage.of(1, 2).asEstimate().estimated()).isTrue();
        assertThat(Usage.of(1, 2).estimated()).isFalse();
    }
}
