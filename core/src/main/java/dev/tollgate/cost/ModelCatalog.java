package dev.tollgate.cost;

import dev.tollgate.Charge;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Model prices, looked up by the model name a request carries. The bundled catalog is read from
 * {@code dev/tollgate/cost/models.csv}, which records for each price the page it was taken from and the date it was
 * checked.
 *
 * <p>Lookup is by exact name (case-insensitive), then alias, then with a dated snapshot suffix removed:
 * {@code gpt-4o-2024-08-06} is priced as {@code gpt-4o} and {@code claude-sonnet-4-5-20250929} as
 * {@code claude-sonnet-4-5}. A dated name that has its own entry keeps it. An unknown model is an
 * {@link UnknownModelException} naming close names, or the configured default price: never a silent $0.
 *
 * <pre>{@code
 * ModelCatalog catalog = ModelCatalog.bundled().toBuilder()
 *         .put(ModelPrice.builder("my-finetune").provider("openai").input("3.00").output("12.00").build())
 *         .alias("fast", "gpt-5.4-mini")
 *         .build();
 * Charge actual = catalog.charge("gpt-4o-2024-08-06", Usage.openAi(1_200, 1_024, 300, 0));
 * }</pre>
 *
 * <p>A catalog is immutable and safe to share across threads.
 */
public final class ModelCatalog {

    /** Where the bundled data file lives on the class path. */
    public static final String BUNDLED_RESOURCE = "/dev/tollgate/cost/models.csv";

    private static final Pattern SNAPSHOT =
            Pattern.compile("^(.+?)(?:-\\d{4}-\\d{2}-\\d{2}|-\\d{8}|@\\d{8}|-v\\d+(?::\\d+)?)$");

    private static volatile ModelCatalog bundled;

    private final Map<String, ModelPrice> models;
    private final Map<String, String> aliases;
    private final ModelPrice defaultPrice;

    private ModelCatalog(Map<String, ModelPrice> models, Map<String, String> aliases, ModelPrice defaultPrice) {
        this.models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
        this.aliases = Collections.unmodifiableMap(new LinkedHashMap<>(aliases));
        this.defaultPrice = defaultPrice;
    }

