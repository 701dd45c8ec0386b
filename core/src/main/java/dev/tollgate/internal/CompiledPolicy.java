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

    /**
     * The limits of a plan, sorted by scope for the store, and for each the position of its rule in the plan, so
     * that decisions can list rules in plan order.
     *
     * @param limits the limits, sorted by scope (plan order within a scope)
     * @param planRanks for each limit, its rule's position in the plan
     * @param inPlanOrder true if sorting by scope kept the plan order, so no reordering is needed
     */
    public record Compiled(Limit[] limits, int[] planRanks, boolean inPlanOrder) {
    }

    private final Policy policy;
    private final Map<String, Compiled> byPlan = new HashMap<>();
    private final Map<String, Map<String, Compiled>> byOverriddenUser = new HashMap<>();

    /** Compiles every plan and override of the policy. */
    public CompiledPolicy(Policy policy) {
        this.policy = policy;
        for (Plan plan : policy.plans().values()) {
            byPlan.put(plan.name(), compile(plan.rules()));
        }
        for (String user : policy.overrides().keySet()) {
            Map<String, Compiled> plans = new HashMap<>();
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
        return compiledFor(subject).limits();
    }

    /**
     * The limits that apply to the subject, sorted by scope, with their plan positions.
     *
     * @throws IllegalArgumentException if the subject's plan is unknown
     */
    public Compiled compiledFor(Subject subject) {
        Map<String, Compiled> overridden = byOverriddenUser.isEmpty() ? null : byOverriddenUser.get(subject.userId());
        Compiled compiled = (overridden != null ? overridden : byPlan).get(subject.plan());
        if (compiled == null) {
            policy.plan(subject.plan()); // throws, naming the plan and the known ones
        }
        return compiled;
    }

    private static Compiled compile(List<Rule> rules) {
        List<Integer> sorted = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            sorted.add(i);
        }
        sorted.sort(Comparator.comparing(i -> rules.get(i).scope())); // stable: plan order within a scope
        Limit[] limits = new Limit[sorted.size()];
        int[] ranks = new int[sorted.size()];
        boolean inPlanOrder = true;
        for (int i = 0; i < limits.length; i++) {
            ranks[i] = sorted.get(i);
            limits[i] = Limit.of(rules.get(ranks[i]));
            inPlanOrder &= ranks[i] == i;
        }
        return new Compiled(limits, ranks, inPlanOrder);
    }
}
