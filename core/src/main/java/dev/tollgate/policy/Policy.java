package dev.tollgate.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every plan, plus per-user overrides. A policy is immutable; plan names are unique.
 *
 * <p>Rule state belongs to a scope entity and a rule's name, algorithm and meter: two plans whose "daily"
 * team quota agree on those share the team's budget, and a user who changes plan keeps the usage of every
 * rule the two plans have in common.
 *
 * <pre>{@code
 * Policy policy = Policy.of(free, pro)
 *     .withOverride("alice", Rule.quota("daily-tokens").meter(TOKENS).limit(50_000).per(DAY));
 * }</pre>
 */
public final class Policy {

    private final Map<String, Plan> plans;
    private final Map<String, List<Rule>> overrides;

    private Policy(Map<String, Plan> plans, Map<String, List<Rule>> overrides) {
        this.plans = plans;
        this.overrides = overrides;
    }

    /**
     * A policy of these plans.
     *
     * @throws IllegalArgumentException if two plans share a name
     */
    public static Policy of(Plan... plans) {
        return of(List.of(plans));
    }

    /** A policy of these plans; see {@link #of(Plan...)}. */
    public static Policy of(List<Plan> plans) {
        Objects.requireNonNull(plans, "plans");
        if (plans.isEmpty()) {
            throw new IllegalArgumentException("a policy needs at least one plan");
        }
        Map<String, Plan> byName = new LinkedHashMap<>();
        for (Plan plan : plans) {
            Objects.requireNonNull(plan, "plan");
            if (byName.putIfAbsent(plan.name(), plan) != null) {
                throw new IllegalArgumentException("two plans are named " + plan.name());
            }
        }
        return new Policy(Collections.unmodifiableMap(byName), Map.of());
    }

    /** This policy with a per-user override built from the builder; see {@link #withOverride(String, Rule)}. */
    public Policy withOverride(String userId, Rule.Builder<?> rule) {
        Objects.requireNonNull(rule, "rule");
        return withOverride(userId, rule.build());
    }

    /**
     * This policy with a per-user override: for this user, the rule replaces the plan's rule of the same name
     * (raising or lowering it), or is added when the plan has none. The user keeps their usage: state is
     * shared by rule name, so raising a limit takes effect at once.
     */
    public Policy withOverride(String userId, Rule rule) {
        if (userId == null || userId.isEmpty()) {
            throw new IllegalArgumentException("override user id must not be empty, got "
                    + (userId == null ? "null" : "''"));
        }
        Objects.requireNonNull(rule, "rule");
        Map<String, List<Rule>> more = new LinkedHashMap<>(overrides);
        List<Rule> rules = new ArrayList<>(more.getOrDefault(userId, List.of()));
        rules.removeIf(r -> r.name().equals(rule.name()));
        rules.add(rule);
        more.put(userId, Collections.unmodifiableList(rules));
        return new Policy(plans, Collections.unmodifiableMap(more));
    }

    /** The plans by name, in the order given. */
    public Map<String, Plan> plans() {
        return plans;
    }

    /** The per-user override rules, by user id. */
    public Map<String, List<Rule>> overrides() {
        return overrides;
    }

    /**
     * The plan of this name.
     *
     * @throws IllegalArgumentException naming the plan and the known plans when there is none
     */
    public Plan plan(String name) {
        Plan plan = name == null ? null : plans.get(name);
        if (plan == null) {
            throw new IllegalArgumentException("unknown plan " + (name == null ? "null" : "'" + name + "'")
                    + "; known plans: " + String.join(", ", plans.keySet()));
        }
        return plan;
    }

    /** The rules that apply to this user on this plan, overrides included. */
    public List<Rule> rulesFor(String userId, String planName) {
        Plan plan = plan(planName);
        List<Rule> userOverrides = overrides.get(userId);
        if (userOverrides == null) {
            return plan.rules();
        }
        for (Rule override : userOverrides) {
            plan = plan.withRule(override);
        }
        return plan.rules();
    }

    @Override
    public String toString() {
        return "Policy " + plans.values() + (overrides.isEmpty() ? "" : " overrides " + overrides);
    }
}
