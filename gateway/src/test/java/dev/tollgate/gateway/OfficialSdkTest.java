package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** End to end through real sockets, with the official OpenAI and Anthropic Java SDKs as the clients. */
class OfficialSdkTest {

    GatewayFixture f;

    @BeforeEach
    void start() {
        f = GatewayFixture.start();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    OpenAIClient openai(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(f.base() + "/v1").apiKey(key).build();
    }

    AnthropicClient anthropic(String key) {
        return AnthropicOkHttpClient.builder().baseUrl(f.base()).apiKey(key).build();
    }

    static ChatCompletionCreateParams chat(String text) {
        return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage(text).build();
    }

    @Test
    void chatCompletionGoesThroughWithTheGatewaysProviderKey() {
        ChatCompletion c = openai("tg-test-metered-1").chat().completions().create(chat("Say hello"));

        assertThat(c.choices().get(0).message().content()).hasValueSatisfying(t -> assertThat(t).startsWith("Hello the budget"));
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(300);
        assertThat(f.mock.lastHeaders().get("authorization")).isEqualTo("Bearer sk-upstream-openai-test");
        assertThat(f.mock.lastHeaders().values()).noneMatch(v -> v.contains("tg-test"));
        assertThat(f.mock.lastHeaders().get("host")).isEqualTo("127.0.0.1:" + f.mock.port()); // the provider's, not ours
        MockUpstream.Report r = f.mock.reports().get(0);
        assertThat(f.used("metered-1", "metered", "daily-tokens")).isEqualTo(r.inputTokens() + r.outputTokens());
    }

    @Test
    void streamingChatPassesEveryChunkAndHidesTheUsageChunkTollgateAskedFor() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var stream = openai("tg-test-metered-1").chat().completions().createStreaming(chat("Stream please"))) {
            stream.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));

        assertThat(text.toString()).startsWith("Hello the budget is enforced");
        assertThat(chunks).allSatisfy(c -> assertThat(c.choices()).isNotEmpty()); // no usage-only chunk leaked
        assertThat(f.mock.lastHeaders().get("authorization")).isEqualTo("Bearer sk-upstream-openai-test");
        MockUpstream.Report r = f.mock.reports().get(0);
        assertThat(r.usageSent()).isTrue(); // Tollgate asked for include_usage upstream
        assertThat(f.mock.lastHeaders().get("host")).isEqualTo("127.0.0.1:" + f.mock.port());
        assertThat(f.used("metered-1", "metered", "daily-tokens")).isEqualTo(r.inputTokens() + r.outputTokens());
    }

    @Test
    void responsesApiWorksPlainAndStreaming() {
        OpenAIClient client = openai("tg-test-metered-1");
        ResponseCreateParams params = ResponseCreateParams.builder().model("gpt-4o-mini").input("Hi there").build();

        Response plain = client.responses().create(params);
        assertThat(plain.usage().orElseThrow().outputTokens()).isEqualTo(300);

        List<ResponseStreamEvent> events = new ArrayList<>();
        try (var stream = client.responses().createStreaming(params)) {
            stream.stream().forEach(events::add);
        }
        assertThat(events).anySatisfy(e -> assertThat(e.isCompleted()).isTrue());
        long expected = f.mock.reports().stream().mapToLong(r -> r.inputTokens() + r.outputTokens()).sum();
        assertThat(f.used("metered-1", "metered", "daily-tokens")).isEqualTo(expected);
    }

    @Test
    void anthropicMessagesWorkPlainAndStreaming() {
        AnthropicClient client = anthropic("tg-test-metered-2");
        MessageCreateParams params = MessageCreateParams.builder().model("claude-haiku-4-5").maxTokens(200)
                .addUserMessage("Hello, Claude").build();

        Message m = client.messages().create(params);
        assertThat(m.usage().outputTokens()).isEqualTo(200); // the mock honours max_tokens
        assertThat(f.mock.lastHeaders().get("x-api-key")).isEqualTo("sk-upstream-anthropic-test");

        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            stream.stream().forEach(events::add);
        }
        assertThat(events).anySatisfy(e -> assertThat(e.isMessageStop()).isTrue());
        long expected = f.mock.reports().stream().mapToLong(r -> r.inputTokens() + r.outputTokens()).sum();
        assertThat(f.used("metered-2", "metered", "daily-tokens")).isEqualTo(expected);
    }

    @Test
    void theModelListIsWhatTheConfigurationAllows() {
        var models = openai("tg-test-metered-1").models().list();
        assertThat(models.data()).extracting(com.openai.models.models.Model::id)
                .contains("gpt-4o-mini", "claude-haiku-4-5", "text-embedding-3-small");
    }

    @Test
    void successfulResponsesCarryTheRateLimitHeaders() {
        HttpResponseFor<ChatCompletion> raw = openai("tg-test-free-1").chat().completions().withRawResponse()
                .create(chat("Hi"));

        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.headers().values("x-ratelimit-limit-requests")).containsExactly("20");
        assertThat(raw.headers().values("x-ratelimit-remaining-requests")).containsExactly("19");
        assertThat(raw.headers().values("x-ratelimit-reset-requests")).containsExactly("3s");
        assertThat(raw.headers().values("x-ratelimit-limit-tokens")).containsExactly("2500");
        assertThat(raw.headers().values("x-ratelimit-remaining-tokens")).hasSize(1);
        assertThat(raw.headers().values("x-ratelimit-reset-tokens")).hasSize(1);
        assertThat(raw.headers().values("RateLimit-Policy")).singleElement().asString()
                .contains("\"burst\";q=20;w=60;qu=\"requests\"")
                .contains("\"daily-tokens\";q=2500;w=86400;qu=\"tokens\"")
                .contains("\"monthly-spend\";q=5000000;qu=\"usd-micros\"");
        assertThat(raw.headers().values("RateLimit")).singleElement().asString()
                .contains("\"burst\";r=19;t=3");
        raw.parse();
    }

    @Test
    void spendingTheFreeBudgetEndsInTheSdksRateLimitExceptionWithTollgatesMessage() {
        OpenAIClient client = openai("tg-test-free-2"); // default retries: x-should-retry:false must stop them
        int allowed = 0;
        RateLimitException denied = null;
        while (denied == null && allowed < 50) {
            try {
                client.chat().completions().create(chat("Spend my budget"));
                allowed++;
            } catch (RateLimitException e) {
                denied = e;
            }
        }
        assertThat(denied).isNotNull();
        // each call reserves its input plus 1,024 output tokens and settles at input plus 300
        assertThat(allowed).isBetween(3, 6);
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.getMessage()).contains("Tollgate: daily-tokens").contains("resets at");
        assertThat(denied.code()).hasValue("insufficient_quota");
        assertThat(denied.headers().values("x-should-retry")).containsExactly("false");
        assertThat(denied.headers().values("Retry-After")).hasSize(1);
        assertThat(denied.headers().values("RateLimit-Policy")).hasSize(1);
        assertThat(f.gateway.denials()).isEqualTo(1); // the SDK did not retry
        assertThat(f.mock.requests()).isEqualTo(allowed); // denied calls never reach the provider
    }

    @Test
    void aBurstLimitIsARateLimitTheSdkMayRetryLater() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(f.base() + "/v1").apiKey("tg-test-burst-1")
                .maxRetries(0).build();
        client.chat().completions().create(chat("one"));
        client.chat().completions().create(chat("two"));
        RateLimitException e = catchThrowableOfType(RateLimitException.class,
                () -> client.chat().completions().create(chat("three")));

        assertThat(e.code()).hasValue("rate_limit_exceeded");
        assertThat(e.getMessage()).contains("Tollgate: burst");
        assertThat(e.headers().values("x-should-retry")).isEmpty();
        assertThat(Long.parseLong(e.headers().values("Retry-After").get(0))).isBetween(1L, 30L);
    }

    @Test
    void anthropicDenialsAreAnthropicRateLimitErrors() {
        AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(f.base()).apiKey("tg-test-burst-1")
                .maxRetries(0).build();
        MessageCreateParams params = MessageCreateParams.builder().model("claude-haiku-4-5").maxTokens(50)
                .addUserMessage("hi").build();
        client.messages().create(params);
        client.messages().create(params);
        com.anthropic.errors.RateLimitException e = catchThrowableOfType(com.anthropic.errors.RateLimitException.class,
                () -> client.messages().create(params));
        assertThat(e.getMessage()).contains("Tollgate: burst");
        assertThat(e.statusCode()).isEqualTo(429);
    }
}
