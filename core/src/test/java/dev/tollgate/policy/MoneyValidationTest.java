package dev.tollgate.policy;

import static dev.tollgate.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Money rejects text and amounts it cannot hold exactly, naming the text or amount it was given. */
class MoneyValidationTest {

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "$", "abc", "5 USD", "$ 5", "5,00", "1,000.00", "0x10", "NaN", "Infinity", "--5",
        "5-", "1e"})
    void nonNumbersAreRejectedWithTheText(String text) {
        assertRejected(() -> Money.usd(text), "money", "'" + text + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "-0.01", "-$5", "$-5", "-0.000001"})
    void negativeAmountsAreRejectedWithTheText(String text) {
        assertRejected(() -> Money.usd(text), "money", "'" + text + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0000001", "1.0000005", "$0.1234567", "1e-7", "0.00000000001"})
    void amountsFinerThanAMicroDollarAreRejectedWithTheText(String text) {
        assertRejected(() -> Money.usd(text), "more than 6 decimal places", "'" + text + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854.775808", "10000000000000", "1e30", "1e2147483647", "1E+999999999"})
    void amountsTooLargeForALongOfMicrosAreRejectedWithTheText(String text) {
        assertRejected(() -> Money.usd(text), "too large", "'" + text + "'");
    }

    @Test
    void theLargestAmountAndHarmlessFormsAreAccepted() {
        assertEquals(Long.MAX_VALUE, Money.usd("9223372036854.775807").micros());
        assertEquals(1_000_000, Money.usd("1.0000000").micros(), "zeros past the sixth place change nothing");
        assertEquals(500_000, Money.usd(".5").micros());
        assertEquals(100_000_000, Money.usd("1E+2").micros());
        assertEquals(0, Money.usd("-0").micros());
    }

    @Test
    void nullTextIsRejected() {
        assertRejected(() -> Money.usd(null), "money", "null");
    }

    @Test
    void wholeDollarsAreCheckedToo() {
        assertRejected(() -> Money.usd(-1), "money", ">= 0", "-1");
        assertRejected(() -> Money.usd(Long.MAX_VALUE), "money", "too large", String.valueOf(Long.MAX_VALUE));
        assertRejected(() -> Money.usd(9_223_372_036_855L), "money", "too large", "9223372036855");
        assertEquals(9_223_372_036_854_000_000L, Money.usd(9_223_372_036_854L).micros());
    }

    @Test
    void negativeMicrosAreRejected() {
        assertRejected(() -> Money.ofMicros(-1), "money", ">= 0", "-1 micro-USD");
        assertRejected(() -> new Money(Long.MIN_VALUE), "money", String.valueOf(Long.MIN_VALUE));
    }
}
