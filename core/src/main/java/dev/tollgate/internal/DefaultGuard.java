package dev.tollgate.internal;

import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.policy.Policy;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Outcome;
import dev.tollgate.store.Store;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/** The guard: compiles the policy, asks the store, and wraps what it answers. */
public final class DefaultGuard implements Guard {

    private final Store store;
    private volatile CompiledPolicy compiled;

    /** A guard over this store. */
    public DefaultGuard(Policy policy, Store store) {
        this.compiled = new CompiledPolicy(Objects.requireNonNull(policy, "policy"));
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public Decision check(Subject subject, Charge charge) {
        CompiledPolicy.Variant variant = variantFor(subject, charge);
        Batch batch = Batch.of(variant.limits(), subject, charge, false, 0);
        Outcome outcome = store.apply(batch);
        return Decisions.from(batch, variant.planOrder(), outcome, null);
    }

    @Override
    public Reservation reserve(Subject subject, Charge estimate) {
        CompiledPolicy.Variant variant = variantFor(subject, estimate);
        // Random ids, not a counter: concurrency leases in a shared store must not collide across processes.
        long id = ThreadLocalRandom.current().nextLong();
        DefaultReservation reservation = new DefaultReservation(store, variant.limits(), subject, estimate, id,
                variant.planOrder());
        store.decide(reservation);
        return reservation;
    }

    @Override
    public Policy policy() {
        return compiled.policy();
    }

    @Override
    public void updatePolicy(Policy policy) {
        this.compiled = new CompiledPolicy(Objects.requireNonNull(policy, "policy"));
    }

    @Override
    public void close() {
        store.close();
    }

    private CompiledPolicy.Variant variantFor(Subject subject, Charge charge) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(charge, "charge");
        return compiled.variantFor(subject);
    }
}
