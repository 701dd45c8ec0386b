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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
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
 */
public final class ModelCalls {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCalls.class);
    private static final long MAX_RESPONSE_BYTES = 64L * 1024 * 1024;
    private static final List<String> FORWARDED = List.of("anthropic-version", "anthropic-beta", "openai-beta", "accept");
    private static final List<String> RETURNED = List.of("x-request-id", "request-id", "openai-processing-ms",
            "anthropic-organization-id", "openai-version");

    private final Guard guard;
    private final RequestEstimator estimator;
    private final Upstream upstream;
    private final Config config;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong denials = new AtomicLong();

    /** The model-call route over these parts. */
    public ModelCalls(Guard guard, RequestEstimator estimator, Upstream upstream, Config config) {
        this.guard = guard;
        this.estimator = estimator;
        this.upstream = upstream;
        this.config = config;
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
        return switch (path) {
            case "/v1/chat/completions" -> Endpoint.OPENAI_CHAT;
            case "/v1/responses" -> Endpoint.OPENAI_RESPONSES;
            case "/v1/completions" -> Endpoint.OPENAI_COMPLETIONS;
            case "/v1/embeddings" -> Endpoint.OPENAI_EMBEDDINGS;
            case "/v1/messages" -> Endpoint.ANTHROPIC_MESSAGES;
            default -> null;
        };
    }

    /**
     * Serves an authenticated model call. Writes the whole answer; returns normally when the client has been
     * answered (or has gone), throws only when the response must be aborted (a stream cut mid-way).
     */
    public void serve(Endpoint endpoint, Subject subject, Request request, Response response) throws IOException {
        Format format = endpoint.isAnthropic() ? Format.ANTHROPIC : Format.OPENAI;
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
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
        Reservation reservation;
        try {
            reservation = guard.reserve(subject, estimate.charge());
        } catch (RuntimeException e) {
            LOG.warn("limit store failed for user {}: {}", subject.userId(), e.toString());
            Http.json(response, 503, Answers.error(format, 503, "server_error", "limit_store_unavailable",
                    "Tollgate cannot reach its limit store; the call was not sent"));
            return;
        }
        Decision decision = reservation.decision();
        HttpFields.Mutable headers = response.getHeaders();
        Answers.rateLimitHeaders(headers, decision);
        if (decision.denied()) {
            denials.incrementAndGet();
            Answers.denialHeaders(headers, decision);
            Http.json(response, 429, Answers.denial(format, decision));
            return;
        }
        inFlight.incrementAndGet();
        Settlement settlement = new Settlement(estimate, reservation);
        try {
            forward(endpoint, estimate, body, request, response, settlement, format);
        } finally {
            settlement.finish();
        }
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

    private void forward(Endpoint endpoint, RequestEstimate estimate, byte[] body, Request request, Response response,
                         Settlement settlement, Format format) throws IOException {
        Config.UpstreamConfig target = endpoint.isAnthropic() ? config.anthropic() : config.openai();
        String path = request.getHttpURI().getPath();
        String url = endpoint.isAnthropic() ? target.baseUrl() + path : target.baseUrl() + path.substring("/v1".length());
        boolean usageAdded = false;
        byte[] sent = body;
        if (estimate.streaming() && !endpoint.isAnthropic() && endpoint != Endpoint.OPENAI_RESPONSES) {
            UsageMeters.StreamRewrite rewrite = UsageMeters.requestUsageChunk(body);
            sent = rewrite.body();
            usageAdded = rewrite.usageAdded();
        }
        String[] headers = providerHeaders(endpoint, target, request);
        Upstream.Call call;
        try {
            call = upstream.send(target, url, sent, headers);
        } catch (Upstream.Failure e) {
            if (e.beforeSending()) {
                settlement.requestOnly();
            }
            int status = e.timeout() ? 504 : 502;
            LOG.warn("upstream {} failed: {}", endpoint, e.getMessage());
            settlement.finish();
            Http.json(response, status, Answers.error(format, status, "server_error",
                    e.timeout() ? "upstream_timeout" : "upstream_unreachable", "Tollgate: " + e.getMessage()));
            return;
        }
        try (call) {
            int status = call.response().getStatus();
            HttpFields upstreamHeaders = call.response().getHeaders();
            for (String name : RETURNED) {
                String v = upstreamHeaders.get(name);
                if (v != null) {
                    response.getHeaders().put(name, v);
                }
            }
            String type = upstreamHeaders.get(HttpHeader.CONTENT_TYPE);
            if (status < 200 || status > 299) {
                byte[] error = readAll(call.body());
                settlement.requestOnly();
                settlement.finish();
                for (String name : List.of("retry-after", "x-should-retry")) {
                    String v = upstreamHeaders.get(name);
                    if (v != null && !response.getHeaders().contains(name)) {
                        response.getHeaders().put(name, v);
                    }
                }
                Http.send(response, status, type == null ? "application/json" : type, error);
                return;
            }
            boolean sse = type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
            if (estimate.streaming() && sse) {
                stream(call, estimate, usageAdded, response, settlement);
                return;
            }
            byte[] answer;
            try {
                answer = readAll(call.body());
            } catch (IOException e) {
                settlement.finish();
                Http.json(response, 502, Answers.error(format, 502, "server_error", "upstream_failed",
                        "Tollgate: the provider's answer broke off: " + e.getClass().getSimpleName()));
                return;
            }
            Usage usage;
            try {
                usage = UsageMeters.fromResponse(endpoint, answer);
            } catch (InvalidRequestException e) {
                LOG.warn("upstream {} answered 200 without readable usage ({} bytes); settling at the estimate",
                        endpoint, answer.length);
                settlement.finish();
                Http.json(response, 502, Answers.error(format, 502, "server_error", "upstream_bad_response",
                        "Tollgate: the provider's answer was not valid (" + e.getMessage() + ")"));
                return;
            }
            settlement.usage(usage);
            settlement.finish();
            Http.send(response, 200, type == null ? "application/json" : type, answer);
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
        byte[] buffer = new byte[4 * 1024]; // per open stream: small, since thousands may be open at once
        InputStream in = call.body();
        try {
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException upstreamFailed) {
                    // the provider's stream was cut: settle what came, and cut the client's stream too
                    if (!settlement.done) {
                        settlement.usage(meter.usage());
                    }
                    throw new IOException("the provider's stream broke off", upstreamFailed);
                }
                if (n < 0) {
                    break;
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
