package dev.tollgate.redis;

/**
 * What a {@link RedisStore} decides while Redis cannot answer (down, unreachable, or slower than the timeout).
 * Chosen per deployment; each trades a different risk to someone's money.
 */
public enum FailureMode {

    /**
     * Deny every call whose rules cannot be checked, with a reason saying that the limit store is unavailable.
     * No budget can be overspent; users are refused service until Redis answers again.
     */
    FAIL_CLOSED,

    /**
     * Allow every call, uncounted, and count the allowances in {@link RedisStore.Stats#failOpenAllowed()}. Users
     * keep working; spend during the outage is not limited by Tollgate at all.
     */
    FAIL_OPEN,

    /**
     * Decide in this process's memory, each instance allowed a configured share of every limit
     * ({@link RedisStore.Builder#localShare(double)}). With N instances and a share of 1/N, spend during the
     * outage stays near the limit; what was spent in Redis before the outage is not seen, so a budget can be
     * spent at most once more, split across instances, per outage.
     */
    LOCAL_FALLBACK
}
