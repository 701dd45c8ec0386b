package dev.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.cost.Usage;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Money;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The whole path, driven as the gateway will drive it: request JSON -> estimate -> reserve -> recorded upstream
 * stream (passed through in small chunks) -> metered usage -> settle; then the exact state of every rule.
 */
class EndToEndTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

    private final Policy policy = Policy.of(Plan.named("pro")
            .rule(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(100_000).per(Period.DAY))
            .rule(Rule.quota("monthly-spend").limit(Money.usd("5.00")).per(Period.MONTH))
            .rule(Rule.quota("daily-requests").meter(Meter.REQUESTS).limit(1_000).per(Period.DAY)));
    private final Subject alice = Subject.user("alice", "pro");
    private final RequestEstimator estimator = RequestEstimator.create();

    private static long remaining(Decision d, String rule) {
        return d.rule(rule).orElseThrow().remaining();
    }

    @Test
    void openAiStreamSettlesToTheMeteredUsageExactly() {
        try (Guard guard = Guard.builder(policy).clock(CLOCK).build()) {
            byte[] request = ("{\"model\":\"gpt-4o\",\"stream\":true,\"max_tokens\":500,\"messages\":"
                    + RequestEstimatorTest.COOKBOOK_MESSAGES + "}").getBytes(StandardCharsets.UTF_8);

            // Estimate: 124 input tokens (the cookbook's published count) + 500 reserved output.
            // 124 x 2,500,000 + 500 x 10,000,000 = 5,310,000,000 pico = 5,310 micro-USD.
            RequestEstimate estimate = estimator.estimate(Endpoint.OPENAI_CHAT, request);
            assertThat(estimate.charge()).isEqualTo(new Charge(1, 624, 5_310));

            Reservation r = guard.reserve(alice, estimate.charge());
            assertThat(r.allowed()).isTrue();
            Decision reserved = guard.status(alice);
            assertThat(remaining(reserved, "daily-tokens")).isEqualTo(100_000 - 624);
            assertThat(remaining(reserved, "monthly-spend")).isEqualTo(5_000_000 - 5_310);
            assertThat(remaining(reserved, "daily-requests")).isEqualTo(999);

            // The client did not ask for usage: ask upstream anyway, and hide that chunk from the client.
            UsageMeters.StreamRewrite upstream = UsageMeters.requestUsageChunk(request);
            assertThat(upstream.usageAdded()).isTrue();

            StreamMeter meter = UsageMeters.stream(estimate);
            SseParser parser = new SseParser();
            List<SseEvent> toClient = new ArrayList<>();
            byte[] wire = Streams.bytes("openai-full.sse");
            for (int i = 0; i < wire.length; i += 13) {
                for (SseEvent ev : parser.feed(wire, i, Math.min(13, wire.length - i))) {
                    meter.onEvent(ev);
                    if (UsageMeters.forwardToClient(ev, upstream.usageAdded())) {
                        toClient.add(ev);
                    }
                }
            }
            assertThat(toClient).hasSize(5);

            // Metered: prompt 1117 (1024 cached), completion 46.
            Usage usage = meter.usage();
            assertThat(usage).isEqualTo(new Usage(93, 1_024, 0, 0, 46, 0, false));
            // 93 x 2,500,000 + 1,024 x 1,250,000 + 46 x 10,000,000 = 232,500,000 + 1,280,000,000 + 460,000,000
            // = 1,972,500,000 pico -> 1,973 micro-USD; tokens 1,117 + 46 = 1,163.
            Charge actual = estimator.catalog().charge(estimate.model(), usage);
            assertThat(actual).isEqualTo(new Charge(1, 1_163, 1_973));

            r.settle(actual);
            Decision settled = guard.status(alice);
            assertThat(remaining(settled, "daily-tokens")).isEqualTo(100_000 - 1_163);
            assertThat(remaining(settled, "monthly-spend")).isEqualTo(5_000_000 - 1_973);
            assertThat(remaining(settled, "daily-requests")).isEqualTo(999);
        }
    }

    @Test
    void anthropicCutStreamSettlesToTheCountedEstimate() {
        try (Guard guard = Guard.builder(policy).clock(CLOCK).build()) {
            byte[] request = ("{\"model\":\"claude-haiku-4-5-20251001\",\"max_tokens\":300,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}").getBytes(StandardCharsets.UTF_8);
            RequestEstimate estimate = estimator.estimate(Endpoint.ANTHROPIC_MESSAGES, request);
            Reservation r = guard.reserve(alice, estimate.charge());
            assertThat(r.allowed()).isTrue();

            StreamMeter meter = UsageMeters.stream(estimate);
            meter.onEvents(new SseParser().feed(Streams.bytes("anthropic-cut.sse")));
            Usage usage = meter.usage();
            // Real input from message_start (1,200 + 800 cache reads), 16 output tokens counted from the text.
            assertThat(usage).isEqualTo(new Usage(1_200, 800, 0, 0, 16, 0, true));
            // 1,200 x 1,000,000 + 800 x 100,000 + 16 x 5,000,000 = 1,200,000,000 + 80,000,000 + 80,000,000
            // = 1,360,000,000 pico = 1,360 micro-USD; tokens 2,016.
            Charge actual = estimator.catalog().charge(estimate.model(), usage);
            assertThat(actual).isEqualTo(new Charge(1, 2_016, 1_360));

            r.settle(actual); // above the estimate's input: the budget goes into debt as documented, never lost
            Decision settled = guard.status(alice);
            assertThat(remaining(settled, "daily-tokens")).isEqualTo(100_000 - 2_016);
            assertThat(remaining(settled, "monthly-spend")).isEqualTo(5_000_000 - 1_360);
        }
    }
}
