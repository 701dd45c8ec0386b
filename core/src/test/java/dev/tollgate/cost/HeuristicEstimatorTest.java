package dev.tollgate.cost;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeuristicEstimatorTest {

    @Test
    void countsFourAsciiCharactersPerTokenRoundingUp() {
        assertThat(HeuristicEstimator.tokens("")).isZero();
        assertThat(HeuristicEstimator.tokens("abc")).isEqualTo(1);
        assertThat(HeuristicEstimator.tokens("abcd")).isEqualTo(1);
        assertThat(HeuristicEstimator.tokens("abcde")).isEqualTo(2);
        assertThat(HeuristicEstimator.tokens(null)).isZero();
    }

    @Test
    void countsEachNonAsciiCodePointAsAToken() {
        assertThat(HeuristicEstimator.tokens("日本語")).isEqualTo(3);
        assertThat(HeuristicEstimator.tokens("😀")).isEqualTo(1); // one code point, two chars
        assertThat(HeuristicEstimator.INSTANCE.isEstimate()).isTrue();
    }
}
