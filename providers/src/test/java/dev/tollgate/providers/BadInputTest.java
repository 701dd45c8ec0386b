package dev.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Bad bodies get an InvalidRequestException naming the field, never another exception. */
class BadInputTest {

    private final RequestEstimator estimator = RequestEstimator.create();

    private InvalidRequestException error(Endpoint endpoint, String body) {
        Throwable t = catchThrowable(() -> estimator.estimate(endpoint, body.getBytes(StandardCharsets.UTF_8)));
        assertThat(t).as(body).isInstanceOf(InvalidRequestException.class);
        return (InvalidRequestException) t;
    }

    @ParameterizedTest
    @EnumSource(Endpoint.class)
    void malformedJsonNamesTheBody(Endpoint endpoint) {
        assertThat(error(endpoint, "{\"model\": \"gpt-4o\", ").field()).isEqualTo("body");
        assertThat(error(endpoint, "not json").field()).isEqualTo("body");
        assertThat(error(endpoint, "[1,2]").getMessage()).contains("must be a JSON object");
        assertThat(error(endpoint, "").field()).isEqualTo("body");
    }

    @ParameterizedTest
    @EnumSource(Endpoint.class)
    void missingModelNamesTheModelField(Endpoint endpoint) {
        InvalidRequestException e = error(endpoint, "{\"messages\":[],\"input\":\"x\",\"prompt\":\"x\"}");
        assertThat(e.field()).isEqualTo("model");
        assertThat(e.getMessage()).isEqualTo("model is required (model)");
        assertThat(error(endpoint, "{\"model\":42}").getMessage()).contains("model must be a non-empty string, got 42");
    }

    @Test
    void unknownModelNamesTheModelAndSuggestsCloseOnes() {
        InvalidRequestException e = error(Endpoint.OPENAI_CHAT, "{\"model\":\"gpt-4o-mimi\",\"messages\":[]}");
        assertThat(e.field()).isEqualTo("model");
        assertThat(e.getMessage()).contains("unknown model 'gpt-4o-mimi'").contains("gpt-4o-mini");
    }

    @Test
    void negativeMaxTokensNamesTheField() {
        InvalidRequestException e = error(Endpoint.OPENAI_CHAT,
                "{\"model\":\"gpt-4o\",\"max_tokens\":-5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(e.field()).isEqualTo("max_tokens");
        assertThat(e.getMessage()).isEqualTo("max_tokens must be >= 0, got -5 (max_tokens)");
        assertThat(error(Endpoint.ANTHROPIC_MESSAGES,
                "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":-1,\"messages\":[]}").field()).isEqualTo("max_tokens");
        assertThat(error(Endpoint.OPENAI_RESPONSES,
                "{\"model\":\"gpt-5.4\",\"max_output_tokens\":\"lots\",\"input\":\"x\"}").field())
                .isEqualTo("max_output_tokens");
        assertThat(error(Endpoint.OPENAI_CHAT,
                "{\"model\":\"gpt-4o\",\"max_tokens\":1.5,\"messages\":[]}").field()).isEqualTo("max_tokens");
    }

    @Test
    void wrongShapesNameTheirPath() {
        assertThat(error(Endpoint.OPENAI_CHAT, "{\"model\":\"gpt-4o\"}").field()).isEqualTo("messages");
        assertThat(error(Endpoint.OPENAI_CHAT, "{\"model\":\"gpt-4o\",\"messages\":[{\"content\":\"x\"}]}").field())
                .isEqualTo("messages[0].role");
        assertThat(error(Endpoint.OPENAI_CHAT,
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":5}]}").field())
                .isEqualTo("messages[0].content");
        assertThat(error(Endpoint.OPENAI_EMBEDDINGS, "{\"model\":\"text-embedding-3-small\",\"input\":[{}]}").field())
                .isEqualTo("input[0]");
        assertThat(error(Endpoint.OPENAI_RESPONSES, "{\"model\":\"gpt-5.4\"}").field()).isEqualTo("input");
        assertThat(error(Endpoint.ANTHROPIC_MESSAGES,
                "{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\"}]}").field())
                .isEqualTo("messages[0].content");
    }

    @Test
    void absurdChoiceCountsAreRejectedRatherThanOverflowing() {
        InvalidRequestException e = error(Endpoint.OPENAI_CHAT,
                "{\"model\":\"gpt-4o\",\"n\":9223372036854775807,\"messages\":[]}");
        assertThat(e.field()).isEqualTo("n");
        assertThat(e.getMessage()).contains("n must be <= 128");
    }

    @Test
    void malformedUpstreamUsageNeverThrows() {
        byte[] body = ("{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":-4,\"prompt_tokens_details\":"
                + "{\"cached_tokens\":99},\"completion_tokens_details\":{\"reasoning_tokens\":\"x\"}}}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(UsageMeters.fromResponse(Endpoint.OPENAI_CHAT, body))
                .isEqualTo(new dev.tollgate.cost.Usage(0, 10, 0, 0, 0, 0, false));
        StreamMeter meter = UsageMeters.stream(estimator.estimate(Endpoint.ANTHROPIC_MESSAGES,
                "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":5,\"messages\":[]}".getBytes(StandardCharsets.UTF_8)));
        meter.onEvent(new SseEvent("message_start",
                "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":-1,\"output_tokens\":\"?\"}}}"));
        meter.onEvent(new SseEvent("message_stop", "{\"type\":\"message_stop\"}"));
        assertThat(meter.usage()).isEqualTo(dev.tollgate.cost.Usage.ZERO);
    }

    @Test
    void badResponseBodiesAreClearErrorsToo() {
        Throwable t = catchThrowable(() -> UsageMeters.fromResponse(Endpoint.OPENAI_CHAT, "{}".getBytes()));
        assertThat(t).isInstanceOf(InvalidRequestException.class).hasMessageContaining("no usage object");
        StreamMeter meter = UsageMeters.stream(estimator.estimate(Endpoint.OPENAI_CHAT,
                "{\"model\":\"gpt-4o\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8)));
        meter.onEvent(new SseEvent(null, "{not json"));
        meter.onEvent(new SseEvent(null, "null"));
        assertThat(meter.usage().estimated()).isTrue();
    }
}
