package dev.tollgate.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Token counts checked against OpenAI's published numbers. Source for every expected value: the OpenAI cookbook
 * notebook "How to count tokens with tiktoken" (examples/How_to_count_tokens_with_tiktoken.ipynb), whose printed
 * output compares its counting functions with {@code usage.prompt_tokens} returned by the OpenAI API.
 */
class ChatTokenCounterTest {

    /** The cookbook's section 6 example: six messages, four of them named. */
    static final List<ChatMessage> COOKBOOK_MESSAGES = List.of(
            ChatMessage.of("system",
                    "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."),
            ChatMessage.named("system", "example_user", "New synergies will help drive top-line growth."),
            ChatMessage.named("system", "example_assistant", "Things working well together will increase revenue."),
            ChatMessage.named("system", "example_user",
                    "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."),
            ChatMessage.named("system", "example_assistant",
                    "Let's talk later when we're less busy about how to do better."),
            ChatMessage.of("user",
                    "This late pivot means we don't have time to boil the ocean for the client deliverable."));

    /** The cookbook's section 7 example: a weather tool with an enum parameter. */
    static final List<ToolDefinition> WEATHER_TOOL = List.of(new ToolDefinition(
            "get_current_weather", "Get the current weather in a given location", List.of(
                    new ToolDefinition.Parameter("location", "string", "The city and state, e.g. San Francisco, CA", List.of()),
                    new ToolDefinition.Parameter("unit", "string", "The unit of temperature to return",
                            List.of("celsius", "fahrenheit")))));

    static final List<ChatMessage> WEATHER_MESSAGES = List.of(
            ChatMessage.of("system", "You are a helpful assistant that can answer to questions about the weather."),
            ChatMessage.of("user", "What's the weather like in San Francisco?"));

    @Test
    void cookbookMessagesCount129TokensOnGpt4() {
        // Cookbook output: "gpt-4 ... 129 prompt tokens counted by the OpenAI API." (also gpt-3.5-turbo, gpt-4-0613)
        assertThat(ChatTokenCounter.forModel("gpt-4").count(COOKBOOK_MESSAGES, List.of())).isEqualTo(129);
        assertThat(ChatTokenCounter.forModel("gpt-3.5-turbo").count(COOKBOOK_MESSAGES, List.of())).isEqualTo(129);
    }

    @Test
    void cookbookMessagesCount124TokensOnGpt4o() {
        // Cookbook output: "gpt-4o ... 124 prompt tokens counted by the OpenAI API." (also gpt-4o-mini)
        assertThat(ChatTokenCounter.forModel("gpt-4o").count(COOKBOOK_MESSAGES, List.of())).isEqualTo(124);
        assertThat(ChatTokenCounter.forModel("gpt-4o-mini-2024-07-18").count(COOKBOOK_MESSAGES, List.of()))
                .isEqualTo(124);
    }

    @Test
    void cookbookToolExampleCounts105TokensOnGpt4() {
        // Cookbook output: "gpt-4 ... 105 prompt tokens counted by the OpenAI API." (also gpt-3.5-turbo)
        assertThat(ChatTokenCounter.forModel("gpt-4").count(WEATHER_MESSAGES, WEATHER_TOOL)).isEqualTo(105);
    }

    @Test
    void cookbookToolExampleCounts101TokensOnGpt4o() {
        // Cookbook output: "gpt-4o ... 101 prompt tokens counted by the OpenAI API." (also gpt-4o-mini)
        assertThat(ChatTokenCounter.forModel("gpt-4o").count(WEATHER_MESSAGES, WEATHER_TOOL)).isEqualTo(101);
    }

    @Test
    void cookbookStringExampleIsSixTokens() {
        // Cookbook section 3: num_tokens_from_string("tiktoken is great!", "cl100k_base") -> 6
        assertThat(OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE).count("tiktoken is great!")).isEqualTo(6);
    }

    @Test
    void encodingFollowsTheModelFamily() {
        for (String m : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-nano", "gpt-5", "gpt-5.4-mini",
                "o1", "o3", "o4-mini", "openai/gpt-4o-2024-08-06"}) {
            assertThat(OpenAiEncoding.forModel(m)).as(m).contains(OpenAiEncoding.O200K_BASE);
        }
        for (String m : new String[] {"gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "text-embedding-3-small",
                "text-embedding-3-large"}) {
            assertThat(OpenAiEncoding.forModel(m)).as(m).contains(OpenAiEncoding.CL100K_BASE);
        }
        assertThat(OpenAiEncoding.forModel("claude-sonnet-4-6")).isEmpty();
        assertThat(Tokenizers.forModel("claude-sonnet-4-6")).isSameAs(AnthropicEstimator.INSTANCE);
        assertThat(Tokenizers.forModel("llama-3").isEstimate()).isTrue();
        assertThat(Tokenizers.forModel("gpt-4o").isEstimate()).isFalse();
    }

    @Test
    void specialTokenTextIsCountedAsOrdinaryText() {
        assertThat(OpenAiTokenizer.of(OpenAiEncoding.O200K_BASE).count("<|endoftext|>")).isGreaterThan(1);
    }

    @Test
    void toolCallsAndImagesAddTheirDocumentedEstimates() {
        ChatTokenCounter c = ChatTokenCounter.forModel("gpt-4o");
        ChatMessage plain = ChatMessage.of("assistant", "");
        ChatMessage withCall = new ChatMessage("assistant", null, List.of(""), 0,
                List.of(new ChatMessage.ToolCall("call_1", "get_current_weather", "{\"location\":\"Paris\"}")), null);
        long callTokens = ChatTokenCounter.TOOL_CALL_OVERHEAD + c.tokens().count("get_current_weather")
                + c.tokens().count("{\"location\":\"Paris\"}");
        assertThat(c.message(withCall) - c.message(plain)).isEqualTo(callTokens);
        ChatMessage image = new ChatMessage("user", null, List.of("what is this?"), ImageTokens.estimate("low"),
                List.of(), null);
        assertThat(c.message(image) - c.message(ChatMessage.of("user", "what is this?"))).isEqualTo(85);
    }

    @Test
    void imageTilesFollowThePublishedRule() {
        // OpenAI vision guide examples: 1024x1024 high -> 765; 2048x4096 high -> 1105; any low -> 85.
        assertThat(ImageTokens.forSize("high", 1024, 1024)).isEqualTo(765);
        assertThat(ImageTokens.forSize("high", 2048, 4096)).isEqualTo(1105);
        assertThat(ImageTokens.forSize("low", 4096, 8192)).isEqualTo(85);
        assertThat(ImageTokens.estimate("auto")).isEqualTo(765);
    }
}
