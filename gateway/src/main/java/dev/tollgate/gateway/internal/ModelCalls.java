package dev.tollgate.gateway.internal;

import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.cost.UnknownModelException;
import dev.tollgate.cost.Usage;
import dev.tollgate.gateway.Config;
import dev.tollgate.gateway.internal.Answers.Format;
import dev.tollgate.providers.Endpoint;
import dev.tollgate.providers.InvalidRequestException;
import dev.tollgate.providers.RequestEstimate;
import dev.tollgate.providers.RequestEstimator;
import dev.tollgate.providers.SseEvent;
import dev.tollgate.providers.SseParser;
import dev.tollgate.providers.StreamMeter;
import dev.tollgate.providers.UsageMeters;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model call through the gateway, as DESIGN.md's data flow describes it: estimate, reserve, forward, meter,
 * settle. The reservation is settled in a {@code finally} on every path:
 * <ul>
 *   <li>a complete answer settles at the usage the provider reported;</li>
 *   <li>a stream that was cut, or whose client went away, settles at what was streamed (counted by the tokenizer)
 *       plus the input estimate;</li>
 *   <li>a provider error (4xx/5xx with its error body) settles at one request and no tokens: providers do not bill
 *       errors;</li>
 *   <li>a provider that could not be reached settles at one request;</li>
 *   <li>a provider that timed out or answered garbage settles at the estimate: it may have billed, and we cannot
 *       know how much, so the user's budget is charged what was reserved, never zero.</li>
 * </ul>
 *
 * <p>Two ways through, with the same steps and the same settlement:
 * <ul>
 *   <li><b>inline</b> ({@link #serveInline}): a non-streaming call with a small body, on a store that never blocks
 *       (memory), is served on the server's I/O thread without a hop to another thread. The body is read as it
 *       arrives, estimated and reserved there; the upstream call is sent without blocking; and the answer is metered,
 *       settled and written from the HTTP client's completion callback ({@link InlineCall}). Nothing on this path
 *       blocks: a write completes the request's callback instead of waiting.</li>
 *   <li><b>blocking</b> ({@link #serve}): everything else (streams, large bodies, the Redis store, whose calls may
 *       block) runs on a virtual thread per call, in plain blocking code.</li>
 * </ul>
 */
public final class ModelCalls {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCalls.class);
    private static final long MAX_RESPONSE_BYTES = Upstream.MAX_ANSWER_BYTES;
    /**
     * The largest request body served inline: estimating it (tokenizing the prompt) runs on the I/O thread, so it
     * must stay short. Chat requests are mostly far below this.
     */
    static final int INLINE_BODY_BYTES = 16 * 1024;
    private static final Map<String, Endpoint> ROUTES = Map.of(
            "/v1/chat/completions", Endpoint.OPENAI_CHAT,
            "/v1/responses", Endpoint.OPENAI_RESPONSES,
            "/v1/completions", Endpoint.OPENAI_COMPLETIONS,
            "/v1/embeddings", Endpoint.OPENAI_EMBEDDINGS,
            "/v1/messages", Endpoint.ANTHROPIC_MESSAGES);
    private static final List<String> FORWARDED = List.of("anthropic-version", "anthropic-beta", "openai-beta", "accept");
    private static final List<String> RETURNED = List.of("x-request-id", "request-id", "openai-processing-ms",
            "anthropic-organization-id", "openai-version");

    private final Guard guard;
    private final RequestEstimator estimator;
    private final Upstream upstream;
    private final Config config;
    private final boolean inline;
    private final Executor blocking;
    private final Map<Endpoint, Upstream.Destination> destinations = new EnumMap<>(Endpoint.class);
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong denials = new AtomicLong();

    /**
     * The model-call route over these parts.
     *
     * @param inline true if the guard's store never blocks, so that calls may be reserved on an I/O thread
     * @param blocking where calls that may block go from an I/O thread: a virtual thread per task
     */
    public ModelCalls(Guard guard, RequestEstimator estimator, Upstream upstream, Config config, boolean inline,
                      Executor blocking) {
        this.guard = guard;
        this.estimator = estimator;
        this.upstream = upstream;
        this.config = config;
        this.inline = inline;
        this.blocking = blocking;
        ROUTES.forEach((path, endpoint) -> destinations.put(endpoint, destination(endpoint, path, config, upstream)));
    }

    /** Reservations open right now (reserved, not yet settled). */
    public long inFlight() {
        return inFlight.get();
    }

    /** Calls denied with a 429 since start. */
    public long denials() {
        return denials.get();
    }

    /** The endpoint a path names, or null. */
    public static Endpoint endpoint(String path) {
        return ROUTES.get(path);
    }

    /**
     * True if a call may be served {@linkplain #serveInline inline}: the store never blocks and the body is JSON of
     * a declared length of at most {@link #INLINE_BODY_BYTES} (and within the body limit, so that a 413 is always
     * the blocking path's). Whether the call streams is known only from its body.
     */
    public boolean servesInline(Request request) {
        long length = request.getLength();
        return inline && length > 0 && length <= Math.min(INLINE_BODY_BYTES, config.maxBodyBytes())
                && isJson(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
    }

    /**
     * Serves an authenticated call that {@link #servesInline} accepted, from the server's I/O thread, and completes
     * {@code callback} when the answer is written. Never blocks: a stream, or a body the estimator refuses, is handed
     * to a virtual thread and served there as {@link #serve} would.
     */
    public void serveInline(Endpoint endpoint, Subject subject, Request request, Response response, Callback callback) {
        new InlineCall(endpoint, subject, request, response, callback).read();
    }

    /**
     * A call served inline, driven by callbacks: the request's content demand while its body arrives, then the
     * upstream client's completion ({@link #answered}), which meters, settles and writes. The settlement is finished
     * in that completion on every path (answer, provider error, timeout, unreachable, broken off, the client gone,
     * which aborts the upstream call), before the answer is written.
     */
    private final class InlineCall implements Upstream.Answered {
        private final Endpoint endpoint;
        private final Subject subject;
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final Format format;
        private final byte[] body;
        private final Overhead overhead;
        private final Runnable readMore = Invocable.from(Invocable.InvocationType.NON_BLOCKING, this::read);
        private int filled;
        private Settlement settlement;

        InlineCall(Endpoint endpoint, Subject subject, Request request, Response response, Callback callback) {
            this.endpoint = endpoint;
            this.subject = subject;
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.format = Format.of(endpoint);
            this.body = new byte[(int) request.getLength()];
            this.overhead = new Overhead(request.getBeginNanoTime());
        }

        /** Reads what has arrived of the body; asks to be called again (on an I/O thread) when more arrives. */
        void read() {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(readMore);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    callback.failed(chunk.getFailure());
                    return;
                }
                int n = chunk.remaining();
                if (n > body.length - filled) {
                    chunk.release();
                    callback.failed(new IOException("request body longer than its Content-Length"));
                    return;
                }
                chunk.getByteBuffer().get(body, filled, n);
                filled += n;
                boolean last = chunk.isLast();
                chunk.release();
                if (last || filled == body.length) {
                    try {
                        start();
                    } catch (RuntimeException | Error e) {
                        fail(e);
                    }
                    return;
                }
            }
        }

        /** Estimates, reserves and sends, or hands the call to a virtual thread. */
        private void start() {
            if (filled < body.length) {
                callback.failed(new IOException("request body shorter than its Content-Length"));
                return;
            }
            RequestEstimate estimate;
            try {
                estimate = estimator.estimate(endpoint, body);
            } catch (InvalidRequestException e) {
                handOver(() -> serve(endpoint, subject, body, request, response)); // answers it as the blocking path does
                return;
            }
            if (!config.models().isEmpty() && !config.models().contains(estimate.model())) {
                handOver(() -> serve(endpoint, subject, body, request, response));
                return;
            }
            if (estimate.streaming()) {
                handOver(() -> serveEstimated(endpoint, subject, body, estimate, request, response));
                return;
            }
            Admission admission = admit(subject, estimate, response, format);
            if (admission.refusal() != null) {
                reply(admission.refusal());
                return;
            }
            settlement = admission.settlement();
            Upstream.Destination destination = destinations.get(endpoint);
            org.eclipse.jetty.client.Request call = upstream.send(destination, body,
                    providerHeaders(endpoint, destination.upstream(), request), overhead, this);
            // A client that goes away aborts the provider's call, which then completes here as failed. The upstream
            // client shares the server's selectors, so the answer may already have completed this exchange, and a
            // completed exchange takes no more listeners: then there is nothing left to abort.
            try {
                request.addFailureListener(call::abort);
            } catch (IllegalStateException alreadyCompleted) {
                // answered before send() returned
            }
        }

        @Override
        public void answered(org.eclipse.jetty.client.Response upstreamResponse, byte[] answer,
                             Upstream.Failure failure) {
            Reply reply;
            try {
                if (failure == null) {
                    reply = ModelCalls.answered(endpoint, upstreamResponse.getStatus(), upstreamResponse.getHeaders(),
                            answer, settlement, format, response);
                } else {
                    if (upstreamResponse != null) {
                        returnHeaders(upstreamResponse.getHeaders(), response, false);
                    }
                    reply = failed(endpoint, failure, settlement, format);
                }
            } catch (RuntimeException | Error e) {
                fail(e);
                return;
            }
            reply(reply);
        }

        private void reply(Reply reply) {
            overhead.header(response);
            Http.send(response, reply.status(), reply.type(), reply.body(), callback);
        }

        private void handOver(Http.Work work) {
            blocking.execute(() -> Http.run(request, response, callback, work));
        }

        /** An unexpected failure: settle at the estimate if reserved, and answer 500 if nothing was written. */
        private void fail(Throwable t) {
            if (settlement != null) {
                settlement.finish();
            }
            Http.fail(request, response, callback, t);
        }
    }

    /**
     * Serves an authenticated model call. Writes the whole answer; returns normally when the client has been
     * answered (or has gone), throws only when the response must be aborted (a stream cut mid-way).
     */
    public void serve(Endpoint endpoint, Subject subject, Request request, Response response) throws IOException {
        Format format = Format.of(endpoint);
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (!isJson(contentType)) {
            Http.discardBody(request, response);
            Http.json(response, 415, Answers.error(format, 415, "invalid_request_error", "unsupported_media_type",
                    "Content-Type must be application/json, got " + (contentType == null ? "none" : "'" + contentType + "'")));
            return;
        }
        byte[] body;
        try {
            body = Http.readBody(request, config.maxBodyBytes());
        } catch (Http.TooLarge e) {
            Http.discardBody(request, response);
            Http.json(response, 413, Answers.error(format, 413, "invalid_request_error", "request_too_large",
                    "request body is larger than the gateway's limit of " + config.maxBodyBytes() + " bytes"));
            return;
        }
        serve(endpoint, subject, body, request, response);
    }

    /** The blocking path from a body that has been read: estimate, check, then {@link #serveEstimated}. */
    private void serve(Endpoint endpoint, Subject subject, byte[] body, Request request, Response response)
            throws IOException {
        Format format = Format.of(endpoint);
        RequestEstimate estimate;
        try {
            estimate = estimator.estimate(endpoint, body);
        } catch (InvalidRequestException e) {
            if (e.getCause() instanceof UnknownModelException) {
                Http.json(response, 404, Answers.error(format, 404, "invalid_request_error", "model_not_found", e.getMessage()));
            } else {
                Http.json(response, 400, Answers.error(format, 400, "invalid_request_error",
                        e.field().equals("body") ? "invalid_json" : "invalid_value", e.getMessage()));
            }
            return;
        }
        if (!config.models().isEmpty() && !config.models().contains(estimate.model())) {
            Http.json(response, 404, Answers.error(format, 404, "invalid_request_error", "model_not_found",
                    "model '" + estimate.model() + "' is not allowed by this gateway; allowed: "
                            + String.join(", ", config.models())));
            return;
        }
        serveEstimated(endpoint, subject, body, estimate, request, response);
    }

    /** The blocking path from a valid estimate: reserve, forward, meter, settle. */
    private void serveEstimated(Endpoint endpoint, Subject subject, byte[] body, RequestEstimate estimate,
                                Request request, Response response) throws IOException {
        Format format = Format.of(endpoint);
        Overhead overhead = new Overhead(request.getBeginNanoTime());
        Admission admission = admit(subject, estimate, response, format);
        if (admission.refusal() != null) {
            send(response, admission.refusal(), overhead);
            return;
        }
        Settlement settlement = admission.settlement();
        try {
            forward(endpoint, estimate, body, request, response, settlement, format, overhead);
        } finally {
            settlement.finish();
        }
    }

    /** True if the content type is JSON, which every model endpoint takes. */
    private static boolean isJson(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
    }

    /** A complete answer to write: status, content type and body. */
    private record Reply(int status, String type, byte[] body) {
        static Reply json(int status, String json) {
            return new Reply(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A reservation's outcome: a call to forward (its settlement), or the answer that refuses it. */
    private record Admission(Settlement settlement, Reply refusal) {}

    /**
     * Reserves the estimate and sets the rate-limit headers. A denial (429) or a store failure (503) is the
     * refusal to write; an allowed call is counted in flight until its settlement finishes.
     */
    private Admission admit(Subject subject, RequestEstimate estimate, Response response, Format format) {
        Reservation reservation;
        try {
            reservation = guard.reserve(subject, estimate.charge());
        } catch (RuntimeException e) {
            LOG.warn("limit store failed for user {}: {}", subject.userId(), e.toString());
            return new Admission(null, Reply.json(503, Answers.error(format, 503, "server_error",
                    "limit_store_unavailable", "Tollgate cannot reach its limit store; the call was not sent")));
        }
        Decision decision = reservation.decision();
        HttpFields.Mutable headers = response.getHeaders();
        Answers.rateLimitHeaders(headers, decision);
        if (decision.denied()) {
            denials.incrementAndGet();
            Answers.denialHeaders(headers, decision);
            return new Admission(null, Reply.json(429, Answers.denial(format, decision)));
        }
        inFlight.incrementAndGet();
        return new Admission(new Settlement(estimate, reservation), null);
    }

    /**
     * What a call is settled at, and the settling itself, done once: before the last bytes of the answer are
     * written (so that a client's next call sees it), or in the {@code finally} when the answer broke off. It
     * starts at the estimate, the safe answer when nothing better is known.
     */
    private final class Settlement {
        final RequestEstimate estimate;
        final Reservation reservation;
        Charge actual;
        boolean done;

        Settlement(RequestEstimate estimate, Reservation reservation) {
            this.estimate = estimate;
            this.reservation = reservation;
        }

        void usage(Usage usage) {
            actual = estimate.price().charge(usage);
        }

        void requestOnly() {
            actual = Charge.request();
        }

        void finish() {
            if (done) {
                return;
            }
            done = true;
            try {
                reservation.settle(actual != null ? actual : estimate.charge());
            } catch (RuntimeException e) {
                LOG.warn("settling reservation {} failed: {}", reservation.id(), e.toString());
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    /** Where calls to an endpoint go: its provider and URL, worked out once, not per call. */
    private static Upstream.Destination destination(Endpoint endpoint, String path, Config config, Upstream upstream) {
        Config.UpstreamConfig target = endpoint.isAnthropic() ? config.anthropic() : config.openai();
        return upstream.destination(target, URI.create(endpoint.isAnthropic() ? target.baseUrl() + path
                : target.baseUrl() + path.substring("/v1".length())));
    }

    /**
     * Sends the call upstream and answers the client: the stream as it comes, or the whole answer with the call's
     * {@link Overhead} (a stream's answer begins before its overhead is known, so it carries none).
     */
    private void forward(Endpoint endpoint, RequestEstimate estimate, byte[] body, Request request, Response response,
                         Settlement settlement, Format format, Overhead overhead) throws IOException {
        Upstream.Destination destination = destinations.get(endpoint);
        boolean usageAdded = false;
        byte[] sent = body;
        if (estimate.streaming() && !endpoint.isAnthropic() && endpoint != Endpoint.OPENAI_RESPONSES) {
            UsageMeters.StreamRewrite rewrite = UsageMeters.requestUsageChunk(body);
            sent = rewrite.body();
            usageAdded = rewrite.usageAdded();
        }
        String[] headers = providerHeaders(endpoint, destination.upstream(), request);
        Upstream.Call call;
        try {
            call = upstream.send(destination, sent, overhead, headers);
        } catch (Upstream.Failure e) {
            overhead.answered();
            send(response, failed(endpoint, e, settlement, format), overhead);
            return;
        }
        try (call) {
            int status = call.response().getStatus();
            HttpFields upstreamHeaders = call.response().getHeaders();
            String type = upstreamHeaders.get(HttpHeader.CONTENT_TYPE);
            boolean sse = type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
            if (status >= 200 && status <= 299 && estimate.streaming() && sse) {
                returnHeaders(upstreamHeaders, response, false);
                stream(call, estimate, usageAdded, response, settlement);
                return;
            }
            byte[] answer;
            try {
                answer = readAll(call.body());
            } catch (IOException e) {
                if (status < 200 || status > 299) {
                    throw e;
                }
                overhead.answered();
                send(response, failed(endpoint, Upstream.Failure.brokeOff(e), settlement, format), overhead);
                return;
            }
            overhead.answered();
            send(response, answered(endpoint, status, upstreamHeaders, answer, settlement, format, response), overhead);
        }
    }

    private static void send(Response response, Reply reply, Overhead overhead) throws IOException {
        overhead.header(response);
        Http.send(response, reply.status(), reply.type(), reply.body());
    }

    /**
     * Settles a call whose provider could not be reached or broke off, and says what to answer: 504 for a timeout,
     * 502 otherwise. A call that never reached the provider costs one request; one that may have, its estimate.
     */
    private static Reply failed(Endpoint endpoint, Upstream.Failure e, Settlement settlement, Format format) {
        if (e.beforeSending()) {
            settlement.requestOnly();
        }
        LOG.warn("upstream {} failed: {}", endpoint, e.getMessage());
        settlement.finish();
        int status = e.timeout() ? 504 : 502;
        String code = e.timeout() ? "upstream_timeout" : e.brokeOff() ? "upstream_failed" : "upstream_unreachable";
        return Reply.json(status, Answers.error(format, status, "server_error", code, "Tollgate: " + e.getMessage()));
    }

    /**
     * Meters and settles a complete, non-streamed answer, copies the provider's headers worth returning, and says
     * what to answer: the provider's error as it is (settled at one request), its answer (settled at the usage it
     * reports), or a 502 when a 2xx answer carries no readable usage (settled at the estimate).
     */
    private static Reply answered(Endpoint endpoint, int status, HttpFields upstreamHeaders, byte[] answer,
                                  Settlement settlement, Format format, Response response) {
        String type = upstreamHeaders.get(HttpHeader.CONTENT_TYPE);
        boolean error = status < 200 || status > 299;
        returnHeaders(upstreamHeaders, response, error);
        if (error) {
            settlement.requestOnly();
            settlement.finish();
            return new Reply(status, type == null ? "application/json" : type, answer);
        }
        Usage usage;
        try {
            usage = UsageMeters.fromResponse(endpoint, answer);
        } catch (InvalidRequestException e) {
            LOG.warn("upstream {} answered 200 without readable usage ({} bytes); settling at the estimate",
                    endpoint, answer.length);
            settlement.finish();
            return Reply.json(502, Answers.error(format, 502, "server_error", "upstream_bad_response",
                    "Tollgate: the provider's answer was not valid (" + e.getMessage() + ")"));
        }
        settlement.usage(usage);
        settlement.finish();
        return new Reply(200, type == null ? "application/json" : type, answer);
    }

    /** Copies the provider's request ids and, on an error, its retry advice. */
    private static void returnHeaders(HttpFields upstreamHeaders, Response response, boolean error) {
        HttpFields.Mutable out = response.getHeaders();
        for (String name : RETURNED) {
            String v = upstreamHeaders.get(name);
            if (v != null) {
                out.put(name, v);
            }
        }
        if (error) {
            for (String name : List.of("retry-after", "x-should-retry")) {
                String v = upstreamHeaders.get(name);
                if (v != null && !out.contains(name)) {
                    out.put(name, v);
                }
            }
        }
    }

    private void stream(Upstream.Call call, RequestEstimate estimate, boolean usageAdded, Response response,
                        Settlement settlement) throws IOException {
        StreamMeter meter = UsageMeters.stream(estimate);
        SseParser parser = new SseParser();
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.getHeaders().put("X-Accel-Buffering", "no");
        InputStream in = call.body();
        try {
            while (true) {
                byte[] buffer;
                int n;
                try {
                    // A stream spends nearly all its life waiting for the provider's next event, and thousands may
                    // wait at once: it waits for one byte, holding no buffer, and then takes what has arrived in a
                    // buffer of that size, garbage once parsed (a 4 KB buffer per stream was ~20 MB at 5,000).
                    int first = in.read();
                    if (first < 0) {
                        break;
                    }
                    buffer = new byte[1 + in.available()];
                    buffer[0] = (byte) first;
                    n = 1 + (buffer.length == 1 ? 0 : Math.max(0, in.read(buffer, 1, buffer.length - 1)));
                } catch (IOException upstreamFailed) {
                    // the provider's stream was cut: settle what came, and cut the client's stream too
                    if (!settlement.done) {
                        settlement.usage(meter.usage());
                    }
                    throw new IOException("the provider's stream broke off", upstreamFailed);
                }
                List<SseEvent> events = parser.feed(buffer, 0, n);
                if (events.isEmpty()) {
                    continue;
                }
                StringBuilder out = new StringBuilder();
                for (SseEvent event : events) {
                    meter.onEvent(event);
                    // forwardToClient parses the event again; only a chunk that carries usage can be held back
                    if (!usageAdded || !event.data().contains("\"usage\"")
                            || UsageMeters.forwardToClient(event, usageAdded)) {
                        out.append(event.toWire());
                    }
                }
                if (meter.hasProviderUsage() && !settlement.done) {
                    // the final usage is in: settle before the last events go out, so that the client's next
                    // call already sees this one at its real cost
                    settlement.usage(meter.usage());
                    settlement.finish();
                }
                if (!out.isEmpty()) {
                    try {
                        Http.chunk(response, out.toString().getBytes(StandardCharsets.UTF_8));
                    } catch (IOException clientGone) {
                        call.abort(clientGone);
                        if (!settlement.done) {
                            settlement.usage(meter.usage());
                        }
                        return;
                    }
                }
            }
            // A stream that ended cleanly without the provider's usage (a compatible server that ignores
            // include_usage) is metered from its text, like a cut one; the client still gets a clean end.
            if (!settlement.done) {
                settlement.usage(meter.usage());
                settlement.finish();
            }
            Http.end(response);
        } catch (RuntimeException e) {
            if (!settlement.done) {
                settlement.usage(meter.usage());
            }
            throw e;
        }
    }

    private static String[] providerHeaders(Endpoint endpoint, Config.UpstreamConfig target, Request request) {
        HttpFields h = request.getHeaders();
        String[] out = new String[2 * (FORWARDED.size() + 2)];
        int i = 0;
        for (String name : FORWARDED) {
            out[i++] = name;
            out[i++] = h.get(name);
        }
        if (endpoint.isAnthropic()) {
            out[i++] = "x-api-key";
            out[i++] = target.apiKey() == null ? "mock" : target.apiKey();
            if (h.get("anthropic-version") == null) {
                out[i++] = "anthropic-version";
                out[i++] = "2023-06-01";
            }
        } else {
            out[i++] = "Authorization";
            out[i++] = "Bearer " + (target.apiKey() == null ? "mock" : target.apiKey());
        }
        while (i < out.length) {
            out[i++] = "x-tollgate-unused";
            out[i++] = null;
        }
        return out;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[16 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
            if (total > MAX_RESPONSE_BYTES) {
                throw new IOException("the provider's answer is larger than " + MAX_RESPONSE_BYTES + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
