package dev.tollgate.providers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.cost.TokenCounter;
import dev.tollgate.cost.Usage;
import java.io.IOException;

/**
 * Meters an Anthropic stream: {@code message_start.message.usage} gives the input and cache tokens, every
 * {@code message_delta.usage} gives the output so far. Output counts are cumulative, so the latest replaces the
 * previous one: they are never added. The usage is final at {@code message_stop}; a stream cut before it is metered
 * from the latest counts and the streamed text, whichever says more output, and marked as an estimate.
 */
final class AnthropicStreamMeter implements StreamMeter {

    private final RequestEstimate estimate;
    private final TokenCounter counter;
    private final StringBuilder streamed = new StringBuilder();
    private Usage latest;
    private boolean stopped;

    AnthropicStreamMeter(RequestEstimate estimate, TokenCounter counter) {
        this.estimate = estimate;
        this.counter = counter;
    }

    @Override
    public void onEvent(SseEvent event) {
        JsonNode n;
        try {
            n = UsageMeters.JSON.readTree(event.data());
        } catch (IOException e) {
            return;
        }
        if (n == null) {
            return;
        }
        String type = n.path("type").asText(event.event() == null ? "" : event.event());
        switch (type) {
            case "message_start" -> {
                JsonNode u = n.path("message").path("usage");
                if (u.isObject()) {
                    latest = UsageMeters.anthropic(u, null);
                }
            }
            case "content_block_delta" -> {
                JsonNode d = n.path("delta");
                streamed.append(d.path("text").asText(""));
                streamed.append(d.path("partial_json").asText(""));
                streamed.append(d.path("thinking").asText(""));
            }
            case "content_block_start" -> {
                JsonNode b = n.path("content_block");
                if ("tool_use".equals(b.path("type").asText())) {
                    streamed.append(b.path("name").asText(""));
                }
            }
            case "message_delta" -> {
                JsonNode u = n.path("usage");
                if (u.isObject()) {
                    latest = UsageMeters.anthropic(u, latest);
                }
            }
            case "message_stop" -> stopped = true;
            default -> { }
        }
    }

    @Override
    public boolean hasProviderUsage() {
        return stopped && latest != null;
    }

    @Override
    public Usage usage() {
        if (hasProviderUsage()) {
            return latest;
        }
        long counted = counter.count(streamed);
        if (latest == null) {
            return Usage.of(estimate.inputTokens(), counted).asEstimate();
        }
        return Usage.anthropic(latest.inputTokens(), latest.cachedInputTokens(), latest.cacheWrite5mTokens(),
                latest.cacheWrite1hTokens(), Math.max(latest.outputTokens(), counted)).asEstimate();
    }
}
