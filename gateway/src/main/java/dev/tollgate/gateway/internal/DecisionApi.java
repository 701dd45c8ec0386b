package dev.tollgate.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.cost.ModelPrice;
import dev.tollgate.cost.UnknownModelException;
import dev.tollgate.cost.Usage;
import dev.tollgate.gateway.internal.Answers.Format;
import dev.tollgate.policy.Money;
import dev.tollgate.providers.Endpoint;
import dev.tollgate.providers.InvalidRequestException;
import dev.tollgate.providers.RequestEstimate;
import dev.tollgate.providers.RequestEstimator;
import dev.tollgate.providers.UsageMeters;
import dev.tollgate.providers.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * The library's reserve and settle over HTTP, for apps that call providers themselves. Authenticated by a service
 * key. Routes, all JSON:
 * <ul>
 *   <li>{@code POST /tollgate/v1/reserve}: a subject and a charge (tokens, usd, or a provider request body to
 *       estimate); 200 with a reservation id when allowed, 429 with the reason when denied;</li>
 *   <li>{@code POST /tollgate/v1/settle}: a reservation id and the actual usage (tokens and usd, or the provider's
 *       usage object, priced by the catalog);</li>
 *   <li>{@code POST /tollgate/v1/release}: a reservation id; the whole estimate is returned;</li>
 *   <li>{@code POST /tollgate/v1/check}: a subject and a charge, decided without charging;</li>
 *   <li>{@code GET /tollgate/v1/limits?user=alice}: the user's remaining limits.</li>
 * </ul>
 *
 * <p>Reservations live in this process, in a registry with an expiry: a settle must reach the instance that made
 * the reservation. One that is never settled expires after the configured TTL and keeps its estimate, as the
 * engine's unsettled reservations do.
 */
public final class DecisionApi implements AutoCloseable {

    private static final ObjectMapper JSON = Json.newMapper();
    private static final Format FORMAT = Format.OPENAI;

    private final Guard guard;
    private final RequestEstimator estimator;
    private final Keys keys;
    private final Duration ttl;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;

    private record Held(Reservation reservation, Instant expiresAt, ModelPrice price, Endpoint endpoint) {}

    /** A bad request to the decision API; its message names the field. */
    private static final class BadRequest extends Exception {
        final int status;

