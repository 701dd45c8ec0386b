package dev.tollgate.providers;

import dev.tollgate.Charge;
import dev.tollgate.cost.ModelPrice;
import dev.tollgate.cost.Usage;

/**
 * What a request may consume, worked out before it is sent.
 *
 * @param endpoint the request's format
 * @param model the model the request names, as written
 * @param price the catalog entry it is priced by
 * @param inputTokens the counted (or, where marked, estimated) input tokens
 * @param outputTokens the output reserved: the request's max tokens, or the default cap, never above the model's max
 * @param inputEstimated true if the input count is an estimate (Anthropic, an unknown encoding, or a huge prompt)
 * @param streaming true if the request asks for a stream
 */
public record RequestEstimate(
        Endpoint endpoint,
        String model,
        ModelPrice price,
        long inputTokens,
        long outputTokens,
        boolean inputEstimated,
        boolean streaming) {

    /** The estimate as usage: all input uncached, all reserved output. */
    public Usage usage() {
        Usage u = Usage.of(inputTokens, outputTokens);
        return inputEstimated ? u.asEstimate() : u;
    }

    /** The charge to reserve: one request, input plus reserved output tokens, and their cost rounded up once. */
    public Charge charge() {
        return price.charge(usage());
    }
}
