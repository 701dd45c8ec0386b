/**
 * What a model call costs: the {@link dev.tollgate.cost.ModelCatalog} of model prices (a bundled data file that
 * users can override), the metered {@link dev.tollgate.cost.Usage} of a call, its exact
 * {@link dev.tollgate.cost.CostBreakdown}, and the dependency-free {@link dev.tollgate.cost.HeuristicEstimator}.
 *
 * <p>Money is integer micro-USD. A call's cost is summed exactly in pico-USD (10^-12 USD: tokens times micro-USD per
 * million tokens) and rounded up once, per call, to whole micro-USD.
 */
package dev.tollgate.cost;
