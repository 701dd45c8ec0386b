package dev.tollgate.internal;

import dev.tollgate.Subject;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import dev.tollgate.store.Limit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A policy compiled once into the limits each plan (and each overridden user's plan) applies, sorted by
 * scope so stores can lock or reserve in one fixed order.
 */
public final class CompiledPolicy {

    private final Policy policy;
    private final Map<String, Limit[]> byPlan = new HashMap<>();
    private final Map<String, Map<String, Limit[]>> byOverriddenUser = new HashMap<>();

    /** Compiles every plan and override of the policy. */
    public CompiledPolicy(Policy policy) {
        this.policy = policy;
        for (Plan plan : policy.plans().values()) {
            byPlan.put(plan.name(), compile(plan.rules()));
        }
        for (String user : policy.overrides().keySet()) {
            Map<String, Limit[]> plans = new HashMap<>();
            for (Plan plan : policy.plans().values()) {
                plans.put(plan.name(), compile(policy.rulesFor(user, plan.name())));
            }
            byOverriddenUser.put(user, plans);
        }
    }

    /** The policy this was compiled from. */
    public Policy policy() {
        return policy;
    }

    /**
     * The limits that apply to the subject, sorted by scope.
     *
     * @throws IllegalArgumentException if the subject's plan is unknown
     */
    public Limit[] limitsFor(Subject subject) {
        Map<String, Limit[]> overridden = byOverriddenUser.isEmpty() ? null : byOverriddenUser.get(subject.userId());
        Limit[] limits = (overridden != null ? overridden : byPlan).get(subject.plan());
        if (limits == null) {
            policy.plan(subject.plan()); // throws, naming the plan and the known ones
        }
        return limits;
    }

    private static Limit[] compile(List<Rule> rules) {
        List<Rule> sorted = new ArrayList<>(rules);
        sorted.sort(Comparator.comparing(Rule::scope)); // stable: plan order within a scope
        Limit[] limits = new Limit[sorted.size()];
        for (int i = 0; i < limits.length; i++) {
            limits[i] = Limit.of(sorted.get(i));
        }
        return limits;
    }
}
