package dev.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.Charge;
import dev.tollgate.cost.HeuristicEstimator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestEstimatorTest {

    /** The OpenAI cookbook's example messages, whose published count is 124 tokens on gpt-4o. */
    static final String COOKBOOK_MESSAGES = """
            [{"role":"system","content":"You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
             {"role":"system","name":"example_user","content":"New synergies will help drive top-line growth."},
             {"role":"system","name":"example_assistant","content":"Things working well together will increase revenue."},
             {"role":"system","name":"example_user","content":"Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
             {"role":"system","name":"example_assistant","content":"Let's talk later when we're less busy about how to do better."},
             {"role":"user","content":"This late pivot means we don't have time to boil the ocean for the client deliverable."}]""";

    static final String WEATHER_TOOLS = """
            [{"type":"function","function":{"name":"get_current_weather","description":"Get the current weather in a given location",
              "parameters":{"type":"object","properties":{
                "location":{"type":"string","description":"The city and state, e.g. San Francisco, CA"},
                "unit":{"type":"string","description":"The unit of temperature to return","enum":["celsius","fahrenheit"]}},
              "required":["location"]}}}]""";

    private final RequestEstimator estimator = RequestEstimator.create();

    private RequestEstimate estimate(Endpoint endpoint, String json) {
        return estimator.estimate(endpoint, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void chatRequestCountsThePublishedTokensAndReservesMaxTokens() {
        RequestEstimate e = estimate(Endpoint.OPENAI_CHAT,
                "{\"model\":\"gpt-4o\",\"max_tokens\":500,\"messages\":" + COOKBOOK_MESSAGES + "}");
        assertThat(e.inputTokens()).isEqualTo(124); // cookbook: 124 prompt tokens on gpt-4o
        assertThat(e.outputTokens()).isEqualTo(500);
        assertThat(e.inputEstimated()).isFalse();
        // 124 x 2,500,000 + 500 x 10,000,000 = 310,000,000 + 5,000,000,000 pico = 5,310 micro-USD
        assertThat(e.charge()).isEqualTo(new Charge(1, 624, 5_310));
    }

    @Test
    void chatRequestWithToolsCountsThePublishedTokens() {
        String json = """
                {"model":"gpt-4o-mini","max_completion_tokens":100,"tools":%s,"messages":[
                 {"role":"system","content":"You are a helpful assistant that can answer to questions about the weather."},
                 {"role":"user","content":"What's the weather like in San Francisco?"}]}""".formatted(WEATHER_TOOLS);
        assertThat(estimate(Endpoint.OPENAI_CHAT, json).inputTokens()).isEqualTo(101); // cookbook: 101 on gpt-4o-mini
    }

    @Test
    void outputReservationIsTheDefaultCapWhenUnsetAndNeverAboveTheModelMax() {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        assertThat(estimate(Endpoint.OPENAI_CHAT, "{\"model\":\"gpt-4o\"," + messages + "}").outputTokens())
                .isEqualTo(4_096);
        assertThat(estimate(Endpoint.OPENAI_CHAT, "{\"model\":\"gpt-4o\",\"max_tokens\":1000000," + messages + "}")
                .outputTokens()).isEqualTo(16_384);
        RequestEstimator small = RequestEstimator.builder(estimator.catalog()).defaultMaxOutputTokens(256).build();
        assertThat(small.estimate(Endpoint.OPENAI_CHAT,
                ("{\"model\":\"gpt-4o\"," + messages + "}").getBytes(StandardCharsets.UTF_8)).outputTokens()).isEqualTo(256);
        // n choices each produce up to max tokens
        assertThat(estimate(Endpoint.OPENAI_CHAT, "{\"model\":\"gpt-4o\",\"n\":3,\"max_tokens\":100," + messages + "}")
                .outputTokens()).isEqualTo(300);
    }

    @Test
    void responsesRequestCountsInstructionsInputAndMaxOutputTokens() {
        RequestEstimate e = estimate(Endpoint.OPENAI_RESPONSES,
                "{\"model\":\"gpt-5.4\",\"instructions\":\"Be brief.\",\"input\":\"What is 2+2?\",\"max_output_tokens\":50}");
        // developer: 3 + "developer"(1) + "Be brief."(3) ; user: 3 + "user"(1) + "What is 2+2?"(6) ; priming 3
        assertThat(e.inputTokens()).isBetween(18L, 22L);
        assertThat(e.outputTokens()).isEqualTo(50);
        RequestEstimate items = estimate(Endpoint.OPENAI_RESPONSES, """
                {"model":"gpt-5.4-mini","input":[{"role":"user","content":[{"type":"input_text","text":"Describe"},
                 {"type":"input_image","image_url":"https://x/y.png","detail":"low"}]},
                 {"type":"function_call","call_id":"c1","name":"lookup","arguments":"{}"},
                 {"type":"function_call_output","call_id":"c1","output":"42"}]}""");
        assertThat(items.inputTokens()).isGreaterThan(85);
    }

    @Test
    void legacyCompletionsAndEmbeddingsCountTheirInput() {
        RequestEstimate c = estimate(Endpoint.OPENAI_COMPLETIONS,
                "{\"model\":\"gpt-4o-mini\",\"prompt\":[\"tiktoken is great!\",\"tiktoken is great!\"],\"max_tokens\":7}");
        assertThat(c.inputTokens()).isEqualTo(12); // 6 tokens each: the cookbook's cl100k count; o200k_base also gives 6
        assertThat(c.outputTokens()).isEqualTo(7);
        RequestEstimate e = estimate(Endpoint.OPENAI_EMBEDDINGS,
                "{\"model\":\"text-embedding-3-small\",\"input\":\"tiktoken is great!\"}");
        assertThat(e.inputTokens()).isEqualTo(6); // cookbook: 6 tokens in cl100k_base
        assertThat(e.outputTokens()).isZero();
        // 6 x 20,000 = 120,000 pico -> 1 micro-USD
        assertThat(e.charge()).isEqualTo(new Charge(1, 6, 1));
        RequestEstimate ids = estimate(Endpoint.OPENAI_EMBEDDINGS,
                "{\"model\":\"text-embedding-3-large\",\"input\":[[1,2,3],[4,5]]}");
        assertThat(ids.inputTokens()).isEqualTo(5);
    }

    @Test
    void anthropicRequestCountsSystemMessagesAndToolsAsAnEstimate() {
        RequestEstimate plain = estimate(Endpoint.ANTHROPIC_MESSAGES,
                "{\"model\":\"claude-sonnet-4-6\",\"max_tokens\":1024,\"system\":\"You are terse.\","
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}");
        assertThat(plain.inputEstimated()).isTrue();
        assertThat(plain.outputTokens()).isEqualTo(1_024);
        RequestEstimate tools = estimate(Endpoint.ANTHROPIC_MESSAGES,
                "{\"model\":\"claude-sonnet-4-6\",\"max_tokens\":1024,\"system\":[{\"type\":\"text\",\"text\":\"You are terse.\"}],"
                        + "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Get the weather\",\"input_schema\":"
                        + "{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}}}}],"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}");
        assertThat(tools.inputTokens() - plain.inputTokens())
                .isGreaterThan(RequestEstimator.ANTHROPIC_TOOL_PROMPT_TOKENS);
    }

    @Test
    void aHugePromptGetsABoundedEstimateInBoundedTime() {
        String big = "lorem ipsum dolor sit amet ".repeat(400_000); // 10.8 MB
        long start = System.nanoTime();
        RequestEstimate e = estimate(Endpoint.OPENAI_CHAT,
                "{\"model\":\"gpt-4.1\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.inputEstimated()).isTrue();
        assertThat(e.inputTokens()).isEqualTo(Math.min(HeuristicEstimator.tokens(big) + 8, 1_047_576));
        assertThat(millis).as("estimation time, ms").isLessThan(5_000);
    }
}