        BadRequest(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** The API over a guard; reservations expire after {@code ttl}. */
    public DecisionApi(Guard guard, RequestEstimator estimator, Keys keys, Duration ttl) {
        this.guard = guard;
        this.estimator = estimator;
        this.keys = keys;
        this.ttl = ttl;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-reservation-expiry");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::expire, 1, 1, TimeUnit.SECONDS);
    }

    /** Reservations waiting for their settle. */
    public int held() {
        return held.size();
    }

    private void expire() {
        Instant now = Instant.now();
        held.values().removeIf(h -> h.expiresAt().isBefore(now)); // expiring keeps the estimate: nothing to refund
    }

    /** Serves one decision-API request (the caller has checked the path starts with /tollgate/v1/). */
    public void serve(Request request, Response response) throws IOException {
        String path = request.getHttpURI().getPath();
        String presented = Keys.presented(request.getHeaders().get("Authorization"), request.getHeaders().get("x-api-key"));
        if (!keys.service(presented)) {
            Http.json(response, 401, Answers.error(FORMAT, 401, "invalid_request_error", "invalid_service_key",
                    presented == null ? "the decision API needs a service key (Authorization: Bearer ...)"
                            : "the service key is not valid"));
            return;
        }
        try {
            switch (request.getMethod() + " " + path) {
                case "POST /tollgate/v1/reserve" -> reserve(body(request), response);
                case "POST /tollgate/v1/check" -> check(body(request), response);
                case "POST /tollgate/v1/settle" -> settle(body(request), response);
                case "POST /tollgate/v1/release" -> release(body(request), response);
                case "GET /tollgate/v1/limits" -> limits(request, response);
                default -> throw new BadRequest(404, "no decision API route " + request.getMethod() + " " + path
                        + "; routes: POST /tollgate/v1/reserve, /check, /settle, /release; GET /tollgate/v1/limits?user=");
            }
        } catch (BadRequest e) {
            Http.json(response, e.status, Answers.error(FORMAT, e.status, "invalid_request_error", null, e.getMessage()));
        }
    }

    private static JsonNode body(Request request) throws IOException, BadRequest {
        byte[] bytes;
        try {
            bytes = Http.readBody(request, 10L * 1024 * 1024);
        } catch (Http.TooLarge e) {
            throw new BadRequest(413, e.getMessage());
        }
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null || !n.isObject()) {
                throw new BadRequest(400, "body must be a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new BadRequest(400, "body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private Subject subject(JsonNode b) throws BadRequest {
        String user = text(b, "user");
        if (user == null) {
            throw new BadRequest(400, "user is required");
        }
        String plan = text(b, "plan");
        Subject known = keys.subjectOf(user);
        try {
            Subject s;
            if (plan != null) {
                s = Subject.user(user, plan);
            } else if (known != null) {
                s = known;
            } else {
                throw new BadRequest(400, "plan is required for user '" + user + "', who has no configured key");
            }
            if (!guard.policy().plans().containsKey(s.plan())) {
                throw new BadRequest(400, "plan: unknown plan '" + s.plan() + "'; known plans: "
                        + String.join(", ", guard.policy().plans().keySet()));
            }
            String team = text(b, "team");
            String org = text(b, "org");
            if (team != null) {
                s = s.inTeam(team);
            }
            if (org != null) {
                s = s.inOrg(org);
            }
            return s;
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, e.getMessage());
        }
    }

    private record Estimated(Charge charge, ModelPrice price, Endpoint endpoint) {}

    private Estimated charge(JsonNode b) throws BadRequest {
        JsonNode req = b.get("request");
        if (req != null) {
            Endpoint endpoint = endpoint(text(b, "endpoint"));
            try {
                RequestEstimate e = estimator.estimate(endpoint, req);
                return new Estimated(e.charge(), e.price(), endpoint);
            } catch (InvalidRequestException e) {
                throw new BadRequest(e.getCause() instanceof UnknownModelException ? 404 : 400,
                        "request." + e.field() + ": " + e.getMessage());
            }
        }
        return new Estimated(explicit(b, 1), null, null);
    }

    private static Charge explicit(JsonNode b, long defaultRequests) throws BadRequest {
        long requests = count(b, "requests", defaultRequests);
        long tokens = count(b, "tokens", 0);
        long micros = 0;
        JsonNode usd = b.get("usd");
        if (usd != null && !usd.isNull()) {
            try {
                micros = Money.usd(usd.isNumber() ? usd.decimalValue().toPlainString() : usd.asText()).micros();
            } catch (IllegalArgumentException e) {
                throw new BadRequest(400, "usd: " + e.getMessage());
            }
        }
        try {
            return new Charge(requests, tokens, micros);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, e.getMessage());
        }
    }

    private static Endpoint endpoint(String name) throws BadRequest {
        if (name == null) {
            throw new BadRequest(400, "endpoint is required with request: chat.completions, responses, completions, "
                    + "embeddings or messages");
        }
        return switch (name) {
            case "chat.completions", "/v1/chat/completions" -> Endpoint.OPENAI_CHAT;
            case "responses", "/v1/responses" -> Endpoint.OPENAI_RESPONSES;
            case "completions", "/v1/completions" -> Endpoint.OPENAI_COMPLETIONS;
            case "embeddings", "/v1/embeddings" -> Endpoint.OPENAI_EMBEDDINGS;
            case "messages", "/v1/messages" -> Endpoint.ANTHROPIC_MESSAGES;
            default -> throw new BadRequest(400, "endpoint must be chat.completions, responses, completions, embeddings "
                    + "or messages, got '" + name + "'");
        };
    }

    private void reserve(JsonNode b, Response response) throws IOException, BadRequest {
        Subject s = subject(b);
        Estimated e = charge(b);
        Reservation r = guard.reserve(s, e.charge());
        Decision d = r.decision();
        String id = null;
        Instant expires = null;
        if (d.allowed()) {
            expires = Instant.now().plus(ttl);
            id = r.id();
            held.put(id, new Held(r, expires, e.price(), e.endpoint()));
        }
        answer(response, d, e.charge(), id, expires);
    }

    private void check(JsonNode b, Response response) throws IOException, BadRequest {
        Subject s = subject(b);
        Estimated e = charge(b);
        answer(response, guard.check(s, e.charge()), e.charge(), null, null);
    }

    private void settle(JsonNode b, Response response) throws IOException, BadRequest {
        Held h = take(b);
        Charge actual;
        JsonNode usage = b.get("usage");
        if (usage != null && usage.isObject()) {
            if (h.price() == null) {
                held.put(h.reservation().id(), h);
                throw new BadRequest(400, "usage needs a reservation made from a request body (its model prices it); "
                        + "give tokens and usd instead");
            }
            try {
                Usage u = UsageMeters.fromResponse(h.endpoint(),
                        ("{\"usage\":" + usage + "}").getBytes(StandardCharsets.UTF_8));
                actual = h.price().charge(u);
            } catch (IllegalArgumentException e) {
                held.put(h.reservation().id(), h);
                throw new BadRequest(400, "usage: " + e.getMessage());
            }
        } else {
            try {
                actual = explicit(b, h.reservation().estimate().requests());
            } catch (BadRequest e) {
                held.put(h.reservation().id(), h);
                throw e;
            }
        }
        h.reservation().settle(actual);
        Http.json(response, 200, "{\"settled\":true,\"reservation_id\":" + Answers.quote(h.reservation().id())
                + ",\"charge\":" + chargeJson(actual) + "}");
    }

    private void release(JsonNode b, Response response) throws IOException, BadRequest {
        Held h = take(b);
        h.reservation().release();
        Http.json(response, 200, "{\"released\":true,\"reservation_id\":" + Answers.quote(h.reservation().id()) + "}");
    }

    private Held take(JsonNode b) throws BadRequest {
        String id = text(b, "reservation_id");
        if (id == null) {
            throw new BadRequest(400, "reservation_id is required");
        }
        Held h = held.remove(id);
        if (h == null) {
            throw new BadRequest(404, "reservation_id: no open reservation '" + id + "' on this instance (already "
                    + "settled or released, expired after " + ttl.toSeconds() + "s, or made by another instance)");
        }
        return h;
    }

    private void limits(Request request, Response response) throws IOException, BadRequest {
        String query = request.getHttpURI().getQuery();
        Map<String, String> params = new java.util.HashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        Subject s = subject(JSON.valueToTree(params));
        Decision d = guard.status(s);
        Http.json(response, 200, "{\"user\":" + Answers.quote(s.userId()) + ",\"plan\":" + Answers.quote(s.plan())
                + ",\"rules\":" + Answers.rulesJson(d.rules(), d.decidedAt()) + "}");
    }

    private void answer(Response response, Decision d, Charge charge, String id, Instant expires) throws IOException {
        HttpFields.Mutable h = response.getHeaders();
        Answers.rateLimitHeaders(h, d);
        if (d.denied()) {
            Answers.denialHeaders(h, d);
        }
        String json = "{\"allowed\":" + d.allowed()
                + ",\"reason\":" + Answers.quote(d.reason())
                + ",\"denied_by\":" + d.deniedBy().map(r -> Answers.quote(r.name())).orElse("null")
                + ",\"retry_after_seconds\":" + d.retryAfter().map(w -> Long.toString(Answers.ceilSeconds(w))).orElse("null")
                + ",\"waiting_is_pointless\":" + d.waitingIsPointless()
                + ",\"reservation_id\":" + (id == null ? "null" : Answers.quote(id))
                + ",\"expires_at\":" + (expires == null ? "null" : "\"" + expires + "\"")
                + ",\"charge\":" + chargeJson(charge)
                + ",\"rules\":" + Answers.rulesJson(d.rules(), d.decidedAt()) + "}";
        Http.json(response, d.allowed() ? 200 : 429, json);
    }

    private static String chargeJson(Charge c) {
        return "{\"requests\":" + c.requests() + ",\"tokens\":" + c.tokens() + ",\"usd\":\""
                + c.money().toDollars().toPlainString() + "\"}";
    }

    private static String text(JsonNode b, String field) {
        JsonNode n = b.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static long count(JsonNode b, String field, long dflt) throws BadRequest {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToExactIntegral() || n.asLong() < 0) {
            throw new BadRequest(400, field + " must be a whole number >= 0, got " + n);
        }
        return n.asLong();
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
