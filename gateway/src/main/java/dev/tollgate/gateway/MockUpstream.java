package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.internal.Http;
import dev.tollgate.providers.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * A deterministic stand-in for the OpenAI and Anthropic APIs: chat completions, the Responses API, legacy
 * completions, embeddings and Anthropic messages, streaming and not. It answers every model with the same words and
 * reports realistic usage: input counted from the request's text (about four characters a token), a configurable
 * number of output tokens (capped by the request's max tokens), cached input and, for reasoning models, reasoning
 * tokens. The last {@value #KEPT_REPORTS} answers it gave are kept in {@link #reports()}, so tests can compare what
 * Tollgate settled with what the upstream reported; older ones are dropped, so that a mock serving a long-running
 * gateway (the built-in one of {@code tollgate serve} shares the gateway's heap) holds a bounded amount of memory.
 *
 * <p>Faults for tests are queued with {@link #nextFault}: the next request answers with it. Streams can be slowed
 * down to one token every {@code tokenDelay}, for the streaming benchmark.
 *
 * <p>OpenAI clients use {@code http://host:port/v1} as their base URL; Anthropic clients {@code http://host:port}.
 */
public final class MockUpstream implements AutoCloseable {

    /** A fault the next request gets instead of a normal answer. */
    public sealed interface Fault {
        /** Answer 500 in the provider's error format. */
        record Error500() implements Fault {}

        /** Never answer: hold the request until the caller gives up or the mock stops. */
        record Hang() implements Fault {}

        /** Answer 200 with a body that is not JSON (or a stream of garbage lines). */
        record Garbage() implements Fault {}

        /** Stream {@code tokens} tokens, then close the connection without the end of the stream or its usage. */
        record CutStream(int tokens) implements Fault {}

        /** Answer normally, but only once {@code release} is counted down (or the mock stops). */
        record Held(CountDownLatch release) implements Fault {}

        /**
         * Answer normally, with a {@code Set-Cookie} header, as providers behind a CDN do (OpenAI's answers carry
         * Cloudflare's {@code __cf_bm}).
         */
        record SetsCookie(String cookie) implements Fault {}
    }

    /**
     * What the mock reported for one call.
     *
     * @param path the request path
     * @param model the model asked for
     * @param inputTokens all input tokens (cached included, OpenAI style)
     * @param cachedTokens input tokens read from the cache
     * @param outputTokens output tokens, reasoning included
     * @param reasoningTokens reasoning tokens
     * @param streamedTokens output tokens that were actually sent (a cut or abandoned stream sends fewer)
     * @param usageSent true if the usage reached the wire (a complete answer)
     */
    public record Report(String path, String model, long inputTokens, long cachedTokens, long outputTokens,
                         long reasoningTokens, long streamedTokens, boolean usageSent) {}

    static final String[] WORDS = {" the", " budget", " is", " enforced", " by", " a", " token", " bucket", " and",
        " every", " call", " is", " settled", " at", " its", " real", " cost", "."};

    /** How many of the latest answers {@link #reports()} keeps. */
    static final int KEPT_REPORTS = 10_000;

    private static final ObjectMapper JSON = Json.newMapper();

    private final Server server;
    private final Config.MockConfig settings;
    private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Report> reports = new ArrayDeque<>(); // guarded by itself
    private volatile Map<String, String> lastHeaders = Map.of();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private final CountDownLatch stopping = new CountDownLatch(1);

    private MockUpstream(Server server, Config.MockConfig settings) {
        this.server = server;
        this.settings = settings;
    }

    /** Starts a mock on {@code host:port} (port 0 picks a free one). */
    public static MockUpstream start(String host, int port, Config.MockConfig settings) {
        Server server = Http.server(host, port, "mock-upstream");
        MockUpstream mock = new MockUpstream(server, settings);
        server.setHandler(mock.new Routes());
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the mock upstream on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return mock;
    }

    /** The port it listens on. */
    public int port() {
        return Http.port(server);
    }

    /** The base URL an OpenAI client uses. */
    public String openAiBaseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** The base URL an Anthropic client uses. */
    public String anthropicBaseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** Queues a fault: the next request that arrives gets it. */
    public void nextFault(Fault fault) {
        faults.add(fault);
    }

    /** The answers given so far, in order: all of them, or the last {@value #KEPT_REPORTS}. */
    public List<Report> reports() {
        synchronized (reports) {
            return new ArrayList<>(reports);
        }
    }

    /** Forgets the reports and queued faults. */
    public void reset() {
        synchronized (reports) {
            reports.clear();
        }
        faults.clear();
    }

    void report(Report report) {
        synchronized (reports) {
            if (reports.size() == KEPT_REPORTS) {
                reports.removeFirst();
            }
            reports.addLast(report);
        }
    }

    /** The number of requests received. */
    public long requests() {
        return requests.get();
    }

    /** Streams whose client went away before the end (the write failed). */
    public long abandonedStreams() {
        return abandoned.get();
    }

    /** The headers of the last request, by lower-case name. */
    public Map<String, String> lastHeaders() {
        return lastHeaders;
    }

    @Override
    public void close() {
        stopping.countDown();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the mock upstream", e);
        }
    }

    private final class Routes extends Handler.Abstract {
        Routes() {
            super(InvocationType.BLOCKING);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            try {
                serve(request, response);
                callback.succeeded();
            } catch (Throwable t) {
                callback.failed(t);
            }
            return true;
        }
    }

    private void serve(Request request, Response response) throws IOException, InterruptedException {
        requests.incrementAndGet();
        Map<String, String> headers = new HashMap<>();
        request.getHeaders().forEach(f -> headers.put(f.getLowerCaseName(), f.getValue()));
        lastHeaders = Collections.unmodifiableMap(headers);
        String path = request.getHttpURI().getPath();
        boolean anthropic = path.equals("/v1/messages");
        if (request.getMethod().equals("GET") && path.equals("/v1/models")) {
            Http.json(response, 200, "{\"object\":\"list\",\"data\":[]}");
            return;
        }
        if (!List.of("/v1/chat/completions", "/v1/responses", "/v1/completions", "/v1/embeddings", "/v1/messages")
                .contains(path)) {
            Http.json(response, 404, error(anthropic, "not_found_error", "mock upstream: no route " + path));
            return;
        }
        byte[] body = Http.readBody(request, 64L * 1024 * 1024);
        JsonNode req = JSON.readTree(body);
        Fault fault = faults.poll();
        if (fault instanceof Fault.Error500) {
            Http.json(response, 500, error(anthropic, "api_error", "mock upstream: injected internal error"));
            return;
        }
        if (fault instanceof Fault.Hang) {
            CountDownLatch gone = new CountDownLatch(1);
            request.addFailureListener(t -> gone.countDown());
            while (stopping.getCount() > 0 && gone.getCount() > 0) {
                gone.await(100, TimeUnit.MILLISECONDS);
            }
            return;
        }
        if (fault instanceof Fault.Garbage) {
            boolean stream = req.path("stream").asBoolean(false);
            Http.send(response, 200, stream ? "text/event-stream" : "application/json",
                    "<html>502 Bad Gateway from a confused proxy</html>\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (fault instanceof Fault.Held held) {
            while (stopping.getCount() > 0 && !held.release().await(100, TimeUnit.MILLISECONDS)) {
                // waiting for the test to release the answer
            }
        }
        if (fault instanceof Fault.SetsCookie sets) {
            response.getHeaders().add(HttpHeader.SET_COOKIE, sets.cookie());
        }
        String model = req.path("model").asText("mock-model");
        long input = inputTokens(req);
        long maxOut = maxTokens(req);
        long output = path.equals("/v1/embeddings") ? 0 : Math.min(settings.outputTokens(), maxOut);
        long cached = Math.min(settings.cachedTokens(), input);
        boolean reasons = model.startsWith("o1") || model.startsWith("o3") || model.startsWith("o4")
                || model.startsWith("gpt-5");
        long reasoning = reasons ? Math.min(settings.reasoningTokens(), output) : 0;
        Usage u = new Usage(model, input, cached, output, reasoning);
        boolean stream = req.path("stream").asBoolean(false);
        if (!stream) {
            String answer = switch (path) {
                case "/v1/chat/completions" -> chat(u);
                case "/v1/responses" -> responses(u);
                case "/v1/completions" -> completions(u);
                case "/v1/embeddings" -> embeddings(u);
                default -> messages(u);
            };
            Http.json(response, 200, answer);
            report(new Report(path, model, input, cached, output, reasoning, output, true));
            return;
        }
        int cutAfter = fault instanceof Fault.CutStream c ? c.tokens() : -1;
        boolean includeUsage = req.path("stream_options").path("include_usage").asBoolean(false);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        long sent = 0;
        boolean complete = false;
        try {
            Streamer s = new Streamer(response);
            switch (path) {
                case "/v1/messages" -> {
                    s.event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_mock" + id()
                            + "\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"" + model
                            + "\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":"
                            + (input - cached) + ",\"cache_read_input_tokens\":" + cached
                            + ",\"cache_creation_input_tokens\":0,\"output_tokens\":1}}}");
                    s.event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
                    for (long i = 0; i < output; i++) {
                        if (i == cutAfter) {
                            break;
                        }
                        s.pause();
                        s.event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
                                + JSON.writeValueAsString(word(i)) + "}}");
                        sent++;
                    }
                    if (cutAfter < 0) {
                        s.event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
                        s.event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":"
                                + output + "}}");
                        s.event("message_stop", "{\"type\":\"message_stop\"}");
                        complete = true;
                    }
                }
                case "/v1/responses" -> {
                    String rid = "resp_mock" + id();
                    s.event("response.created", "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":"
                            + responseObject(rid, u, "in_progress", false) + "}");
                    for (long i = 0; i < output; i++) {
                        if (i == cutAfter) {
                            break;
                        }
                        s.pause();
                        s.event("response.output_text.delta", "{\"type\":\"response.output_text.delta\",\"sequence_number\":"
                                + (i + 1) + ",\"item_id\":\"msg_" + rid + "\",\"output_index\":0,\"content_index\":0,\"delta\":"
                                + JSON.writeValueAsString(word(i)) + ",\"logprobs\":[]}");
                        sent++;
                    }
                    if (cutAfter < 0) {
                        s.event("response.completed", "{\"type\":\"response.completed\",\"sequence_number\":" + (output + 1)
                                + ",\"response\":" + responseObject(rid, u, "completed", true) + "}");
                        complete = true;
                    }
                }
                default -> {
                    boolean chat = path.equals("/v1/chat/completions");
                    String cid = (chat ? "chatcmpl-mock" : "cmpl-mock") + id();
                    String head = "{\"id\":\"" + cid + "\",\"object\":\"" + (chat ? "chat.completion.chunk" : "text_completion")
                            + "\",\"created\":1700000000,\"model\":\"" + model + "\",\"choices\":[";
                    if (chat) {
                        s.data(head + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
                    }
                    for (long i = 0; i < output; i++) {
                        if (i == cutAfter) {
                            break;
                        }
                        s.pause();
                        String text = JSON.writeValueAsString(word(i));
                        s.data(head + (chat ? "{\"index\":0,\"delta\":{\"content\":" + text + "},\"finish_reason\":null}]}"
                                : "{\"index\":0,\"text\":" + text + ",\"logprobs\":null,\"finish_reason\":null}]}"));
                        sent++;
                    }
                    if (cutAfter < 0) {
                        s.data(head + (chat ? "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"
                                : "{\"index\":0,\"text\":\"\",\"logprobs\":null,\"finish_reason\":\"stop\"}]}"));
                        if (includeUsage) {
                            s.data(head + "],\"usage\":" + openAiUsage(u) + "}");
                        }
                        s.data("[DONE]");
                        complete = true;
                    }
                }
            }
            if (cutAfter >= 0) {
                report(new Report(path, model, input, cached, output, reasoning, sent, false));
                throw new CutHere();
            }
            Http.end(response);
            boolean usageSent = complete && (!path.startsWith("/v1/chat") && !path.startsWith("/v1/completions") || includeUsage);
            report(new Report(path, model, input, cached, output, reasoning, sent, usageSent));
        } catch (IOException e) {
            abandoned.incrementAndGet();
            report(new Report(path, model, input, cached, output, reasoning, sent, false));
            throw e;
        }
    }

    /** Thrown to end a response abruptly: Jetty aborts the connection when a handler fails mid-stream. */
    private static final class CutHere extends IOException {
        CutHere() {
            super("mock upstream: stream cut on purpose");
        }
    }

    private static final long PAUSE_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final class Streamer {
        private final Response response;

        Streamer(Response response) {
            this.response = response;
        }

        /**
         * Waits one token's delay, in sleeps of at most {@link #PAUSE_SLICE_NANOS} so that a stopping mock ends its
         * streams promptly. Not a timed wait on the shared {@code stopping} latch: with thousands of streams waiting
         * on one latch, every timeout walked the latch's whole wait queue to unlink itself, work that grew with the
         * square of the streams and starved the mock's own threads (docs/gateway-benchmarks.md, the stream runs of
         * 2026-11-30).
         */
        void pause() throws IOException {
            long remaining = settings.tokenDelay().toNanos();
            try {
                while (remaining > 0) {
                    long slice = Math.min(remaining, PAUSE_SLICE_NANOS);
                    Thread.sleep(Duration.ofNanos(slice));
                    remaining -= slice;
                    if (stopping.getCount() == 0) {
                        throw new IOException("mock upstream stopping");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        void event(String name, String data) throws IOException {
            Http.chunk(response, ("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        }

        void data(String data) throws IOException {
            Http.chunk(response, ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    private record Usage(String model, long input, long cached, long output, long reasoning) {}

    private String id() {
        return Long.toString(ids.incrementAndGet());
    }

    static String word(long i) {
        return i == 0 ? "Hello" : WORDS[(int) ((i - 1) % WORDS.length)];
    }

    private static String text(long tokens) {
        StringBuilder b = new StringBuilder();
        for (long i = 0; i < tokens; i++) {
            b.append(word(i));
        }
        return b.toString();
    }

    /** About four characters a token, plus a few tokens of framing per message, as the providers count. */
    static long inputTokens(JsonNode req) {
        long chars = 0;
        long parts = 0;
        for (String field : List.of("messages", "input", "prompt", "system", "instructions", "tools")) {
            JsonNode n = req.get(field);
            if (n != null) {
                chars += textLength(n);
                parts += n.isArray() ? n.size() : 1;
            }
        }
        return Math.max(1, (chars + 3) / 4 + 3 * parts + 3);
    }

    private static long textLength(JsonNode n) {
        if (n.isTextual()) {
            return n.asText().length();
        }
        long sum = 0;
        if (n.isContainerNode()) {
            for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
                sum += textLength(it.next());
            }
        }
        return sum;
    }

    private static long maxTokens(JsonNode req) {
        for (String f : List.of("max_completion_tokens", "max_tokens", "max_output_tokens")) {
            if (req.path(f).canConvertToLong() && req.path(f).asLong() > 0) {
                return req.path(f).asLong();
            }
        }
        return Long.MAX_VALUE;
    }

    private static String openAiUsage(Usage u) {
        return "{\"prompt_tokens\":" + u.input + ",\"completion_tokens\":" + u.output + ",\"total_tokens\":"
                + (u.input + u.output) + ",\"prompt_tokens_details\":{\"cached_tokens\":" + u.cached
                + ",\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":" + u.reasoning
                + ",\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}";
    }

    private String chat(Usage u) throws IOException {
        return "{\"id\":\"chatcmpl-mock" + id() + "\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\""
                + u.model + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + JSON.writeValueAsString(text(u.output)) + ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":" + openAiUsage(u) + ",\"system_fingerprint\":\"fp_mock\"}";
    }

    private String completions(Usage u) throws IOException {
        return "{\"id\":\"cmpl-mock" + id() + "\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\""
                + u.model + "\",\"choices\":[{\"index\":0,\"text\":" + JSON.writeValueAsString(text(u.output))
                + ",\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":" + openAiUsage(u) + "}";
    }

    private String embeddings(Usage u) {
        return "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.0125,-0.0311,0.0702,0.0044]}],"
                + "\"model\":\"" + u.model + "\",\"usage\":{\"prompt_tokens\":" + u.input + ",\"total_tokens\":" + u.input + "}}";
    }

    private String messages(Usage u) throws IOException {
        return "{\"id\":\"msg_mock" + id() + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + u.model
                + "\",\"content\":[{\"type\":\"text\",\"text\":" + JSON.writeValueAsString(text(u.output))
                + "}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + (u.input - u.cached)
                + ",\"cache_read_input_tokens\":" + u.cached + ",\"cache_creation_input_tokens\":0,\"output_tokens\":"
                + u.output + "}}";
    }

    private String responses(Usage u) throws IOException {
        return responseObject("resp_mock" + id(), u, "completed", true);
    }

    private static String responseObject(String id, Usage u, String status, boolean done) throws IOException {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", id);
        r.put("object", "response");
        r.put("created_at", 1700000000);
        r.put("status", status);
        r.putNull("error");
        r.putNull("incomplete_details");
        r.putNull("instructions");
        r.put("model", u.model);
        ArrayNode output = r.putArray("output");
        if (done) {
            ObjectNode msg = output.addObject();
            msg.put("type", "message");
            msg.put("id", "msg_" + id);
            msg.put("status", "completed");
            msg.put("role", "assistant");
            ObjectNode part = msg.putArray("content").addObject();
            part.put("type", "output_text");
            part.put("text", text(u.output));
            part.putArray("annotations");
        }
        r.put("parallel_tool_calls", true);
        r.putNull("temperature");
        r.put("tool_choice", "auto");
        r.putArray("tools");
        r.putNull("top_p");
        if (done) {
            ObjectNode usage = r.putObject("usage");
            usage.put("input_tokens", u.input);
            usage.putObject("input_tokens_details").put("cached_tokens", u.cached);
            usage.put("output_tokens", u.output);
            usage.putObject("output_tokens_details").put("reasoning_tokens", u.reasoning);
            usage.put("total_tokens", u.input + u.output);
        } else {
            r.putNull("usage");
        }
        return JSON.writeValueAsString(r);
    }

    private static String error(boolean anthropic, String type, String message) throws IOException {
        if (anthropic) {
            return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":" + JSON.writeValueAsString(message) + "}}";
        }
        return "{\"error\":{\"message\":" + JSON.writeValueAsString(message) + ",\"type\":\"" + type
                + "\",\"param\":null,\"code\":null}}";
    }
}
