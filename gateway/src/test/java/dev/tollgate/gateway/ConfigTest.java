package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Mode;
import dev.tollgate.policy.Rule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    static String issueExample() throws IOException {
        try (InputStream in = ConfigTest.class.getResourceAsStream("/issue-example.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theIssueExampleWorksAsWritten() throws IOException {
        Config c = Config.parse(issueExample(), "example", Map.of());
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.store().type()).isEqualTo("memory");
        assertThat(c.openai().mocked()).isTrue();
        assertThat(c.anthropic().mocked()).isTrue();
        assertThat(c.defaultMaxOutputTokens()).isEqualTo(1024);
        assertThat(c.policy().plans()).containsOnlyKeys("free", "pro");
        Rule spend = c.policy().plan("free").rules().get(2);
        assertThat(spend.meter()).isEqualTo(Meter.USD);
        assertThat(spend.limit()).isEqualTo(5_000_000L);
        Rule burst = c.policy().plan("free").rules().get(0);
        assertThat(burst.refillInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.policy().plan("pro").rules().get(1).mode()).isEqualTo(Mode.DRY_RUN);
        assertThat(c.keys()).hasSize(2);
        assertThat(c.keys().get(1).team()).isEqualTo("research");
        assertThat(c.serviceKeyHashes()).hasSize(1);
        assertThat(c.maxBodyBytes()).isEqualTo(10L * 1024 * 1024);
    }

    @Test
    void environmentVariablesAreInterpolated() throws IOException {
        Config c = Config.parse(issueExample(), "example", Map.of("OPENAI_API_KEY", "sk-test-123"));
        assertThat(c.openai().mocked()).isFalse();
        assertThat(c.openai().apiKey()).isEqualTo("sk-test-123");
        assertThat(c.anthropic().mocked()).isTrue();
    }

    @Test
    void theBundledSampleIsValid() {
        Config c = Config.sample(Map.of());
        assertThat(c.keys()).extracting(Config.KeyConfig::user).containsExactly("alice", "bob", "carol");
        assertThat(c.keys().get(2).revoked()).isTrue();
    }

    @Test
    void anUnknownFieldNamesItsPathAndLine() throws IOException {
        String text = issueExample().replace("refill-rate: 5,", "refil-rate: 5,");
        assertThatThrownBy(() -> Config.parse(text, "tollgate.yaml", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("plans.free.rules[0].refil-rate")
                .hasMessageContaining("unknown field 'refil-rate'")
                .hasMessageContaining("line 17")
                .hasMessageContaining("refill-rate");
    }

    @Test
    void aBadValueNamesItsPathAndLine() throws IOException {
        String text = issueExample().replace("refill-rate: 5,", "refill-rate: -5,");
        assertThatThrownBy(() -> Config.parse(text, "tollgate.yaml", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("plans.free.rules[0].refill-rate: must be > 0, got -5 (line 17");
    }

    @Test
    void badDurationsMoneyAndPlansAreAllReported() throws IOException {
        String text = issueExample().replaceFirst("interval: 1m", "interval: 1 minute")
                .replace("limit: 5.00, period: month", "limit: 5.0000001, period: month")
                .replace("user: alice, plan: free", "user: alice, plan: gold");
        assertThatThrownBy(() -> Config.parse(text, "tollgate.yaml", Map.of()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(3))
                .hasMessageContaining("plans.free.rules[0].interval: duration must be")
                .hasMessageContaining("plans.free.rules[2].limit: money has more than 6 decimal places")
                .hasMessageContaining("keys[0].plan: unknown plan 'gold'; known plans: free, pro (line 26");
    }

    @Test
    void aWrongTypeNamesItsPathAndLine() throws IOException {
        String text = issueExample().replace("port: 8080", "port: eighty");
        assertThatThrownBy(() -> Config.parse(text, "tollgate.yaml", Map.of()))
                .hasMessageContaining("server.port")
                .hasMessageContaining("line 2");
    }

    @Test
    void redisNeedsAUrl() throws IOException {
        String text = issueExample().replace("type: memory", "type: redis");
        assertThatThrownBy(() -> Config.parse(text, "tollgate.yaml", Map.of()))
                .hasMessageContaining("store.url: is required when store.type is redis");
    }

    @Test
    void aPriceFileAddsModelsAndReplacesBundledPrices(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        java.nio.file.Path prices = dir.resolve("prices.csv");
        java.nio.file.Files.writeString(prices, """
                # our own fine-tune, and a negotiated gpt-4o price
                openai,acme-support-llm,128000,16384,1.00,0.50,,,4.00,contract,2026-11-01
                openai,gpt-4o,128000,16384,2.00,1.00,,,8.00,contract,2026-11-01
                """);
        String text = issueExample().replace("default-max-output-tokens: 1024",
                "default-max-output-tokens: 1024\n  price-file: " + prices);
        Config c = Config.parse(text, "tollgate.yaml", Map.of());
        assertThat(c.catalog().knows("acme-support-llm")).isTrue();
        // $2.00 per million input tokens is 2,000,000 micro-USD per million, replacing the bundled $2.50.
        assertThat(c.catalog().price("gpt-4o").inputMicrosPerMillion()).isEqualTo(2_000_000);
        assertThat(c.catalog().knows("claude-sonnet-4-6")).as("bundled models stay").isTrue();
    }

    @Test
    void aMissingPriceFileNamesTheField() throws IOException {
        String text = issueExample().replace("default-max-output-tokens: 1024",
                "default-max-output-tokens: 1024\n  price-file: /nonexistent/prices.csv");
        assertThatThrownBy(() -> Config.parse(text, "tollgate.yaml", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("estimation.price-file")
                .hasMessageContaining("/nonexistent/prices.csv");
    }
}
