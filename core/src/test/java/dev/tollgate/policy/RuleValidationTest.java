package dev.tollgate.policy;

import static dev.tollgate.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Rule builders fail fast on bad numbers and missing fields, naming the rule, the field and the value. */
class RuleValidationTest {

    private static final String MAX = String.valueOf(Rule.MAX_LIMIT);

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " ", " burst", "burst ", "-burst", ".burst", "a b", "tokens/day", "année", "{u:1}",
        "a12345678901234567890123456789012345678901234567890123456789012345"})
    void ruleNamesMustBeShortAndPlain(String name) {
        assertRejected(() -> Rule.tokenBucket(name), "rule name", name == null ? "null" : "'" + name + "'");
        assertRejected(() -> Rule.fixedWindow(name), "rule name");
        assertRejected(() -> Rule.slidingWindow(name), "rule name");
        assertRejected(() -> Rule.quota(name), "rule name");
        assertRejected(() -> Rule.concurrency(name), "rule name");
    }

    @Test
    void namesOfUpToSixtyFourPlainCharactersAreAccepted() {
        String longest = "a".repeat(64);
        assertEquals(longest, Rule.concurrency(longest).limit(1).build().name());
        assertEquals("daily.tokens_v2-eu", Rule.concurrency("daily.tokens_v2-eu").limit(1).build().name());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, -5, Long.MIN_VALUE})
    void capacitiesAndLimitsMustBePositive(long value) {
        String got = "got " + value;
        assertRejected(() -> Rule.tokenBucket("b").capacity(value), "b:", "capacity", "> 0", got);
        assertRejected(() -> Rule.fixedWindow("w").limit(value), "w:", "limit", "> 0", got);
        assertRejected(() -> Rule.slidingWindow("s").limit(value), "s:", "limit", "> 0", got);
        assertRejected(() -> Rule.quota("q").limit(value), "q:", "limit", "> 0", got);
        assertRejected(() -> Rule.concurrency("c").limit(value), "c:", "limit", "> 0", got);
    }

    @ParameterizedTest
    @ValueSource(longs = {Rule.MAX_LIMIT + 1, 1L << 60, Long.MAX_VALUE})
    void capacitiesAndLimitsMustFitTheExactRange(long value) {
        String got = "got " + value;
        assertRejected(() -> Rule.tokenBucket("b").capacity(value), "b:", "capacity", "<= " + MAX, got);
        assertRejected(() -> Rule.fixedWindow("w").limit(value), "w:", "limit", "<= " + MAX, got);
        assertRejected(() -> Rule.quota("q").limit(value), "q:", "limit", "<= " + MAX, got);
        assertRejected(() -> Rule.concurrency("c").limit(value), "c:", "limit", "<= " + MAX, got);
    }

    @Test
    void slidingWindowLimitsMustLeaveRoomForTheWeight() {
        long value = Rule.MAX_SLIDING_LIMIT + 1;
        assertRejected(() -> Rule.slidingWindow("s").limit(value), "s:", "limit", "<= " + Rule.MAX_SLIDING_LIMIT,
                "got " + value);
        Rule.slidingWindow("s").limit(Rule.MAX_SLIDING_LIMIT);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void refillAmountsMustBePositive(long value) {
        assertRejected(() -> Rule.tokenBucket("b").refill(value, Duration.ofSeconds(1)), "b:", "refill-rate", "> 0",
                "got " + value);
    }

    @Test
    void refillAmountsMustFitTheExactRange() {
        assertRejected(() -> Rule.tokenBucket("b").refill(Long.MAX_VALUE, Duration.ofDays(1)), "b:", "refill-rate",
                "got " + Long.MAX_VALUE);
    }

    @Test
    void refillRatesAboveOneUnitPerMicrosecondAreRejected() {
        assertRejected(() -> Rule.tokenBucket("b").refill(1_001, Duration.ofMillis(1)), "b:", "refill-rate",
                "one unit per microsecond", "1001 per 1ms");
        assertRejected(() -> Rule.tokenBucket("b").refill(Rule.MAX_LIMIT, Duration.ofDays(1)), "b:", "refill-rate",
                MAX + " per 24h");
        Rule.tokenBucket("b").refill(1_000, Duration.ofMillis(1)); // exactly one per microsecond is the fastest
    }

    @Test
    void bucketsThatTakeOverTenYearsToRefillAreRejected() {
        assertRejected(() -> Rule.tokenBucket("b").capacity(Rule.MAX_LIMIT).refill(1, Duration.ofSeconds(1)).build(),
                "b:", "10 years", "capacity " + MAX, "refill 1 per 1s");
        assertRejected(() -> Rule.tokenBucket("b").capacity(3_661).refill(1, Duration.ofDays(1)).build(), "b:",
                "10 years", "capacity 3661", "refill 1 per 24h");
        Rule.tokenBucket("b").capacity(3_660).refill(1, Duration.ofDays(1)).build();
    }

    @Test
    void spansMustBeBetweenAMillisecondAndAYear() {
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), Duration.ofMillis(-1)}) {
            String got = "got " + Durations.format(bad);
            assertRejected(() -> Rule.tokenBucket("b").refill(1, bad), "b:", "interval", "at least 1ms", got);
            assertRejected(() -> Rule.fixedWindow("w").window(bad), "w:", "window", "at least 1ms", got);
            assertRejected(() -> Rule.slidingWindow("s").window(bad), "s:", "window", "at least 1ms", got);
            assertRejected(() -> Rule.concurrency("c").lease(bad), "c:", "lease", "at least 1ms", got);
        }
        Duration tooLong = Duration.ofDays(367);
        assertRejected(() -> Rule.tokenBucket("b").refill(1, tooLong), "b:", "interval", "at most 366d", "got 367d");
        assertRejected(() -> Rule.fixedWindow("w").window(tooLong), "w:", "window", "at most 366d", "got 367d");
        assertRejected(() -> Rule.concurrency("c").lease(tooLong), "c:", "lease", "at most 366d", "got 367d");
    }

    @Test
    void spansShorterThanAMillisecondAreShownExactly() {
        Duration bad = Duration.ofNanos(999_999);
        assertRejected(() -> Rule.tokenBucket("b").refill(1, bad), "b:", "interval", "at least 1ms", "999999ns");
        assertRejected(() -> Rule.concurrency("c").lease(Duration.ofNanos(500_000)), "c:", "lease", "500us");
    }

    @Test
    void hugeSpansAreRejectedNotOverflowed() {
        Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
        assertRejected(() -> Rule.tokenBucket("b").refill(1, huge), "b:", "interval", "at most 366d", "got ");
        assertRejected(() -> Rule.fixedWindow("w").window(huge), "w:", "window", "at most 366d");
        assertRejected(() -> Rule.slidingWindow("s").window(Duration.ofDays(Long.MAX_VALUE / 86_400)), "s:", "window");
        assertRejected(() -> Rule.concurrency("c").lease(huge), "c:", "lease", "at most 366d");
        Duration parsed = Durations.parse("999999999999d");
        assertRejected(() -> Rule.fixedWindow("w").window(parsed), "w:", "window", "999999999999d");
    }

    @Test
    void windowsMustBeWholeMilliseconds() {
        assertRejected(() -> Rule.fixedWindow("w").window(Duration.ofNanos(1_500_000)), "w:", "window",
                "whole number of milliseconds", "PT0.0015S");
        assertRejected(() -> Rule.slidingWindow("s").window(Duration.ofNanos(60_000_000_001L)), "s:", "window",
                "whole number of milliseconds");
    }

    // The engine keeps time in whole microseconds: a finer interval would be truncated, refilling faster than asked.
    @Test
    void refillIntervalsMustBeWholeMicroseconds() {
        assertRejected(() -> Rule.tokenBucket("b").refill(1, Duration.ofNanos(1_000_500)), "b:", "interval",
                "whole number of microseconds", "1000500ns");
        Rule.tokenBucket("b").refill(1, Duration.ofNanos(1_000_001_000)); // 1,000,001us is fine
    }

    @Test
    void missingFieldsAreNamedWhenTheRuleIsBuilt() {
        assertRejected(() -> Rule.tokenBucket("b").build(), "b:", "capacity", "required", "token-bucket");
        assertRejected(() -> Rule.tokenBucket("b").capacity(5).build(), "b:", "refill", "required");
        assertRejected(() -> Rule.tokenBucket("b").refill(5, Duration.ofSeconds(1)).build(), "b:", "capacity",
                "required");
        assertRejected(() -> Rule.fixedWindow("w").window(Duration.ofMinutes(1)).build(), "w:", "limit", "required");
        assertRejected(() -> Rule.fixedWindow("w").limit(5).build(), "w:", "window", "required", "fixed-window");
        assertRejected(() -> Rule.slidingWindow("s").limit(5).build(), "s:", "window", "required", "sliding-window");
        assertRejected(() -> Rule.quota("q").per(Period.DAY).build(), "q:", "limit", "required");
        assertRejected(() -> Rule.quota("q").limit(5).build(), "q:", "period", "required");
        assertRejected(() -> Rule.concurrency("c").build(), "c:", "limit", "required", "concurrency");
    }

    @Test
    void nullSettingsAreNamed() {
        assertRejected(() -> Rule.tokenBucket("b").meter(null), "b:", "meter", "null");
        assertRejected(() -> Rule.tokenBucket("b").scope(null), "b:", "scope", "null");
        assertRejected(() -> Rule.tokenBucket("b").mode(null), "b:", "mode", "null");
        assertRejected(() -> Rule.tokenBucket("b").refill(1, null), "b:", "interval", "null");
        assertRejected(() -> Rule.tokenBucket("b").capacity((Money) null), "b:", "capacity", "null");
        assertRejected(() -> Rule.fixedWindow("w").window(null), "w:", "window", "null");
        assertRejected(() -> Rule.fixedWindow("w").limit((Money) null), "w:", "limit", "null");
        assertRejected(() -> Rule.quota("q").per(null), "q:", "period", "null");
        assertRejected(() -> Rule.quota("q").zone(null), "q:", "zone", "null");
        assertRejected(() -> Rule.concurrency("c").lease(null), "c:", "lease", "null");
    }

    @Test
    void moneyLimitsNeedTheUsdMeter() {
        assertRejected(() -> Rule.quota("q").meter(Meter.TOKENS).limit(Money.usd("5.00")), "q:", "limit", "money",
                "$5.00", "tokens");
        assertRejected(() -> Rule.tokenBucket("b").meter(Meter.REQUESTS).capacity(Money.usd(1)), "b:", "capacity",
                "$1.00", "requests");
        assertRejected(() -> Rule.quota("q").limit(Money.usd("5.00")).meter(Meter.TOKENS), "q:", "money", "usd",
                "tokens");
        Rule rule = Rule.quota("q").limit(Money.usd("5.00")).per(Period.MONTH).build();
        assertEquals(Meter.USD, rule.meter());
        assertEquals(5_000_000, rule.limit());
    }

    @Test
    void moneyLimitsMustFitTheExactRange() {
        assertRejected(() -> Rule.quota("q").limit(Money.usd("10000000000")), "q:", "limit", "micro-USD",
                "got 10000000000000000");
        assertRejected(() -> Rule.quota("q").limit(Money.ZERO), "q:", "limit", "> 0", "got 0");
    }

    @Test
    void concurrencyRulesCountRequests() {
        for (Meter meter : new Meter[] {Meter.TOKENS, Meter.USD}) {
            assertRejected(() -> Rule.concurrency("c").meter(meter).limit(2).build(), "c:", "meter", "requests",
                    "got " + meter.label());
        }
    }

    @Test
    void overridesOfALimitAreCheckedToo() {
        Rule window = Rule.fixedWindow("w").limit(5).window(Duration.ofMinutes(1)).build();
        assertRejected(() -> window.withLimit(0), "limit", "> 0", "got 0");
        assertRejected(() -> window.withLimit(Rule.MAX_LIMIT + 1), "limit", "got " + (Rule.MAX_LIMIT + 1));
        Rule sliding = Rule.slidingWindow("s").limit(5).window(Duration.ofMinutes(1)).build();
        assertRejected(() -> sliding.withLimit(Rule.MAX_SLIDING_LIMIT + 1), "limit", "<= " + Rule.MAX_SLIDING_LIMIT);
        assertEquals(7, Rule.quota("q").limit(5).per(Period.DAY).zone(ZoneOffset.UTC).build().withLimit(7).limit());
    }
}
