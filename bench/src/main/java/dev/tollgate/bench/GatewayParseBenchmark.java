package dev.tollgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.cost.Usage;
import dev.tollgate.providers.Endpoint;
import dev.tollgate.providers.RequestEstimate;
import dev.tollgate.providers.RequestEstimator;
import dev.tollgate.providers.UsageMeters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gateway's JSON work per call on the gateway benchmark's own request and the mock's answer to it: estimating
 * the request read with the streaming parser (what the gateway does for a plain chat request) against reading it as
 * a tree first (what it did before, and still does for requests with tools or images), and reading the answer's
 * usage with the streaming parser against building the whole answer as a tree. Results: docs/gateway-benchmarks.md.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar GatewayParseBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GatewayParseBenchmark {

    /** GatewayBench's request body. */
    static final byte[] REQUEST = ("{\"model\":\"gpt-4o-mini\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Hello, how are you today?\"}]}").getBytes(StandardCharsets.UTF_8);
    /** The mock upstream's answer to it (50 output tokens), as the gateway receives it. */
    static final byte[] ANSWER = "{\"id\":\"chatcmpl-mock1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello the budget is enforced by a token bucket and every call is settled at its real cost. the budget is enforced by a token bucket and every call is settled at its real cost. the budget is enforced by a token bucket and every call is settled\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":50,\"total_tokens\":64,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},\"system_fingerprint\":\"fp_mock\"}".getBytes(StandardCharsets.UTF_8);

    private final ObjectMapper json = new ObjectMapper();
    private final RequestEstimator estimator = RequestEstimator.create();

    @Benchmark
    public RequestEstimate estimateStreaming() {
        return estimator.estimate(Endpoint.OPENAI_CHAT, REQUEST);
    }

    @Benchmark
    public RequestEstimate estimateFromTree() throws IOException {
        return estimator.estimate(Endpoint.OPENAI_CHAT, json.readTree(REQUEST));
    }

    @Benchmark
    public Usage usageStreaming() {
        return UsageMeters.fromResponse(Endpoint.OPENAI_CHAT, ANSWER);
    }

    /** The tree the former usage reading built, and its usage object; the conversion to Usage is the same either way. */
    @Benchmark
    public JsonNode usageFromTree() throws IOException {
        return json.readTree(ANSWER).get("usage");
    }
}
