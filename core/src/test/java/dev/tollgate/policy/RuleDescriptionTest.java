package dev.tollgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The descriptions that denials, {@code /tollgate/v1/me} and the demo show people. */
class RuleDescriptionTest {

    @Test
    void aBucketsRefillIsGroupedLikeItsCapacity() {
        Rule rule = Rule.tokenBucket("burst").meter(Meter.TOKENS).capacity(100_000)
                .refill(50_000, Duration.ofMinutes(1)).build();

        assertThat(rule.describe()).isEqualTo("burst of 100,000 tokens, refilling 50,000 per 1m");
    }

    @Test
    void aMoneyBucketsRefillIsInDollarsNotMicroDollars() {
        Rule rule = Rule.tokenBucket("spend-rate").meter(Meter.USD).capacity(Money.usd("1.00"))
                .refill(500_000, Duration.ofMinutes(1)).build();

        assertThat(rule.describe()).isEqualTo("burst of $1.00, refilling $0.50 per 1m");
    }

    @Test
    void smallRefillsReadAsPlainNumbers() {
        Rule rule = Rule.tokenBucket("burst").meter(Meter.REQUESTS).capacity(5).refill(5, Duration.ofMinutes(1))
                .build();

        assertThat(rule.describe()).isEqualTo("burst of 5 requests, refilling 5 per 1m");
    }

    @Test
    void quotasAndWindowsNameTheirPeriod() {
        assertThat(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(20_000).per(Period.DAY).zone(ZoneOffset.UTC)
                .build().describe()).isEqualTo("20,000 tokens per day");
        assertThat(Rule.slidingWindow("daily").meter(Meter.TOKENS).limit(2_000_000).window(Duration.ofHours(24))
                .build().describe()).isEqualTo("2,000,000 tokens per 24h");
    }
}
