package dev.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.cost.Usage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Each recorded stream (src/test/resources/streams) metered to its exact expected usage. */
class StreamMeterTest {

    private final RequestEstimator estimator = RequestEstimator.create();

    private RequestEstimate estimate(Endpoint endpoint, String json) {
        return estimator.estimate(endpoint, json.getBytes(StandardCharsets.UTF_8));
    }

    private Usage meter(RequestEstimate estimate, String stream) {
        StreamMeter meter = UsageMeters.stream(estimate);
        meter.onEvents(Streams.events(stream, 5));
        return meter.usage();
    }

    private RequestEstimate gpt4o() {
        return estimate(Endpoint.OPENAI_CHAT,
                "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}");
    }

    @Test
    void openAiFullStreamIsMeteredFromTheFinalUsageChunkWithCachedTokensCountedOnce() {
        // usage: prompt 1117 (1024 cached), completion 46 -> uncached 93, cached 1024, output 46
        assertThat(meter(gpt4o(), "openai-full.sse")).isEqualTo(new Usage(93, 1024, 0, 0, 46, 0, false));
    }

    @Test
    void openAiReasoningTokensStayInsideOutput() {
        RequestEstimate e = estimate(Endpoint.OPENAI_CHAT,
                "{\"model\":\"o4-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"6*7?\"}]}");
        // prompt 2500 (2048 cached), completion 900 of which 896 reasoning
        assertThat(meter(e, "openai-reasoning.sse")).isEqualTo(new Usage(452, 2048, 0, 0, 900, 896, false));
    }

    @Test
    void openAiCutStreamCountsTheStreamedTextAndMarksTheEstimate() {
        RequestEstimate e = gpt4o();
        // Streamed before the cut: "The quick brown fox jumps over" = 6 o200k tokens
        // ("The", " quick", " brown", " fox", " jumps", " over"); the half-sent last event is not counted.
        // Input: the request's own count. "Tell me a story" = 4 tokens + role "user" 1 + 3 framing + 3 priming = 11.
        assertThat(e.inputTokens()).isEqualTo(11);
        assertThat(meter(e, "openai-cut.sse")).isEqualTo(new Usage(11, 0, 0, 0, 6, 0, true));
    }

    @Test
    void openAiStreamWithoutUsageChunkIsCountedFromItsText() {
        // "Paris is the capital of France." = 7 o200k tokens ("Paris"," is"," the"," capital"," of"," France",".")
        assertThat(meter(gpt4o(), "openai-no-usage.sse")).isEqualTo(new Usage(11, 0, 0, 0, 7, 0, true));
    }

