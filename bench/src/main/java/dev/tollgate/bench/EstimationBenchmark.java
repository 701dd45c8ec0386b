package dev.tollgate.bench;

import dev.tollgate.cost.HeuristicEstimator;
import dev.tollgate.cost.ModelCatalog;
import dev.tollgate.providers.Endpoint;
import dev.tollgate.providers.RequestEstimate;
import dev.tollgate.providers.RequestEstimator;
import dev.tollgate.tokenizer.OpenAiEncoding;
import dev.tollgate.tokenizer.OpenAiTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Estimation time for chat requests of about 1k, 8k and 100k o200k_base tokens: the whole estimate (JSON parse,
 * framing, count, price) with the exact tokenizer against the same with the chars/4 heuristic, and the bare counts.
 * The target is at most 50 us per 1,000 tokens with the tokenizer. Results and the command: docs/estimation.md.
 *
 * <p>The request is English-like text drawn from a fixed vocabulary with a fixed seed, split into 20 user and
 * assistant messages, so that every run measures the same bytes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EstimationBenchmark {

    private static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are or his "
            + "from at which but have an they you were her she there can all their has one been would will more if no "
            + "budget token request model stream usage cost estimate limit quota reserve settle refund debt gateway "
            + "provider function argument response message system assistant user content cache write read output input "
            + "latency throughput deploy cluster redis postgres ledger window bucket refill capacity policy plan rule "
            + "analysis summary document paragraph sentence question answer example because however therefore while")
            .split(" ");

    /** Approximate o200k_base tokens in the request. */
    @Param({"1000", "8000", "100000"})
    public int tokens;

    private byte[] body;
    private String text;
    private RequestEstimator exact;
    private RequestEstimator heuristic;
    private OpenAiTokenizer tokenizer;

    /** Builds the request, sized by counting it with the tokenizer. */
    @Setup(Level.Trial)
    public void setUp() {
        tokenizer = OpenAiTokenizer.of(OpenAiEncoding.O200K_BASE);
        SplittableRandom random = new SplittableRandom(20261122);
        StringBuilder all = new StringBuilder();
        StringBuilder json = new StringBuilder("{\"model\":\"gpt-4o\",\"max_tokens\":1024,\"messages\":[");
        int perMessage = Math.max(1, tokens / 20);
        for (int m = 0; m < 20; m++) {
            StringBuilder msg = new StringBuilder();
            while (tokenizer.count(msg) < perMessage) {
                for (int w = 0; w < 16; w++) {
                    msg.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? ". " : " ");
                }
            }
            all.append(msg);
            json.append(m == 0 ? "" : ",").append("{\"role\":\"").append(m % 2 == 0 ? "user" : "assistant")
                    .append("\",\"content\":\"").append(msg).append("\"}");
        }
        json.append("]}");
        body = json.toString().getBytes(StandardCharsets.UTF_8);
        text = all.toString();
        exact = RequestEstimator.builder(ModelCatalog.bundled()).maxExactChars(Long.MAX_VALUE).build();
        heuristic = RequestEstimator.builder(ModelCatalog.bundled()).maxExactChars(0).build();
    }

    /** The whole estimate with the exact o200k_base tokenizer. */
    @Benchmark
    public RequestEstimate estimateWithTokenizer() {
        return exact.estimate(Endpoint.OPENAI_CHAT, body);
    }

    /** The whole estimate with the heuristic for every text. */
    @Benchmark
    public RequestEstimate estimateWithHeuristic() {
        return heuristic.estimate(Endpoint.OPENAI_CHAT, body);
    }

    /** The bare tokenizer count of the request's text. */
    @Benchmark
    public long countWithTokenizer() {
        return tokenizer.count(text);
    }

    /** The bare heuristic count of the request's text. */
    @Benchmark
    public long countWithHeuristic() {
        return HeuristicEstimator.tokens(text);
    }
}
