package dev.tollgate.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A named set of rules, such as {@code free}, {@code pro} or {@code enterprise}. Every rule of a subject's
 * plan is evaluated in one decision, atomically. Plans are immutable: {@link #rule} returns a new plan.
 *
 * <pre>{@code
 * Plan free = Plan.named("free")
 *     .rule(Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1)))
 *     .rule(Rule.quota("daily-tokens").meter(TOKENS).limit(20_000).per(DAY));
 * }</pre>
 */
public final class Plan {

    private final String name;
    private final List<Rule> rules;

    private Plan(String name, List<Rule> rules) {
        this.name = name;
        this.rules = rules;
    }

    /** An empty plan: every call is allowed until rules are added. */
    public static Plan named(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("plan name must not be blank, got " + (name == null ? "null" : "'" + name + "'"));
        }
        return new Plan(name, List.of());
    }

    /** This plan with one more rule, built from the builder. */
    public Plan rule(Rule.Builder<?> rule) {
        Objects.requireNonNull(rule, "rule");
        return rule(rule.build());
    }

    /**
     * This plan with one more rule.
     *
     * @throws IllegalArgumentException if the plan already has a rule of that name
     */
    public Plan rule(Rule rule) {
        Objects.requireNonNull(rule, "rule");
        for (Rule existing : rules) {
            if (existing.name().equals(rule.name())) {
                throw new IllegalArgumentException("plan " + name + " already has a rule named " + rule.name());
            }
        }
        List<Rule> more = new ArrayList<>(rules);
        more.add(rule);
        return new Plan(name, Collections.unmodifiableList(more));
    }

    /**
     * This plan with the rule of the same name replaced, or added if there is none. Per-user overrides use it.
     */
    public Plan withRule(Rule rule) {
        Objects.requireNonNull(rule, "rule");
        List<Rule> more = new ArrayList<>(rules);
        more.removeIf(r -> r.name().equals(rule.name()));
        more.add(rule);
        return new Plan(name, Collections.unmodifiableList(more));
    }

    /** The plan's name. */
    public String name() {
        return name;
    }

    /** The plan's rules, in the order they were added. */
    public List<Rule> rules() {
        return rules;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Plan p && p.name.equals(name) && p.rules.equals(rules);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + rules.hashCode();
    }

    @Override
    public String toString() {
        return "Plan " + name + " " + rules;
    }
}
