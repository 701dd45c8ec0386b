package dev.tollgate;

import static dev.tollgate.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tollgate.policy.Money;
import dev.tollgate.policy.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Charges hold amounts from 0 to {@link Rule#MAX_LIMIT} only, and say which amount was out of range. */
class ChargeValidationTest {

    private static final String MAX = String.valueOf(Rule.MAX_LIMIT);

    @ParameterizedTest
    @ValueSource(longs = {-1, -1_000, Long.MIN_VALUE})
    void negativeAmountsAreRejected(long value) {
        String got = "got " + value;
        assertRejected(() -> Charge.requests(value), "charge requests", ">= 0", got);
        assertRejected(() -> Charge.tokens(value), "charge tokens", ">= 0", got);
        assertRejected(() -> Charge.NONE.withMicros(value), "charge micro-USD", ">= 0", got);
        assertRejected(() -> new Charge(0, 0, value), "charge micro-USD", got);
    }

    @ParameterizedTest
    @ValueSource(longs = {Rule.MAX_LIMIT + 1, 1L << 62, Long.MAX_VALUE})
    void amountsAboveTheMaximumAreRejected(long value) {
        String got = "got " + value;
        assertRejected(() -> Charge.requests(value), "charge requests", "<= " + MAX, got);
        assertRejected(() -> Charge.tokens(value), "charge tokens", "<= " + MAX, got);
        assertRejected(() -> Charge.NONE.withMicros(value), "charge micro-USD", "<= " + MAX, got);
        assertRejected(() -> Charge.money(Money.ofMicros(value)), "charge micro-USD", got);
    }

    @Test
    void addingPastTheMaximumIsRejectedNotOverflowed() {
        assertRejected(() -> Charge.requests(Rule.MAX_LIMIT).plusRequest(), "charge requests", "<= " + MAX);
        assertRejected(() -> Charge.tokens(Rule.MAX_LIMIT).plusTokens(1), "charge tokens", "<= " + MAX);
        assertRejected(() -> Charge.tokens(1).plusTokens(Long.MAX_VALUE), "charge tokens", "<= " + MAX,
                String.valueOf(Long.MAX_VALUE));
        assertRejected(() -> Charge.tokens(1).plusTokens(Long.MIN_VALUE), "charge tokens", ">= 0");
        assertRejected(() -> Charge.tokens(3).plusTokens(-5), "charge tokens", ">= 0", "got -2");
    }

    @Test
    void theMaximumIsAccepted() {
        Charge max = new Charge(Rule.MAX_LIMIT, Rule.MAX_LIMIT, Rule.MAX_LIMIT);
        assertEquals(Rule.MAX_LIMIT, max.tokens());
        assertEquals(Rule.MAX_LIMIT, Charge.tokens(Rule.MAX_LIMIT - 1).plusTokens(1).tokens());
    }
}