    /**
     * The catalog bundled with this release: current OpenAI and Anthropic models. Loaded once.
     *
     * @throws IllegalStateException if the bundled file is missing or invalid (a broken build)
     */
    public static ModelCatalog bundled() {
        ModelCatalog c = bundled;
        if (c == null) {
            synchronized (ModelCatalog.class) {
                c = bundled;
                if (c == null) {
                    try (InputStream in = ModelCatalog.class.getResourceAsStream(BUNDLED_RESOURCE)) {
                        if (in == null) {
                            throw new IllegalStateException("bundled model catalog missing: " + BUNDLED_RESOURCE);
                        }
                        c = builder().load(new InputStreamReader(in, StandardCharsets.UTF_8), BUNDLED_RESOURCE).build();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    bundled = c;
                }
            }
        }
        return c;
    }

    /** An empty builder. Start from {@code bundled().toBuilder()} to extend the bundled prices. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this catalog's entries, aliases and default price. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.models.putAll(models);
        b.aliases.putAll(aliases);
        b.defaultPrice = defaultPrice;
        return b;
    }

    /** The entry for {@code model}, resolving aliases and dated snapshots; empty if unknown (no default applies). */
    public Optional<ModelPrice> find(String model) {
        if (model == null) {
            return Optional.empty();
        }
        String name = model.trim().toLowerCase(Locale.ROOT);
        ModelPrice p = exact(name);
        if (p != null) {
            return Optional.of(p);
        }
        int slash = name.lastIndexOf('/');
        if (slash >= 0 && slash < name.length() - 1) { // "openai/gpt-4o", as routers spell it
            name = name.substring(slash + 1);
            p = exact(name);
            if (p != null) {
                return Optional.of(p);
            }
        }
        Matcher m = SNAPSHOT.matcher(name);
        if (m.matches()) {
            return Optional.ofNullable(exact(m.group(1)));
        }
        return Optional.empty();
    }

    /**
     * The price for {@code model}: its entry, or the default price if one is configured.
     *
     * @throws UnknownModelException if the model is unknown and there is no default price
     */
    public ModelPrice price(String model) {
        Optional<ModelPrice> found = find(model);
        if (found.isPresent()) {
            return found.get();
        }
        if (defaultPrice != null) {
            return defaultPrice;
        }
        throw new UnknownModelException(String.valueOf(model), suggest(model));
    }

    /** True if {@link #price} answers for the model (an entry or a default price). */
    public boolean knows(String model) {
        return defaultPrice != null || find(model).isPresent();
    }

    /**
     * The exact cost of {@code usage} on {@code model}.
     *
     * @throws UnknownModelException if the model is unknown and there is no default price
     */
    public CostBreakdown cost(String model, Usage usage) {
        return price(model).cost(usage);
    }

    /**
     * The charge for {@code usage} on {@code model}: one request, every billed token, the cost in micro-USD rounded
     * up once.
     *
     * @throws UnknownModelException if the model is unknown and there is no default price
     */
    public Charge charge(String model, Usage usage) {
        return price(model).charge(usage);
    }

    /** Every entry, in the order they were added. */
    public Collection<ModelPrice> models() {
        return models.values();
    }

    /** The price used for unknown models, if one is configured. */
    public Optional<ModelPrice> defaultPrice() {
        return Optional.ofNullable(defaultPrice);
    }

    private ModelPrice exact(String name) {
        ModelPrice p = models.get(name);
        if (p == null) {
            String target = aliases.get(name);
            if (target != null) {
                p = models.get(target);
            }
        }
        return p;
    }

    private List<String> suggest(String model) {
        if (model == null || model.isBlank()) {
            return List.of();
        }
        String name = model.trim().toLowerCase(Locale.ROOT);
        List<String> names = new ArrayList<>(models.keySet());
        names.addAll(aliases.keySet());
        int max = Math.max(3, name.length() / 3);
        record Scored(String name, int distance) {}
        List<Scored> scored = new ArrayList<>();
        for (String candidate : names) {
            int d = distance(name, candidate);
            if (d <= max || candidate.startsWith(name) || name.startsWith(candidate)) {
                scored.add(new Scored(candidate, d));
            }
        }
        scored.sort(Comparator.comparingInt(Scored::distance).thenComparing(Scored::name));
        return scored.stream().limit(3).map(Scored::name).toList();
    }

    /** Levenshtein distance; names are short, so the quadratic table is cheap. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Builds a {@link ModelCatalog}. Later entries replace earlier ones of the same name. */
    public static final class Builder {
        private final Map<String, ModelPrice> models = new LinkedHashMap<>();
        private final Map<String, String> aliases = new LinkedHashMap<>();
        private ModelPrice defaultPrice;

        Builder() {}

        /** Adds or replaces the entry for {@code price.model()}. */
        public Builder put(ModelPrice price) {
            Objects.requireNonNull(price, "price");
            models.put(price.model().toLowerCase(Locale.ROOT), price);
            return this;
        }

        /** Removes the entry (and any alias) of that name, if present. */
        public Builder remove(String model) {
            String name = model.trim().toLowerCase(Locale.ROOT);
            models.remove(name);
            aliases.remove(name);
            return this;
        }

        /** Makes {@code alias} resolve to the entry {@code model}; checked when the catalog is built. */
        public Builder alias(String alias, String model) {
            aliases.put(alias.trim().toLowerCase(Locale.ROOT), model.trim().toLowerCase(Locale.ROOT));
            return this;
        }

        /**
         * The price for models the catalog does not know; unset by default, so an unknown model is an error. Set
         * it to a deliberately high price to admit new models without under-charging them.
         */
        public Builder defaultPrice(ModelPrice price) {
            this.defaultPrice = price;
            return this;
        }

        /**
         * Adds the entries of a catalog file in the bundled format (see {@code models.csv}): one model per line,
         * {@code provider,model,context_window,max_output_tokens,input,cached_input,cache_write_5m,cache_write_1h,
         * output,source,checked} with prices in dollars per million tokens (an empty cache price means the input
         * price), {@code alias,<name>,<model>} lines, {@code #} comments.
         *
         * @param origin the file's name, used in error messages
         * @throws IllegalArgumentException naming the origin, line and field of the first invalid line
         */
        public Builder load(Reader reader, String origin) {
            CatalogFile.read(reader, origin, this);
            return this;
        }

        /**
         * The catalog.
         *
         * @throws IllegalArgumentException if an alias points at no entry
         */
        public ModelCatalog build() {
            for (Map.Entry<String, String> a : aliases.entrySet()) {
                if (!models.containsKey(a.getValue())) {
                    throw new IllegalArgumentException(
                            "alias '" + a.getKey() + "' points at unknown model '" + a.getValue() + "'");
                }
            }
            return new ModelCatalog(models, aliases, defaultPrice);
        }
    }
}
