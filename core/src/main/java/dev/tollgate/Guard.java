package dev.tollgate;

import dev.tollgate.internal.DefaultGuard;
import dev.tollgate.policy.Policy;
import dev.tollgate.store.MemoryStore;
import dev.tollgate.store.Store;
import java.time.Clock;
import java.util.Objects;

/**
 * The budget engine: decides whether a subject may make a call that costs a {@link Charge}, and charges it.
 * Every rule that applies to the subject (their plan's rules, overrides included, across the user, key, ip,
 * team, org and global scopes) is evaluated in one atomic step: a call is charged to every rule or to none.
 *
 * <pre>{@code
 * Guard guard = Guard.inMemory(Policy.of(free, pro));
 * Reservation r = guard.reserve(Subject.user("alice", "free"), Charge.tokens(1_200).plusRequest());
 * if (r.denied()) return tooManyRequests(r.decision());
 * try { ... call the model ... } finally { r.settle(Charge.tokens(actualIn + actualOut).usd(actualCost)); }
 * }</pre>
 *
 * <p>A guard is safe to share across threads.
 */
public interface Guard extends AutoCloseable {

    /** A guard that keeps its state in this process's memory, on the system clock. */
    static Guard inMemory(Policy policy) {
        return builder(policy).build();
    }

    /** A builder for a guard with another store or clock. */
    static Builder builder(Policy policy) {
        return new Builder(policy);
    }

    /**
     * Decides without charging anything: would this call be allowed now?
     *
     * @throws IllegalArgumentException if the subject's plan is unknown
     */
    Decision check(Subject subject, Charge charge);

    /**
     * Decides and, if allowed, charges the estimate to every rule at once. Atomic: either every rule is charged or
     * none is. Settle or release the reservation when the call ends.
     *
     * @throws IllegalArgumentException if the subject's plan is unknown
     */
    Reservation reserve(Subject subject, Charge estimate);

    /** What the subject has left on every rule: a check with no charge. */
    default Decision status(Subject subject) {
        return check(subject, Charge.NONE);
    }

    /** The policy the guard enforces. */
    Policy policy();

    /**
     * Replaces the policy. Usage is kept: state belongs to rule names, so a raised limit takes effect at once.
     *
     * @throws IllegalArgumentException if the policy is invalid
     */
    void updatePolicy(Policy policy);

    /** Closes the store. */
    @Override
    void close();

    /** Builds a {@link Guard}. */
    final class Builder {
        private final Policy policy;
        private Clock clock;
        private Store store;

        Builder(Policy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /**
         * The clock of the memory store this builder makes when no store is given. Unless set, the store reads the
         * system UTC clock to the millisecond ({@link MemoryStore#create()}); tests inject one to travel in time.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The store that keeps state; a new {@link MemoryStore} on the builder's clock unless set. */
        public Builder store(Store store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The guard. */
        public Guard build() {
            Store chosen = store != null ? store : clock != null ? MemoryStore.withClock(clock) : MemoryStore.create();
            return new DefaultGuard(policy, chosen);
        }
    }
}
