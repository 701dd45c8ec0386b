package dev.tollgate.internal;

import dev.tollgate.Charge;
import dev.tollgate.Decision;
import dev.tollgate.Guard;
import dev.tollgate.Reservation;
import dev.tollgate.Subject;
import dev.tollgate.policy.Policy;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Limit;
import dev.tollgate.store.Operation;
import dev.tollgate.store.Outcome;
import dev.tollgate.store.Store;
import java.util.ArrayList;
import java.util.List;
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
        List<Operation> ops = operations(subject, charge);
        Outcome outcome = store.apply(new Batch(ops, false, 0));
        return Decisions.from(ops, outcome, null);
    }

    @Override
    public Reservation reserve(Subject subject, Charge estimate) {
        List<Operation> ops = operations(subject, estimate);
        // Random ids, not a counter: concurrency leases in a shared store must not collide across processes.
        long id = ThreadLocalRandom.current().nextLong();
        Outcome outcome = store.apply(new Batch(ops, true, id));
        return new DefaultReservation(store, estimate, ops, outcome, id);
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

    private List<Operation> operations(Subject subject, Charge charge) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(charge, "charge");
        Limit[] limits = compiled.limitsFor(subject);
        List<Operation> ops = new ArrayList<>(limits.length);
        for (Limit limit : limits) {
            String entity = subject.idFor(limit.scope());
            if (entity != null) {
                ops.add(new Operation(limit, entity, charge.amount(limit.rule().meter())));
            }
        }
        return ops;
    }
}
