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
        Operations ops = operations(subject, charge);
        Outcome outcome = store.apply(new Batch(ops.list(), false, 0));
        return Decisions.from(ops.list(), ops.planOrder(), outcome, null);
    }

    @Override
    public Reservation reserve(Subject subject, Charge estimate) {
        Operations ops = operations(subject, estimate);
        // Random ids, not a counter: concurrency leases in a shared store must not collide across processes.
        long id = ThreadLocalRandom.current().nextLong();
        Outcome outcome = store.apply(new Batch(ops.list(), true, id));
        return new DefaultReservation(store, estimate, ops.list(), ops.planOrder(), outcome, id);
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

    // The operations in scope order, as stores need them, and their indexes in plan order (null when the same).
    private record Operations(List<Operation> list, int[] planOrder) {
    }

    private Operations operations(Subject subject, Charge charge) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(charge, "charge");
        CompiledPolicy.Compiled plan = compiled.compiledFor(subject);
        Limit[] limits = plan.limits();
        String onlyEntity = limits.length == 1 ? subject.idFor(limits[0].scope()) : null;
        if (onlyEntity != null) {
            // The one-rule plan: an immutable one-element list costs one small object, not a list and its array.
            Limit limit = limits[0];
            return new Operations(List.of(new Operation(limit, onlyEntity, charge.amount(limit.rule().meter()))), null);
        }
        List<Operation> ops = new ArrayList<>(limits.length);
        int[] ranks = plan.inPlanOrder() ? null : new int[limits.length];
        for (int i = 0; i < limits.length; i++) {
            Limit limit = limits[i];
            String entity = subject.idFor(limit.scope());
            if (entity != null) {
                if (ranks != null) {
                    ranks[ops.size()] = plan.planRanks()[i];
                }
                ops.add(new Operation(limit, entity, charge.amount(limit.rule().meter())));
            }
        }
        return new Operations(ops, ranks == null ? null : planOrder(ranks, ops.size()));
    }

    // Operation indexes sorted by plan rank: a handful of rules, so an insertion sort.
    private static int[] planOrder(int[] ranks, int size) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            int j = i;
            while (j > 0 && ranks[order[j - 1]] > ranks[i]) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
        return order;
    }
}
