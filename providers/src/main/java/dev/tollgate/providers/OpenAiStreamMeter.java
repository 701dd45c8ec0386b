package dev.tollgate.providers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.cost.TokenCounter;
import dev.tollgate.cost.Usage;
import java.io.IOException;

/**
 * Meters an OpenAI stream: chat and legacy completions chunks (the final chunk's {@code usage}), and Responses API
 * events ({@code response.completed}'s {@code response.usage}). Streamed text, tool-call arguments and refusals are
 * kept for counting in case the usage never arrives.
 */
final class OpenAiStreamMeter implements StreamMeter {

    private final RequestEstimate estimate;
    private final TokenCounter counter;
    private final StringBuilder streamed = new StringBuilder();
    private Usage usage;

    OpenAiStreamMeter(RequestEstimate estimate, TokenCounter counter) {
        this.estimate = estimate;
        this.counter = counter;
    }

    @Override
    public void onEvent(SseEvent event) {
        String data = event.data();
        if (data.isEmpty() || data.equals("[DONE]")) {
            return;
        }
        JsonNode n;
        try {
            n = UsageMeters.JSON.readTree(data);
        } catch (IOException e) {
            return;
        }
        if (n == null) {
            return;
        }
        String type = n.path("type").asText("");
        if (!type.isEmpty()) { // Responses API
            switch (type) {
                case "response.output_text.delta", "response.function_call_arguments.delta",
                        "response.refusal.delta", "response.reasoning_summary_text.delta" ->
                        streamed.append(n.path("delta").asText(""));
                case "response.completed", "response.incomplete" -> {
                    JsonNode u = n.path("response").path("usage");
                    if (u.isObject()) {
                        usage = UsageMeters.openAi(u);
                    }
                }
                default -> { }
            }
            return;
        }
        for (JsonNode choice : n.path("choices")) {
            JsonNode delta = choice.path("delta");
            streamed.append(delta.path("content").asText(""));
            streamed.append(delta.path("refusal").asText(""));
            for (JsonNode call : delta.path("tool_calls")) {
                streamed.append(call.path("function").path("name").asText(""));
                streamed.append(call.path("function").path("arguments").asText(""));
            }
            streamed.append(choice.path("text").asText("")); // legacy completions
        }
        JsonNode u = n.path("usage");
        if (u.isObject()) {
            usage = UsageMeters.openAi(u);
        }
    }

    @Override
    public boolean hasProviderUsage() {
        return usage != null;
    }

    @Override
    public Usage usage() {
        if (usage != null) {
            return usage;
        }
        return Usage.of(estimate.inputTokens(), counter.count(streamed)).asEstimate();
    }
}
