package dev.tollgate.gateway.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.cost.ModelCatalog;
import dev.tollgate.gateway.Config;
import dev.tollgate.gateway.ConfigException;
import dev.tollgate.policy.Durations;
import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Mode;
import dev.tollgate.policy.Money;
import dev.tollgate.policy.Period;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the YAML configuration in three steps: interpolate {@code ${VAR}} from the environment (line by line, so
 * line numbers stay true), bind to raw records with Jackson ({@code FAIL_ON_UNKNOWN_PROPERTIES}: an unknown field
 * is an error with its path and line), then check every value, naming the field and the line that it came from
 * (the line is looked up in a map of every field's {@link JsonLocation}, made by one pass over the parser).
 */
public final class ConfigReader {

    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(b|kb|mb|gb|kib|mib|gib)?");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");

    private static final YAMLMapper MAPPER = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    private final String origin;
    private final Map<String, JsonLocation> locations;
    private final List<String> problems = new ArrayList<>();

    private ConfigReader(String origin, Map<String, JsonLocation> locations) {
        this.origin = origin;
        this.locations = locations;
    }

    /** Parses and validates; see {@link Config#parse}. */
    public static Config read(String text, String origin, Map<String, String> env) {
        String interpolated = interpolate(text, env);
        Map<String, JsonLocation> locations = new HashMap<>();
        RawConfig raw;
        try {
            try (JsonParser p = new YAMLFactory().createParser(interpolated)) {
                if (p.nextToken() != null) {
                    walk(p, "", locations);
                }
            }
            raw = MAPPER.readValue(interpolated, RawConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String where = path(e);
            String parent = where.contains(".") ? where.substring(0, where.lastIndexOf('.')) : "";
            throw new ConfigException(origin, List.of(where + ": unknown field '" + e.getPropertyName() + "'"
                    + (parent.isEmpty() ? "" : " in " + parent) + line(e.getLocation())
                    + "; known fields: " + String.join(", ", e.getKnownPropertyIds().stream().map(String::valueOf)
                    .sorted().toList())));
        } catch (JsonMappingException e) {
            throw new ConfigException(origin, List.of(path(e) + ": " + e.getOriginalMessage().split("\n")[0]
                    + line(e.getLocation())));
        } catch (JsonProcessingException e) {
            throw new ConfigException(origin, List.of("not valid YAML: " + e.getOriginalMessage().split("\n")[0]
                    + line(e.getLocation())));
        } catch (IOException e) {
            throw new ConfigException(origin, List.of("cannot read: " + e.getMessage()));
        }
        if (raw == null) {
            throw new ConfigException(origin, List.of("the configuration is empty"));
        }
        ConfigReader reader = new ConfigReader(origin, locations);
        Config config = reader.check(raw);
        if (!reader.problems.isEmpty()) {
            throw new ConfigException(origin, reader.problems);
        }
        return config;
    }

    /** Replaces {@code ${VAR}} and {@code ${VAR:-default}}; an unset variable with no default becomes empty. */
    static String interpolate(String text, Map<String, String> env) {
        Matcher m = VAR.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null || value.isEmpty()) {
                value = m.group(2) == null ? "" : m.group(2);
            }
            if (value.contains("\n")) {
                value = value.replace("\n", ""); // a value must not shift the lines of the file
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void walk(JsonParser p, String path, Map<String, JsonLocation> out) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String child = path.isEmpty() ? p.currentName() : path + "." + p.currentName();
                out.put(child, p.currentTokenLocation());
                p.nextToken();
                walk(p, child, out);
            }
        } else if (t == JsonToken.START_ARRAY) {
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String child = path + "[" + i++ + "]";
                out.put(child, p.currentTokenLocation());
                walk(p, child, out);
            }
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!b.isEmpty()) {
                    b.append('.');
                }
                b.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                b.append('[').append(ref.getIndex()).append(']');
            }
        }
        return b.isEmpty() ? "(top level)" : b.toString();
    }

    private static String line(JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    private void problem(String path, String message) {
        String at = path;
        JsonLocation loc = null;
        while (loc == null && !at.isEmpty()) {
            loc = locations.get(at);
            int cut = Math.max(at.lastIndexOf('.'), at.lastIndexOf('['));
            at = cut < 0 ? "" : at.substring(0, cut);
        }
        problems.add(path + ": " + message + line(loc));
    }

    // ---------------------------------------------------------------------------------------------- checks

    private Config check(RawConfig raw) {
        RawServer server = raw.server() == null ? new RawServer(null, null, null) : raw.server();
        int port = server.port() == null ? 8080 : server.port();
        if (port < 0 || port > 65_535) {
            problem("server.port", "must be between 0 and 65535, got " + port);
        }
        String host = server.host() == null ? "0.0.0.0" : server.host();
        long maxBody = server.maxBodySize() == null ? 10L * 1024 * 1024 : size("server.max-body-size", server.maxBodySize());

        Config.StoreConfig store = store(raw.store());
        Map<String, RawUpstream> ups = raw.upstreams() == null ? Map.of() : raw.upstreams();
        for (String name : ups.keySet()) {
            if (!name.equals("openai") && !name.equals("anthropic")) {
                problem("upstreams." + name, "unknown provider '" + name + "'; known providers: openai, anthropic");
            }
        }
        Config.UpstreamConfig openai = upstream("upstreams.openai", ups.get("openai"), "https://api.openai.com/v1");
        Config.UpstreamConfig anthropic = upstream("upstreams.anthropic", ups.get("anthropic"), "https://api.anthropic.com");

        long maxOut = 1024;
        if (raw.estimation() != null && raw.estimation().defaultMaxOutputTokens() != null) {
            maxOut = raw.estimation().defaultMaxOutputTokens();
            if (maxOut <= 0) {
                problem("estimation.default-max-output-tokens", "must be > 0, got " + maxOut);
            }
        }

        ModelCatalog catalog = ModelCatalog.bundled();
        if (raw.estimation() != null && raw.estimation().priceFile() != null) {
            catalog = catalog("estimation.price-file", raw.estimation().priceFile(), catalog);
        }

        Policy policy = policy(raw.plans());
        List<Config.KeyConfig> keys = keys(raw.keys(), policy);
        List<byte[]> serviceKeys = new ArrayList<>();
        List<RawServiceKey> rawService = raw.serviceKeys() == null ? List.of() : raw.serviceKeys();
        for (int i = 0; i < rawService.size(); i++) {
            RawServiceKey s = rawService.get(i);
            byte[] hash = hash("service-keys[" + i + "]", s.key(), s.keySha256());
            if (hash != null) {
                serviceKeys.add(hash);
            }
        }
        Duration ttl = Duration.ofMinutes(10);
        if (raw.decisionApi() != null && raw.decisionApi().reservationTtl() != null) {
            ttl = duration("decision-api.reservation-ttl", raw.decisionApi().reservationTtl());
        }
        Config.MockConfig mock = mock(raw.mock());
        List<String> models = raw.models() == null ? List.of() : List.copyOf(raw.models());
        return new Config(host, port, maxBody, store, openai, anthropic, maxOut, models, policy, keys, serviceKeys,
                ttl, mock, catalog);
    }

    // A price file in the catalog's own CSV format: its rows add models or replace the bundled ones.
    private ModelCatalog catalog(String field, String file, ModelCatalog bundled) {
        try (java.io.Reader reader = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(file),
                java.nio.charset.StandardCharsets.UTF_8)) {
            return bundled.toBuilder().load(reader, file).build();
        } catch (java.io.IOException e) {
            problem(field, "cannot read the price file '" + file + "': " + e.getMessage());
        } catch (IllegalArgumentException e) {
            problem(field, e.getMessage());
        }
        return bundled;
    }

    private Config.StoreConfig store(RawStore raw) {
        if (raw == null) {
            return new Config.StoreConfig("memory", null, "fail-closed", Duration.ofMillis(200), false, 1.0);
        }
        String type = raw.type() == null ? "memory" : raw.type().toLowerCase(Locale.ROOT);
        if (!type.equals("memory") && !type.equals("redis")) {
            problem("store.type", "must be memory or redis, got '" + raw.type() + "'");
        }
        if (type.equals("redis") && (raw.url() == null || raw.url().isBlank())) {
            problem("store.url", "is required when store.type is redis (like redis://127.0.0.1:6379)");
        }
        if (type.equals("memory") && raw.url() != null) {
            problem("store.url", "is only for store.type redis");
        }
        String mode = raw.failureMode() == null ? "fail-closed" : raw.failureMode().toLowerCase(Locale.ROOT);
        if (!List.of("fail-closed", "fail-open", "local").contains(mode)) {
            problem("store.failure-mode", "must be fail-closed, fail-open or local, got '" + raw.failureMode() + "'");
        }
        Duration timeout = raw.timeout() == null ? Duration.ofMillis(200) : duration("store.timeout", raw.timeout());
        double share = 1.0;
        if (raw.localShare() != null) {
            try {
                share = new java.math.BigDecimal(raw.localShare().trim()).doubleValue();
            } catch (NumberFormatException e) {
                share = -1;
            }
            if (!(share > 0 && share <= 1)) {
                problem("store.local-share", "must be a number in (0, 1], like 0.5 for two instances; got '"
                        + raw.localShare() + "'");
            }
        }
        return new Config.StoreConfig(type, raw.url(), mode, timeout, Boolean.TRUE.equals(raw.cluster()), share);
    }

    private Config.UpstreamConfig upstream(String path, RawUpstream raw, String defaultUrl) {
        RawUpstream r = raw == null ? new RawUpstream(null, null, null, null, null) : raw;
        String url = r.baseUrl() == null ? defaultUrl : r.baseUrl();
        try {
            URI uri = URI.create(url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                problem(path + ".base-url", "must be an http(s) URL, got '" + url + "'");
            }
        } catch (IllegalArgumentException e) {
            problem(path + ".base-url", "must be an http(s) URL, got '" + url + "'");
        }
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        String key = r.apiKey() == null || r.apiKey().isBlank() ? null : r.apiKey().trim();
        Duration connect = r.connectTimeout() == null ? Duration.ofSeconds(10) : duration(path + ".connect-timeout", r.connectTimeout());
        Duration idle = r.idleTimeout() == null ? Duration.ofSeconds(120) : duration(path + ".idle-timeout", r.idleTimeout());
        Duration total = r.timeout() == null ? Duration.ofMinutes(10) : duration(path + ".timeout", r.timeout());
        return new Config.UpstreamConfig(url, key, connect, idle, total);
    }

    private Policy policy(Map<String, RawPlan> rawPlans) {
        if (rawPlans == null || rawPlans.isEmpty()) {
            problem("plans", "at least one plan is required");
            return Policy.of(Plan.named("none"));
        }
        List<Plan> plans = new ArrayList<>();
        for (Map.Entry<String, RawPlan> e : rawPlans.entrySet()) {
            String path = "plans." + e.getKey();
            Plan plan;
            try {
                plan = Plan.named(e.getKey());
            } catch (IllegalArgumentException ex) {
                problem(path, ex.getMessage());
                continue;
            }
            List<RawRule> rules = e.getValue() == null || e.getValue().rules() == null ? List.of() : e.getValue().rules();
            for (int i = 0; i < rules.size(); i++) {
                Rule rule = rule(path + ".rules[" + i + "]", rules.get(i));
                if (rule != null) {
                    try {
                        plan = plan.rule(rule);
                    } catch (IllegalArgumentException ex) {
                        problem(path + ".rules[" + i + "].name", ex.getMessage());
                    }
                }
            }
            plans.add(plan);
        }
        return Policy.of(plans);
    }

    private Rule rule(String path, RawRule r) {
        if (r == null) {
            problem(path, "is empty");
            return null;
        }
        int before = problems.size();
        if (r.name() == null) {
            problem(path + ".name", "is required");
            return null;
        }
        if (r.type() == null) {
            problem(path + ".type", "is required: token-bucket, fixed-window, sliding-window, quota or concurrency");
            return null;
        }
        Meter meter = r.meter() == null ? Meter.REQUESTS : parse(path + ".meter", r.meter(), Meter::parse);
        if (meter == null) {
            return null;
        }
        try {
            Rule.Builder<?> b;
            switch (r.type().toLowerCase(Locale.ROOT)) {
                case "token-bucket" -> {
                    var tb = Rule.tokenBucket(r.name()).meter(meter);
                    Long cap = amount(path + ".capacity", r.capacity(), meter, true);
                    Long rate = amount(path + ".refill-rate", r.refillRate(), meter, true);
                    Duration interval = r.interval() == null ? Duration.ofSeconds(1) : duration(path + ".interval", r.interval());
                    attempt(path + ".capacity", () -> {
                        if (cap != null) {
                            if (meter == Meter.USD) {
                                tb.capacity(Money.ofMicros(cap));
                            } else {
                                tb.capacity(cap);
                            }
                        }
                    });
                    attempt(path + ".refill-rate", () -> {
                        if (rate != null && interval != null) {
                            tb.refill(rate, interval);
                        }
                    });
                    forbid(path, r, "limit", r.limit(), "window", r.window(), "period", r.period(), "zone", r.zone(), "lease", r.lease());
                    b = tb;
                }
                case "fixed-window", "sliding-window" -> {
                    var w = r.type().equalsIgnoreCase("fixed-window") ? Rule.fixedWindow(r.name()) : Rule.slidingWindow(r.name());
                    w.meter(meter);
                    Long limit = amount(path + ".limit", r.limit(), meter, true);
                    attempt(path + ".limit", () -> limit(w, limit, meter));
                    if (r.window() == null) {
                        problem(path + ".window", "is required for a " + r.type() + " rule (like 1m, 1h, 24h)");
                    } else {
                        Duration window = duration(path + ".window", r.window());
                        if (window != null) {
                            attempt(path + ".window", () -> w.window(window));
                        }
                    }
                    forbid(path, r, "capacity", r.capacity(), "refill-rate", r.refillRate(), "interval", r.interval(), "period", r.period(), "zone", r.zone(), "lease", r.lease());
                    b = w;
                }
                case "quota" -> {
                    var q = Rule.quota(r.name()).meter(meter);
                    Long limit = amount(path + ".limit", r.limit(), meter, true);
                    attempt(path + ".limit", () -> {
                        if (limit != null) {
                            if (meter == Meter.USD) {
                                q.limit(Money.ofMicros(limit));
                            } else {
                                q.limit(limit);
                            }
                        }
                    });
                    if (r.period() == null) {
                        problem(path + ".period", "is required for a quota rule: day, week or month");
                    } else {
                        Period period = parse(path + ".period", r.period(), Period::parse);
                        if (period != null) {
                            q.per(period);
                        }
                    }
                    if (r.zone() != null) {
                        ZoneId zone = parse(path + ".zone", r.zone(), z -> {
                            try {
                                return ZoneId.of(z);
                            } catch (RuntimeException ex) {
                                throw new IllegalArgumentException("zone must be a time zone like UTC or Europe/Paris, got '" + z + "'");
                            }
                        });
                        if (zone != null) {
                            q.zone(zone);
                        }
                    }
                    forbid(path, r, "capacity", r.capacity(), "refill-rate", r.refillRate(), "interval", r.interval(), "window", r.window(), "lease", r.lease());
                    b = q;
                }
                case "concurrency" -> {
                    var c = Rule.concurrency(r.name()).meter(meter);
                    Long limit = amount(path + ".limit", r.limit(), meter, true);
                    attempt(path + ".limit", () -> {
                        if (limit != null) {
                            c.limit(limit);
                        }
                    });
                    if (r.lease() != null) {
                        Duration lease = duration(path + ".lease", r.lease());
                        if (lease != null) {
                            attempt(path + ".lease", () -> c.lease(lease));
                        }
                    }
                    forbid(path, r, "capacity", r.capacity(), "refill-rate", r.refillRate(), "interval", r.interval(), "window", r.window(), "period", r.period(), "zone", r.zone());
                    b = c;
                }
                default -> {
                    problem(path + ".type", "must be token-bucket, fixed-window, sliding-window, quota or concurrency, got '"
                            + r.type() + "'");
                    return null;
                }
            }
            if (r.scope() != null) {
                Scope scope = parse(path + ".scope", r.scope(), Scope::parse);
                if (scope != null) {
                    b.scope(scope);
                }
            }
            if (r.mode() != null) {
                Mode mode = parse(path + ".mode", r.mode(), Mode::parse);
                if (mode != null) {
                    b.mode(mode);
                }
            }
            if (problems.size() > before) {
                return null;
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return null;
        }
    }

    private void limit(Rule.WindowBuilder w, Long limit, Meter meter) {
        if (limit == null) {
            return;
        }
        if (meter == Meter.USD) {
            w.limit(Money.ofMicros(limit));
        } else {
            w.limit(limit);
        }
    }

    private void forbid(String path, RawRule r, Object... namesAndValues) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                problem(path + "." + namesAndValues[i], "does not apply to a " + r.type() + " rule");
            }
        }
    }

    private void attempt(String path, Runnable action) {
        try {
            action.run();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            int colon = message.indexOf(": ");
            problem(path, colon > 0 && colon < 70 ? message.substring(colon + 2) : message);
        }
    }

    /** An amount in the meter's unit: micro-USD for usd (parsed exactly from a decimal), else a whole number. */
    private Long amount(String path, String text, Meter meter, boolean required) {
        if (text == null) {
            if (required) {
                problem(path, "is required");
            }
            return null;
        }
        String t = text.trim();
        if (meter == Meter.USD) {
            try {
                return Money.usd(t).micros();
            } catch (IllegalArgumentException e) {
                problem(path, e.getMessage());
                return null;
            }
        }
        try {
            long v = Long.parseLong(t.replace("_", ""));
            if (v <= 0) {
                problem(path, "must be > 0, got " + t);
                return null;
            }
            return v;
        } catch (NumberFormatException e) {
            problem(path, "must be a whole number of " + meter.label() + ", got '" + t + "'");
            return null;
        }
    }

    private Duration duration(String path, String text) {
        try {
            Duration d = Durations.parse(text);
            if (d.isZero()) {
                problem(path, "must be > 0, got '" + text + "'");
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return null;
        }
    }

    private long size(String path, String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            problem(path, "must be a size like 10MB, 512KB or 1048576, got '" + text + "'");
            return 0;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        // Binary units either way: people who write 10MB for a body limit mean 10 x 2^20 bytes.
        long factor = switch (unit) {
            case "kb", "kib" -> 1_024L;
            case "mb", "mib" -> 1_048_576L;
            case "gb", "gib" -> 1_073_741_824L;
            default -> 1L;
        };
        if (n <= 0) {
            problem(path, "must be > 0, got '" + text + "'");
        }
        return n * factor;
    }

    private <T> T parse(String path, String text, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return null;
        }
    }

    private List<Config.KeyConfig> keys(List<RawKey> raw, Policy policy) {
        List<Config.KeyConfig> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        Map<String, String> seen = new LinkedHashMap<>();
        for (int i = 0; i < raw.size(); i++) {
            String path = "keys[" + i + "]";
            RawKey k = raw.get(i);
            if (k == null) {
                problem(path, "is empty");
                continue;
            }
            byte[] hash = hash(path, k.key(), k.keySha256());
            if (k.user() == null || k.user().isBlank()) {
                problem(path + ".user", "is required");
            }
            if (k.plan() == null) {
                problem(path + ".plan", "is required; known plans: " + String.join(", ", policy.plans().keySet()));
            } else if (!policy.plans().containsKey(k.plan())) {
                problem(path + ".plan", "unknown plan '" + k.plan() + "'; known plans: "
                        + String.join(", ", policy.plans().keySet()));
            }
            if (hash == null || k.user() == null || k.plan() == null) {
                continue;
            }
            String hex = HexFormat.of().formatHex(hash);
            String previous = seen.put(hex, path);
            if (previous != null) {
                problem(path, "the same key as " + previous);
            }
            out.add(new Config.KeyConfig(hash, hex.substring(0, 12), k.user(), k.plan(), k.team(), k.org(),
                    Boolean.TRUE.equals(k.revoked())));
        }
        return out;
    }

    private byte[] hash(String path, String key, String sha256) {
        if ((key == null) == (sha256 == null)) {
            problem(path, "give exactly one of key (the key itself) or key-sha256 (its SHA-256 hash, 64 hex digits)");
            return null;
        }
        if (key != null) {
            if (key.isBlank()) {
                problem(path + ".key", "must not be blank");
                return null;
            }
            return Keys.sha256(key);
        }
        if (!HEX64.matcher(sha256).matches()) {
            problem(path + ".key-sha256", "must be 64 hex digits (a SHA-256 hash), got " + sha256.length() + " characters");
            return null;
        }
        return HexFormat.of().parseHex(sha256.toLowerCase(Locale.ROOT));
    }

    private Config.MockConfig mock(RawMock raw) {
        Config.MockConfig d = Config.MockConfig.DEFAULTS;
        if (raw == null) {
            return d;
        }
        long out = raw.outputTokens() == null ? d.outputTokens() : raw.outputTokens();
        long cached = raw.cachedTokens() == null ? d.cachedTokens() : raw.cachedTokens();
        long reasoning = raw.reasoningTokens() == null ? d.reasoningTokens() : raw.reasoningTokens();
        if (out < 1) {
            problem("mock.output-tokens", "must be >= 1, got " + out);
        }
        if (cached < 0) {
            problem("mock.cached-tokens", "must be >= 0, got " + cached);
        }
        if (reasoning < 0) {
            problem("mock.reasoning-tokens", "must be >= 0, got " + reasoning);
        }
        Duration delay = d.tokenDelay();
        if (raw.tokenDelay() != null) {
            try {
                delay = Durations.parse(raw.tokenDelay());
            } catch (IllegalArgumentException e) {
                problem("mock.token-delay", e.getMessage());
            }
        }
        return new Config.MockConfig(out, cached, reasoning, delay);
    }

    // ------------------------------------------------------------------------------------------ raw records

    record RawConfig(RawServer server, RawStore store, Map<String, RawUpstream> upstreams, RawEstimation estimation,
                     LinkedHashMap<String, RawPlan> plans, List<RawKey> keys, List<RawServiceKey> serviceKeys,
                     RawDecisionApi decisionApi, RawMock mock, List<String> models) {}

    record RawServer(String host, Integer port, String maxBodySize) {}

    record RawStore(String type, String url, String failureMode, String timeout, Boolean cluster, String localShare) {}

    record RawUpstream(String baseUrl, String apiKey, String connectTimeout, String idleTimeout, String timeout) {}

    record RawEstimation(Long defaultMaxOutputTokens, String priceFile) {}

    record RawPlan(List<RawRule> rules) {}

    record RawRule(String name, String type, String meter, String scope, String mode, String capacity,
                   String refillRate, String interval, String limit, String period, String zone, String window,
                   String lease) {}

    record RawKey(String key, String keySha256, String user, String plan, String team, String org, Boolean revoked) {}

    record RawServiceKey(String key, String keySha256, String name) {}

    record RawDecisionApi(String reservationTtl) {}

    record RawMock(Long outputTokens, Long cachedTokens, Long reasoningTokens, String tokenDelay) {}
}