    @Test
    void anthropicFullStreamSplitsCacheWritesAndKeepsTheLatestOutput() {
        RequestEstimate e = estimate(Endpoint.ANTHROPIC_MESSAGES,
                "{\"model\":\"claude-sonnet-4-6\",\"max_tokens\":1024,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
        // message_start: input 25 (excludes cache), read 12000, creation 3000 = 1000 (5m) + 2000 (1h);
        // message_delta: output 15 (cumulative, replaces message_start's 1)
        assertThat(meter(e, "anthropic-full.sse")).isEqualTo(new Usage(25, 12_000, 1_000, 2_000, 15, 0, false));
    }

    @Test
    void anthropicSeveralMessageDeltasAreCumulativeNotAdded() {
        RequestEstimate e = estimate(Endpoint.ANTHROPIC_MESSAGES,
                "{\"model\":\"claude-opus-4-6\",\"max_tokens\":1024,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}");
        // output deltas 40, 75, 89 -> 89 (not 204); cache_creation_input_tokens 2048 without a split -> 5-minute
        assertThat(meter(e, "anthropic-many-deltas.sse")).isEqualTo(new Usage(400, 0, 2_048, 0, 89, 0, false));
    }

    @Test
    void anthropicCutStreamKeepsTheRealInputAndCountsTheStreamedOutput() {
        RequestEstimate e = estimate(Endpoint.ANTHROPIC_MESSAGES,
                "{\"model\":\"claude-haiku-4-5-20251001\",\"max_tokens\":1024,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}");
        // message_start gave input 1200 and cache read 800 (real). No message_delta, no message_stop.
        // Streamed: "Once upon a time, in a land far away, there lived" = 13 cl100k tokens
        // (Once| upon| a| time|,| in| a| land| far| away|,| there| lived) x 1.2 = 15.6 -> 16; max(1, 16) = 16.
        assertThat(meter(e, "anthropic-cut.sse")).isEqualTo(new Usage(1_200, 800, 0, 0, 16, 0, true));
    }

    @Test
    void responsesStreamIsMeteredFromResponseCompleted() {
        RequestEstimate e = estimate(Endpoint.OPENAI_RESPONSES,
                "{\"model\":\"gpt-5.4-mini\",\"stream\":true,\"input\":\"What is 2+2?\"}");
        // input 1800 of which 1536 cached; output 210 of which 192 reasoning
        assertThat(meter(e, "openai-responses.sse")).isEqualTo(new Usage(264, 1_536, 0, 0, 210, 192, false));
    }

    @Test
    void legacyCompletionsStreamWithoutUsageCountsItsText() {
        RequestEstimate e = estimate(Endpoint.OPENAI_COMPLETIONS,
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"prompt\":\"Say hi\",\"max_tokens\":5}");
        StreamMeter meter = UsageMeters.stream(e);
        meter.onEvent(new SseEvent(null, "{\"choices\":[{\"text\":\"Paris is the capital of France.\",\"index\":0}]}"));
        // "Say hi" = 2 o200k tokens of input; the text = 7 tokens (as in openai-no-usage.sse)
        assertThat(meter.usage()).isEqualTo(new Usage(2, 0, 0, 0, 7, 0, true));
    }

    @Test
    void nonStreamingResponsesAreMetered() {
        byte[] openAi = ("{\"usage\":{\"prompt_tokens\":1117,\"completion_tokens\":46,\"prompt_tokens_details\":"
                + "{\"cached_tokens\":1024},\"completion_tokens_details\":{\"reasoning_tokens\":10}}}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(UsageMeters.fromResponse(Endpoint.OPENAI_CHAT, openAi))
                .isEqualTo(new Usage(93, 1024, 0, 0, 46, 10, false));
        byte[] responses = ("{\"usage\":{\"input_tokens\":300,\"input_tokens_details\":{\"cached_tokens\":256},"
                + "\"output_tokens\":120,\"output_tokens_details\":{\"reasoning_tokens\":64}}}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(UsageMeters.fromResponse(Endpoint.OPENAI_RESPONSES, responses))
                .isEqualTo(new Usage(44, 256, 0, 0, 120, 64, false));
        byte[] anthropic = ("{\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":500,"
                + "\"cache_read_input_tokens\":2000,\"output_tokens\":77}}").getBytes(StandardCharsets.UTF_8);
        assertThat(UsageMeters.fromResponse(Endpoint.ANTHROPIC_MESSAGES, anthropic))
                .isEqualTo(new Usage(10, 2000, 500, 0, 77, 0, false));
    }

    @Test
    void includeUsageIsAddedOnlyWhenTheClientDidNotAskAndItsChunkIsFilteredOut() {
        var rewritten = UsageMeters.requestUsageChunk(
                "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}".getBytes(StandardCharsets.UTF_8));
        assertThat(rewritten.usageAdded()).isTrue();
        assertThat(new String(rewritten.body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[],\"stream_options\":{\"include_usage\":true}}");
        byte[] asked = "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(UsageMeters.requestUsageChunk(asked).usageAdded()).isFalse();
        assertThat(UsageMeters.requestUsageChunk(asked).body()).isSameAs(asked);
        byte[] notStreaming = "{\"model\":\"gpt-4o\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(UsageMeters.requestUsageChunk(notStreaming).usageAdded()).isFalse();

        var events = Streams.events("openai-full.sse", 11);
        long forwardedAdded = events.stream().filter(ev -> UsageMeters.forwardToClient(ev, true)).count();
        long forwardedAsked = events.stream().filter(ev -> UsageMeters.forwardToClient(ev, false)).count();
        assertThat(events).hasSize(6);
        assertThat(forwardedAdded).isEqualTo(5); // the usage chunk is dropped, [DONE] goes on
        assertThat(forwardedAsked).isEqualTo(6);
    }
}
