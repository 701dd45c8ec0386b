package dev.tollgate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.Charge;
import dev.tollgate.Subject;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import dev.tollgate.store.Batch;
import dev.tollgate.store.Limit;
import dev.tollgate.store.LimitSet;
import dev.tollgate.store.Operation;
import dev.tollgate.testing.PropertyRuns;
import dev.tollgate.testing.Seeds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The limits a subject's decisions apply: random plans over every scope, and subjects with random ids, against the
 * plain rule "the plan's rules whose scope the subject has an id for, sorted by scope, listed in plan order".
 */
class CompiledPolicyVariantTest {

    private static final Scope[] SCOPES = Scope.values();

    @Test
    void aSubjectGetsTheRulesOfTheScopesItHasIdsForSortedByScopeAndListedInPlanOrder() {
        long seed = Seeds.seed();
        PropertyRuns.replayable(seed, () -> {
            Random random = new Random(seed);
            for (int run = 0; run < PropertyRuns.sequences(300); run++) {
                Plan plan = Plan.named("p");
                List<Rule> rules = new ArrayList<>();
                int count = 1 + random.nextInt(8);
                for (int i = 0; i < count; i++) {
                    Rule rule = Rule.fixedWindow("r" + i).scope(SCOPES[random.nextInt(SCOPES.length)]).limit(10)
                            .window(Duration.ofMinutes(1)).build();
                    rules.add(rule);
                    plan = plan.rule(rule);
                }
                CompiledPolicy compiled = new CompiledPolicy(Policy.of(plan));
                for (int s = 0; s < 8; s++) {
                    Subject subject = Subject.user("u" + s, "p");
                    if (random.nextBoolean()) {
                        subject = subject.inTeam("t");
                    }
                    if (random.nextBoolean()) {
                        subject = subject.inOrg("o");
                    }
                    if (random.nextBoolean()) {
                        subject = subject.withKey("k");
                    }
                    if (random.nextBoolean()) {
                        subject = subject.withIp("10.0.0.1");
                    }
                    Subject who = subject;
                    List<Rule> expectedInPlanOrder = rules.stream().filter(r -> who.idFor(r.scope()) != null).toList();
                    List<Rule> expectedByScope = expectedInPlanOrder.stream()
                            .sorted(Comparator.comparing(Rule::scope)).toList();

                    CompiledPolicy.Variant variant = compiled.variantFor(subject);
                    LimitSet limits = variant.limits();
                    List<Rule> byScope = new ArrayList<>();
                    for (int i = 0; i < limits.size(); i++) {
                        byScope.add(limits.limit(i).rule());
                    }
                    assertThat(byScope).as("%s on %s %s", subject, rules, Seeds.describe(seed))
                            .isEqualTo(expectedByScope);
                    int[] order = variant.planOrder();
                    List<Rule> listed = new ArrayList<>();
                    for (int i = 0; i < limits.size(); i++) {
                        listed.add(limits.limit(order == null ? i : order[i]).rule());
                    }
                    assertThat(listed).as("plan order, %s", Seeds.describe(seed)).isEqualTo(expectedInPlanOrder);
                    assertThat(compiled.variantFor(subject)).as("built once").isSameAs(variant);
                }
            }
        });
    }

    @Test
    void aBatchOfALimitSetReadsTheSameOperationsAsTheListOfThem() {
        Plan plan = Plan.named("p")
                .rule(Rule.tokenBucket("burst").capacity(5).refill(5, Duration.ofMinutes(1)))
                .rule(Rule.quota("team-tokens").meter(dev.tollgate.policy.Meter.TOKENS).limit(100)
                        .per(dev.tollgate.policy.Period.DAY).scope(Scope.TEAM));
        Subject alice = Subject.user("alice", "p").inTeam("research");
        Charge charge = Charge.tokens(30).plusRequest();
        LimitSet limits = new CompiledPolicy(Policy.of(plan)).variantFor(alice).limits();
        Batch batch = Batch.of(limits, alice, charge, true, 7);

        assertThat(batch.operations()).containsExactly(
                new Operation(limits.limit(0), "alice", 1),
                new Operation(limits.limit(1), "research", 30));
        Batch listed = new Batch(batch.operations(), true, 7);
        for (int i = 0; i < batch.size(); i++) {
            assertThat(listed.limit(i)).isSameAs(batch.limit(i));
            assertThat(listed.entity(i)).isEqualTo(batch.entity(i));
            assertThat(listed.amount(i)).isEqualTo(batch.amount(i));
        }
    }

    @Test
    void aLimitSetMustBeSortedByScope() {
        Limit team = Limit.of(Rule.fixedWindow("team-rate").scope(Scope.TEAM).limit(1).window(Duration.ofMinutes(1))
                .build());
        Limit user = Limit.of(Rule.fixedWindow("user-rate").limit(1).window(Duration.ofMinutes(1)).build());
        assertThat(LimitSet.of(user, team).size()).isEqualTo(2);
        assertThatThrownBy(() -> LimitSet.of(team, user))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sorted by scope")
                .hasMessageContaining("user-rate (USER) comes after team-rate (TEAM)");
    }
}
