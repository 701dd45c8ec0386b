package dev.tollgate.cost;

import dev.tollgate.Charge;
import dev.tollgate.policy.Money;
import java.util.Objects;

/**
 * One model's prices and limits. Prices are integer micro-USD per million tokens, so $2.50 per million tokens is
 * {@code 2_500_000} and $0.075 is {@code 75_000}: every published price is exact, and no {@code double} is involved.
 *
 * <p>Reasoning tokens bill as output. Providers without separate cache-write prices (OpenAI) bill cache writes as
 * plain input, which is what {@link Builder} sets when no cache-write price is given.
 *
 * @param model the model (family) name, lower case, e.g. {@code gpt-4o}
 * @param provider {@code openai}, {@code anthropic} or any other name
 * @param contextWindow the most tokens (input and output) a call may use
 * @param maxOutputTokens the most output tokens a call may produce; 0 for embedding models
 * @param inputMicrosPerMillion uncached input
 * @param cachedInputMicrosPerMillion input read from the prompt cache
 * @param cacheWrite5mMicrosPerMillion input written to a 5-minute cache
 * @param cacheWrite1hMicrosPerMillion input written to a 1-hour cache
 * @param outputMicrosPerMillion output, reasoning included
 */
public record ModelPrice(
        String model,
        String provider,
        long contextWindow,
        long maxOutputTokens,
        long inputMicrosPerMillion,
        long cachedInputMicrosPerMillion,
        long cacheWrite5mMicrosPerMillion,
        long cacheWrite1hMicrosPerMillion,
        long outputMicrosPerMillion) {

    /** Names are required; counts and prices must be >= 0 and the context window > 0. */
    public ModelPrice {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(provider, "provider");
        if (model.isBlank()) {
            throw new IllegalArgumentException("model name must not be blank");
        }
        if (contextWindow <= 0) {
            throw new IllegalArgumentException("context window must be > 0, got " + contextWindow + " (" + model + ")");
        }
        nonNegative(maxOutputTokens, "max output tokens", model);
        nonNegative(inputMicrosPerMillion, "input price", model);
        nonNegative(cachedInputMicrosPerMillion, "cached input price", model);
        nonNegative(cacheWrite5mMicrosPerMillion, "5-minute cache write price", model);
        nonNegative(cacheWrite1hMicrosPerMillion, "1-hour cache write price", model);
        nonNegative(outputMicrosPerMillion, "output price", model);
    }

    /** A builder for a model's entry; prices are decimal dollars per million tokens, e.g. {@code "2.50"}. */
    public static Builder builder(String model) {
        return new Builder(model);
    }

    /**
     * The exact cost of a call's usage, part by part.
     *
     * @throws ArithmeticException if the cost does not fit in a long (more than about 9 million USD)
     */
    public CostBreakdown cost(Usage usage) {
        return new CostBreakdown(
                Math.multiplyExact(usage.inputTokens(), inputMicrosPerMillion),
                Math.multiplyExact(usage.cachedInputTokens(), cachedInputMicrosPerMillion),
                Math.addExact(
                        Math.multiplyExact(usage.cacheWrite5mTokens(), cacheWrite5mMicrosPerMillion),
                        Math.multiplyExact(usage.cacheWrite1hTokens(), cacheWrite1hMicrosPerMillion)),
                Math.multiplyExact(usage.outputTokens(), outputMicrosPerMillion));
    }

    /**
     * The charge for a call's usage: one request, every billed token, and the cost rounded up once to micro-USD.
     */
    public Charge charge(Usage usage) {
        return new Charge(1, usage.billedTokens(), cost(usage).micros());
    }

    private static void nonNegative(long value, String field, String model) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + value + " (" + model + ")");
        }
    }

    /** Builds a {@link ModelPrice}. Unset cache prices default to the input price, never to zero. */
    public static final class Builder {
        private final String model;
        private String provider = "custom";
        private long contextWindow = 128_000;
        private long maxOutputTokens = 16_384;
        private Long input;
        private Long cachedInput;
        private Long cacheWrite5m;
        private Long cacheWrite1h;
        private Long output;

        Builder(String model) {
            this.model = Objects.requireNonNull(model, "model").trim().toLowerCase(java.util.Locale.ROOT);
        }

        /** The provider's name; {@code custom} unless set. */
        public Builder provider(String name) {
            this.provider = Objects.requireNonNull(name, "provider");
            return this;
        }

        /** The context window in tokens; 128,000 unless set. */
        public Builder contextWindow(long tokens) {
            this.contextWindow = tokens;
            return this;
        }

        /** The most output tokens per call; 16,384 unless set. */
        public Builder maxOutputTokens(long tokens) {
            this.maxOutputTokens = tokens;
            return this;
        }

        /** Uncached input, in dollars per million tokens. Required. */
        public Builder input(String usdPerMillion) {
            this.input = Money.usd(usdPerMillion).micros();
            return this;
        }

        /** Cached input, in dollars per million tokens; the input price unless set. */
        public Builder cachedInput(String usdPerMillion) {
            this.cachedInput = Money.usd(usdPerMillion).micros();
            return this;
        }

        /** 5-minute cache writes, in dollars per million tokens; the input price unless set. */
        public Builder cacheWrite5m(String usdPerMillion) {
            this.cacheWrite5m = Money.usd(usdPerMillion).micros();
            return this;
        }

        /** 1-hour cache writes, in dollars per million tokens; the input price unless set. */
        public Builder cacheWrite1h(String usdPerMillion) {
            this.cacheWrite1h = Money.usd(usdPerMillion).micros();
            return this;
        }

        /** Output (reasoning included), in dollars per million tokens. Required. */
        public Builder output(String usdPerMillion) {
            this.output = Money.usd(usdPerMillion).micros();
            return this;
        }

        /**
         * The entry.
         *
         * @throws IllegalArgumentException if the input or output price is missing, or a value is out of range
         */
        public ModelPrice build() {
            if (input == null) {
                throw new IllegalArgumentException("input price is required (" + model + ")");
            }
            if (output == null) {
                throw new IllegalArgumentException("output price is required (" + model + ")");
            }
            return new ModelPrice(model, provider, contextWindow, maxOutputTokens, input,
                    cachedInput != null ? cachedInput : input,
                    cacheWrite5m != null ? cacheWrite5m : input,
                    cacheWrite1h != null ? cacheWrite1h : input,
                    output);
        }
    }
}
