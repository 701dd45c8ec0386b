package dev.tollgate.internal;

import dev.tollgate.Subject;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import dev.tollgate.store.Limit;
import dev.tollgate.store.LimitSet;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
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
     * The limits a subject's decisions apply, and the order to list them in.
     *
     * @param limits the limits whose scope the subject has an id for, sorted by scope
     * @param planOrder the indexes of those limits in plan order, or null when that is their own order
     */
    public record Variant(LimitSet limits, int[] planOrder, CompiledPolicy compiledFrom) {
    }

    // A subject's slot for the variant it was last decided with (Subject.compiledRules), private to it.
    private static final VarHandle SUBJECT_RULES;

    static {
        try {
            SUBJECT_RULES = MethodHandles.privateLookupIn(Subject.class, MethodHandles.lookup())
                    .findVarHandle(Subject.class, "compiledRules", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A plan compiled: its limits sorted by scope, and for each combination of scopes a subject may have ids for
     * (a user without a team skips the team rules), the {@link Variant} to apply, built the first time it is needed.
     */
    public static final class Compiled {
        private final CompiledPolicy from;
        private final Limit[] limits;
        private final int[] planRanks;
        // The plan's scopes a subject may lack an id for (every subject has a user id, and global is everyone's), and
        // the mask of those it cannot lack.
        private final Scope[] optionalScopes;
        private final int alwaysPresent;
        private final Variant[] byScopesPresent = new Variant[1 << Scope.values().length];

        private Compiled(CompiledPolicy from, Limit[] limits, int[] planRanks) {
            this.from = from;
            this.limits = limits;
            this.planRanks = planRanks;
            this.optionalScopes = Arrays.stream(limits).map(Limit::scope).distinct()
                    .filter(scope -> scope != Scope.USER && scope != Scope.GLOBAL).toArray(Scope[]::new);
            int always = 0;
            for (Limit limit : limits) {
                if (limit.scope() == Scope.USER || limit.scope() == Scope.GLOBAL) {
                    always |= 1 << limit.scope().ordinal();
                }
            }
            this.alwaysPresent = always;
        }

        /** The limits, sorted by scope (plan order within a scope). */
        public Limit[] limits() {
            return limits.clone();
        }

        /** The limits that apply to this subject: those of the scopes it has an id for. */
        public Variant variantFor(Subject subject) {
            int present = alwaysPresent;
            for (Scope scope : optionalScopes) {
                if (subject.idFor(scope) != null) {
                    present |= 1 << scope.ordinal();
                }
            }
            Variant variant = byScopesPresent[present];
            if (variant == null) {
                // A race builds equal variants; either may stay. Their fields are final, so any is safely seen.
                variant = variant(present);
                byScopesPresent[present] = variant;
            }
            return variant;
        }

        private Variant variant(int present) {
            List<Limit> kept = new ArrayList<>();
            List<Integer> ranks = new ArrayList<>();
            for (int i = 0; i < limits.length; i++) {
                if ((present & (1 << limits[i].scope().ordinal())) != 0) {
                    kept.add(limits[i]);
                    ranks.add(planRanks[i]);
                }
            }
            Integer[] order = new Integer[kept.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparing(ranks::get));
            boolean inPlanOrder = true;
            for (int i = 0; i < order.length; i++) {
                inPlanOrder &= order[i] == i;
            }
            return new Variant(LimitSet.of(kept.toArray(Limit[]::new)),
                    inPlanOrder ? null : Arrays.stream(order).mapToInt(Integer::intValue).toArray(), from);
        }
    }

    private final Policy policy;
    private final Map<String, Compiled> byPlan = new HashMap<>();
    private final Map<String, Map<String, Compiled>> byOverriddenUser = new HashMap<>();

    /** Compiles every plan and override of the policy. */
    public CompiledPolicy(Policy policy) {
        this.policy = policy;
        for (Plan plan : policy.plans().values()) {
            byPlan.put(plan.name(), compile(this, plan.rules()));
        }
        for (String user : policy.overrides().keySet()) {
            Map<String, Compiled> plans = new HashMap<>();
            for (Plan plan : policy.plans().values()) {
                plans.put(plan.name(), compile(this, policy.rulesFor(user, plan.name())));
            }
            byOverriddenUser.put(user, plans);
        }
    }

    /** The policy this was compiled from. */
    public Policy policy() {
        return policy;
    }

    /**
     * The limits of the subject's plan, sorted by scope.
     *
     * @throws IllegalArgumentException if the subject's plan is unknown
     */
    public Limit[] limitsFor(Subject subject) {
        return compiledFor(subject).limits();
    }

    /**
     * The limits that apply to this subject, and their plan order.
     *
     * @throws IllegalArgumentException if the subject's plan is unknown
     */
    public Variant variantFor(Subject subject) {
        // Which rules apply depends only on the subject's ids and this policy, so a subject kept across calls keeps
        // the answer: a field read instead of a look-up of its plan by name and of its scopes' variant. A variant
        // holds only final fields, so one written by a racing thread is seen whole.
        if (SUBJECT_RULES.get(subject) instanceof Variant known && known.compiledFrom() == this) {
            return known;
        }
        Variant variant = compiledFor(subject).variantFor(subject);
        SUBJECT_RULES.set(subject, variant);
        return variant;
    }

    /**
     * The subject's plan, compiled.
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

    private static Compiled compile(CompiledPolicy from, List<Rule> rules) {
        List<Integer> sorted = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            sorted.add(i);
        }
        sorted.sort(Comparator.comparing(i -> rules.get(i).scope())); // stable: plan order within a scope
        Limit[] limits = new Limit[sorted.size()];
        int[] ranks = new int[sorted.size()];
        for (int i = 0; i < limits.length; i++) {
            ranks[i] = sorted.get(i);
            limits[i] = Limit.of(rules.get(ranks[i]));
        }
        return new Compiled(from, limits, ranks);
    }
}
