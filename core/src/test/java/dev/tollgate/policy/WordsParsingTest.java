package dev.tollgate.policy;

import static dev.tollgate.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Meters, scopes and periods parse their configuration words and reject anything else, naming the text. */
class WordsParsingTest {

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "token", "usd ", "money", "REQUEST"})
    void unknownMetersAreRejectedWithTheText(String text) {
        assertRejected(() -> Meter.parse(text), "meter", "requests, tokens, usd", "'" + text + "'");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "users", "tenant", "*"})
    void unknownScopesAreRejectedWithTheText(String text) {
        assertRejected(() -> Scope.parse(text), "scope", "user, key, ip, team, org, global", "'" + text + "'");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "hour", "year", "days", "1d"})
    void unknownPeriodsAreRejectedWithTheText(String text) {
        String quoted = text == null ? "null" : "'" + text + "'";
        assertRejected(() -> Period.parse(text), "period", "day, week or month", quoted);
    }

    @Test
    void knownWordsParseIgnoringCase() {
        assertEquals(Meter.USD, Meter.parse("USD"));
        assertEquals(Scope.GLOBAL, Scope.parse("Global"));
        assertEquals(Period.MONTH, Period.parse(" Monthly "));
    }
}
