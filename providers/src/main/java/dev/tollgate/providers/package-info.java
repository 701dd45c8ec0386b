/**
 * OpenAI and Anthropic wire formats: {@link dev.tollgate.providers.RequestEstimator} turns a request body into the
 * {@link dev.tollgate.Charge} to reserve, and the meters ({@link dev.tollgate.providers.UsageMeters}) turn a response
 * body or an SSE stream into the {@link dev.tollgate.cost.Usage} that settles it, counting a cut stream's text when
 * the provider's usage never arrived.
 */
package dev.tollgate.providers;
