package dev.tollgate.gateway;

import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Subject;
import dev.tollgate.cost.ModelCatalog;
import dev.tollgate.cost.ModelPrice;
import dev.tollgate.gateway.internal.Answers;
import dev.tollgate.gateway.internal.Answers.Format;
import dev.tollgate.gateway.internal.DecisionApi;
import dev.tollgate.gateway.internal.Http;
import dev.tollgate.gateway.internal.Keys;
import dev.tollgate.gateway.internal.ModelCalls;
import dev.tollgate.gateway.internal.Stores;
import dev.tollgate.gateway.internal.Upstream;
import dev.tollgate.providers.Endpoint;
import dev.tollgate.providers.RequestEstimator;
import dev.tollgate.store.Store;
import dev.tollgate.tokenizer.OpenAiEncoding;
import dev.tollgate.tokenizer.Tokenizers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway, wired by hand from a {@link Config}: a Jetty server whose I/O threads serve small non-streaming
 * calls on the memory store and hand everything else to a virtual thread per request, the engine ({@link Guard})
 * over the configured store, the request estimator, the upstream client, and the built-in mock upstream for every
 * provider whose API key is not set. A request goes: {@code Routes.handle} → auth ({@code Keys}) →
 * {@code ModelCalls.serve} (estimate, reserve, forward, meter, settle) or the {@code DecisionApi}.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.start(Config.load(Path.of("tollgate.yaml")))) {
 *     gateway.join();
 * }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final Config config;
    private final Guard guard;
    private final Keys keys;
    private final ModelCatalog catalog;
    private final ModelCalls calls;
    private final DecisionApi decisions;
    private final Upstream upstream;
    private final MockUpstream mock;
    private final Server server;
    private final Executor blocking;

    private Gateway(Config config, Guard guard, Keys keys, ModelCatalog catalog, ModelCalls calls,
                    DecisionApi decisions, Upstream upstream, MockUpstream mock, Server server) {
        this.config = config;
        this.guard = guard;
        this.keys = keys;
        this.catalog = catalog;
        this.calls = calls;
        this.decisions = decisions;
        this.upstream = upstream;
        this.mock = mock;
        this.server = server;
        this.blocking = Http.blocking(server);
    }

    /**
     * Starts a gateway. A provider whose API key is unset is answered by a built-in mock upstream started on a free
     * local port, and the log says so.
     *
     * @throws IllegalStateException if the port is taken or the store cannot be reached
     */
    public static Gateway start(Config config) {
        MockUpstream mock = null;
        Config wired = config;
        if (config.openai().mocked() || config.anthropic().mocked()) {
            mock = MockUpstream.start("127.0.0.1", 0, config.mock());
            Config.UpstreamConfig openai = config.openai();
            Config.UpstreamConfig anthropic = config.anthropic();
            if (openai.mocked()) {
                openai = new Config.UpstreamConfig(mock.openAiBaseUrl(), null, openai.connectTimeout(),
                        openai.idleTimeout(), openai.timeout());
                LOG.info("upstreams.openai.api-key is not set: OpenAI calls go to the built-in mock upstream at {}",
                        mock.openAiBaseUrl());
            }
            if (anthropic.mocked()) {
                anthropic = new Config.UpstreamConfig(mock.anthropicBaseUrl(), null, anthropic.connectTimeout(),
                        anthropic.idleTimeout(), anthropic.timeout());
                LOG.info("upstreams.anthropic.api-key is not set: Anthropic calls go to the built-in mock upstream at {}",
                        mock.anthropicBaseUrl());
            }
            wired = config.withUpstreams(openai, anthropic);
        }
        Store store = Stores.open(config.store());
        Guard guard = Guard.builder(config.policy()).store(store).build();
        ModelCatalog catalog = config.catalog();
        RequestEstimator estimator = RequestEstimator.builder(catalog)
                .defaultMaxOutputTokens(config.defaultMaxOutputTokens()).build();
        long preloading = System.nanoTime();
        Set<OpenAiEncoding> encodings = Tokenizers.preload(servedModels(config, catalog));
        LOG.debug("token counters of {} loaded in {} ms", encodings, (System.nanoTime() - preloading) / 1_000_000);
        Keys keys = new Keys(config.keys(), config.serviceKeyHashes());
        Server server = Http.eventLoopServer(config.host(), config.port(), "tollgate");
        Upstream upstream = new Upstream(wired.openai(), wired.anthropic(), Http.upstreamClient(server));
        ModelCalls calls = new ModelCalls(guard, estimator, upstream, wired, Stores.neverBlocks(config.store()),
                Http.blocking(server));
        DecisionApi decisions = new DecisionApi(guard, estimator, keys, config.reservationTtl());
        Gateway gateway = new Gateway(wired, guard, keys, catalog, calls, decisions, upstream, mock, server);
        server.setHandler(gateway.new Routes());
        try {
            server.start();
        } catch (Exception e) {
            gateway.close();
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        LOG.info("Tollgate listening on http://{}:{} (store: {}, plans: {}, {} keys)", config.host(), gateway.port(),
                config.store().type(), String.join(", ", config.policy().plans().keySet()), config.keys().size());
        return gateway;
    }

    /** The port the gateway listens on. */
    public int port() {
        return Http.port(server);
    }

    /** The engine the gateway enforces with; tests and the usage API read subjects' state through it. */
    public Guard guard() {
        return guard;
    }

    /** The configuration in force, with mocked upstreams' URLs filled in. */
    public Config config() {
        return config;
    }

    /** The built-in mock upstream, if a provider key was unset. */
    public java.util.Optional<MockUpstream> mock() {
        return java.util.Optional.ofNullable(mock);
    }

    /** Model calls whose reservation is not settled yet. */
    public long callsInFlight() {
        return calls.inFlight();
    }

    /** Model calls denied with a 429 since start. */
    public long denials() {
        return calls.denials();
    }

    /** Decision-API reservations waiting for their settle. */
    public int heldReservations() {
        return decisions.held();
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the server: {}", e.toString());
        }
        decisions.close();
        upstream.close();
        guard.close();
        if (mock != null) {
            mock.close();
        }
    }

    /**
     * Runs on the I/O thread that parsed the request, so it must not block: an authenticated model call that
     * {@link ModelCalls#servesInline} accepts is served there; every other request goes to a virtual thread.
     */
    private final class Routes extends Handler.Abstract {
        Routes() {
            super(InvocationType.NON_BLOCKING);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Endpoint endpoint = ModelCalls.endpoint(request.getHttpURI().getPath());
            if (endpoint != null && request.getMethod().equals("POST") && calls.servesInline(request)
                    && keys.client(presentedKey(request)) instanceof Keys.Valid valid) {
                calls.serveInline(endpoint, valid.subject(), request, response, callback);
                return true;
            }
            blocking.execute(() -> Http.run(request, response, callback, () -> route(request, response)));
            return true;
        }
    }

    private static String presentedKey(Request request) {
        return Keys.presented(request.getHeaders().get("Authorization"), request.getHeaders().get("x-api-key"));
    }

    private void route(Request request, Response response) throws IOException {
        String path = request.getHttpURI().getPath();
        String method = request.getMethod();
        if (path.startsWith("/tollgate/v1/") && !path.equals("/tollgate/v1/me")) {
            decisions.serve(request, response);
            return;
        }
        if (path.equals("/health") || path.equals("/healthz")) {
            Http.json(response, 200, "{\"status\":\"ok\",\"calls_in_flight\":" + calls.inFlight() + "}");
            return;
        }
        Endpoint endpoint = ModelCalls.endpoint(path);
        Format format = endpoint == Endpoint.ANTHROPIC_MESSAGES || request.getHeaders().get("anthropic-version") != null
                ? Format.ANTHROPIC : Format.OPENAI;
        boolean models = path.equals("/v1/models");
        boolean me = path.equals("/tollgate/v1/me");
        if (endpoint == null && !models && !me) {
            Http.discardBody(request, response);
            Http.json(response, 404, Answers.error(format, 404, "invalid_request_error", "unknown_url",
                    "Tollgate has no route " + method + " " + path + "; it serves POST /v1/chat/completions, "
                            + "/v1/responses, /v1/completions, /v1/embeddings, /v1/messages and GET /v1/models"));
            return;
        }
        String expected = endpoint == null ? "GET" : "POST";
        if (!method.equals(expected)) {
            Http.discardBody(request, response);
            Http.json(response, 405, Answers.error(format, 405, "invalid_request_error", "method_not_allowed",
                    method + " " + path + " is not allowed; use " + expected));
            return;
        }
        Keys.Lookup who = keys.client(presentedKey(request));
        if (!(who instanceof Keys.Valid valid)) {
            String message = switch (who) {
                case Keys.Missing m -> "Tollgate: no API key; send your Tollgate key as 'Authorization: Bearer <key>' "
                        + "or 'x-api-key: <key>'";
                case Keys.Revoked r -> "Tollgate: this API key has been revoked";
                default -> "Tollgate: the API key is not valid";
            };
            Http.discardBody(request, response);
            Http.json(response, 401, Answers.error(format, 401, "invalid_request_error", "invalid_api_key", message));
            return;
        }
        Subject subject = valid.subject();
        if (models) {
            listModels(subject, format, response);
            return;
        }
        if (me) {
            Decision d = guard.status(subject);
            Answers.rateLimitHeaders(response.getHeaders(), d);
            Http.json(response, 200, "{\"user\":" + Answers.quote(subject.userId()) + ",\"plan\":"
                    + Answers.quote(subject.plan()) + ",\"rules\":" + Answers.rulesJson(d.rules(), d.decidedAt()) + "}");
            return;
        }
        calls.serve(endpoint, subject, request, response);
    }

    /** The models this gateway serves: those the configuration allows, or else every model of the price table. */
    private static List<String> servedModels(Config config, ModelCatalog catalog) {
        return config.models().isEmpty() ? catalog.models().stream().map(ModelPrice::model).toList() : config.models();
    }

    private void listModels(Subject subject, Format format, Response response) throws IOException {
        List<String> ids = servedModels(config, catalog);
        List<String> owners = new ArrayList<>();
        for (String m : ids) {
            owners.add(catalog.find(m).map(ModelPrice::provider).orElse("tollgate"));
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(format == Format.ANTHROPIC
                    ? "{\"type\":\"model\",\"id\":" + Answers.quote(ids.get(i)) + ",\"display_name\":"
                            + Answers.quote(ids.get(i)) + ",\"created_at\":\"2024-01-01T00:00:00Z\"}"
                    : "{\"id\":" + Answers.quote(ids.get(i)) + ",\"object\":\"model\",\"created\":0,\"owned_by\":"
                            + Answers.quote(owners.get(i)) + "}");
        }
        Answers.rateLimitHeaders(response.getHeaders(), guard.status(subject));
        String json = format == Format.ANTHROPIC
                ? "{\"data\":[" + b + "],\"has_more\":false,\"first_id\":" + (ids.isEmpty() ? "null" : Answers.quote(ids.get(0)))
                        + ",\"last_id\":" + (ids.isEmpty() ? "null" : Answers.quote(ids.get(ids.size() - 1))) + "}"
                : "{\"object\":\"list\",\"data\":[" + b + "]}";
        Http.json(response, 200, json);
    }
}
