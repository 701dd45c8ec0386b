package dev.tollgate.gateway;

import dev.tollgate.gateway.internal.ConfigReader;
import dev.tollgate.policy.Policy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import dev.tollgate.cost.ModelCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A validated gateway configuration: everything in the YAML file, parsed, checked and ready to wire. Made by
 * {@link #load(Path)} or {@link #parse}; every problem is a {@link ConfigException} naming the field and the line.
 *
 * @param host the address to listen on
 * @param port the port to listen on; 0 picks a free one
 * @param maxBodyBytes the largest request body accepted; larger ones get a 413
 * @param store where limit state lives
 * @param openai the OpenAI upstream
 * @param anthropic the Anthropic upstream
 * @param defaultMaxOutputTokens the output reserved for a request that gives no max tokens
 * @param models the models clients may call (and {@code GET /v1/models} lists); empty means every catalogued model
 * @param policy the plans
 * @param keys the client keys, by SHA-256 hash
 * @param serviceKeyHashes the SHA-256 hashes of the decision API's service keys
 * @param reservationTtl how long a decision-API reservation waits for its settle before it expires to its estimate
 * @param mock how the built-in mock upstream answers
 * @param catalog the model prices: the bundled catalog, extended or overridden by {@code estimation.price-file}
 */
public record Config(String host, int port, long maxBodyBytes, StoreConfig store, UpstreamConfig openai,
                     UpstreamConfig anthropic, long defaultMaxOutputTokens, List<String> models, Policy policy,
                     List<KeyConfig> keys, List<byte[]> serviceKeyHashes, Duration reservationTtl, MockConfig mock,
                     ModelCatalog catalog) {

    /** The name of the sample configuration bundled in the jar, used by {@code tollgate serve} without --config. */
    public static final String SAMPLE_RESOURCE = "/tollgate-sample.yaml";

    /** Reads and validates a configuration file, interpolating {@code ${VAR}} from the environment. */
    public static Config load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot read the file: " + e.getMessage()));
        }
        return parse(text, file.toString(), System.getenv());
    }

    /** The sample configuration bundled in the jar: memory store, free and pro plans, sample keys. */
    public static Config sample(Map<String, String> env) {
        return parse(sampleText(), "bundled sample configuration", env);
    }

    /** The text of the bundled sample configuration. */
    public static String sampleText() {
        try (InputStream in = Config.class.getResourceAsStream(SAMPLE_RESOURCE)) {
            Objects.requireNonNull(in, "the jar lacks " + SAMPLE_RESOURCE);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses and validates configuration text.
     *
     * @param origin names the source in error messages, such as the file name
     * @param env the variables that {@code ${VAR}} and {@code ${VAR:-default}} read
     * @throws ConfigException listing every problem, each with its field path and line
     */
    public static Config parse(String text, String origin, Map<String, String> env) {
        return ConfigReader.read(text, origin, env);
    }

    /** This configuration listening on another port. */
    public Config withPort(int newPort) {
        return new Config(host, newPort, maxBodyBytes, store, openai, anthropic, defaultMaxOutputTokens, models,
                policy, keys, serviceKeyHashes, reservationTtl, mock, catalog);
    }

    /** This configuration with other upstreams (tests point them at a mock of their own). */
    public Config withUpstreams(UpstreamConfig newOpenai, UpstreamConfig newAnthropic) {
        return new Config(host, port, maxBodyBytes, store, newOpenai, newAnthropic, defaultMaxOutputTokens, models,
                policy, keys, serviceKeyHashes, reservationTtl, mock, catalog);
    }

    /** This configuration with another maximum body size. */
    public Config withMaxBodyBytes(long bytes) {
        return new Config(host, port, bytes, store, openai, anthropic, defaultMaxOutputTokens, models,
                policy, keys, serviceKeyHashes, reservationTtl, mock, catalog);
    }

    /**
     * Where limit state lives.
     *
     * @param type {@code memory} or {@code redis}
     * @param url the Redis URI, for {@code redis}
     * @param failureMode for Redis: {@code fail-closed}, {@code fail-open} or {@code local}
     * @param timeout for Redis: the bound on each call
     * @param cluster for Redis: true if the URL names a node of a Redis Cluster
     * @param localShare for Redis in {@code local} failure mode: the share of each limit this instance may grant
     *     on its own while Redis is down (1/N for N instances)
     */
    public record StoreConfig(String type, String url, String failureMode, Duration timeout, boolean cluster,
                              double localShare) {}

    /**
     * One provider upstream.
     *
     * @param baseUrl the provider's base URL ({@code https://api.openai.com/v1}, {@code https://api.anthropic.com})
     * @param apiKey the gateway's own provider key; null means the built-in mock upstream answers instead
     * @param connectTimeout the bound on opening a connection
     * @param idleTimeout the longest silence while reading a response (a stream between two events)
     * @param timeout the bound on a whole non-streaming call
     */
    public record UpstreamConfig(String baseUrl, String apiKey, Duration connectTimeout, Duration idleTimeout,
                                 Duration timeout) {

        /** True if calls go to the built-in mock. */
        public boolean mocked() {
            return apiKey == null;
        }

        /** This upstream at another base URL, with a key (so that it is not replaced by the mock). */
        public UpstreamConfig at(String url, String key) {
            return new UpstreamConfig(url, key, connectTimeout, idleTimeout, timeout);
        }

        /** This upstream with other idle and total timeouts. */
        public UpstreamConfig withTimeouts(Duration idle, Duration total) {
            return new UpstreamConfig(baseUrl, apiKey, connectTimeout, idle, total);
        }

        @Override
        public String toString() {
            return "UpstreamConfig[" + baseUrl + (apiKey == null ? ", mock" : ", key set") + "]";
        }
    }

    /**
     * One client key.
     *
     * @param sha256 the SHA-256 hash of the key
     * @param id a label for logs and the key scope: the first 12 hex digits of the hash
     * @param user the user the key belongs to
     * @param plan the user's plan
     * @param team the user's team, or null
     * @param org the user's organisation, or null
     * @param revoked true if the key is refused
     */
    public record KeyConfig(byte[] sha256, String id, String user, String plan, String team, String org,
                            boolean revoked) {}

    /**
     * How the built-in mock upstream answers.
     *
     * @param outputTokens completion tokens per answer, capped by the request's max tokens
     * @param cachedTokens input tokens reported as read from the prompt cache (capped by the input)
     * @param reasoningTokens output tokens reported as reasoning, for o-series and gpt-5 models
     * @param tokenDelay the pause between streamed tokens
     */
    public record MockConfig(long outputTokens, long cachedTokens, long reasoningTokens, Duration tokenDelay) {

        /** The defaults: 300 output tokens, nothing cached, 64 reasoning tokens, no delay. */
        public static final MockConfig DEFAULTS = new MockConfig(300, 0, 64, Duration.ZERO);
    }
}
