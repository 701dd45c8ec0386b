package dev.tollgate.policy;

import static dev.tollgate.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Plans and policies are checked as a whole when they are made, naming the plan, rule or user at fault. */
class PolicyValidationTest {

    private static Rule window(String name, Meter meter) {
        return Rule.fixedWindow(name).meter(meter).limit(10).window(Duration.ofMinutes(1)).build();
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " ", "\t"})
    void planNamesMustNotBeBlank(String name) {
        assertRejected(() -> Plan.named(name), "plan name", name == null ? "null" : "'" + name + "'");
    }

    @Test
    void aPlanCannotHaveTwoRulesOfOneName() {
        Plan plan = Plan.named("free").rule(window("burst", Meter.REQUESTS));
        assertRejected(() -> plan.rule(window("burst", Meter.TOKENS)), "plan free", "burst");
        assertRejected(() -> plan.rule(Rule.concurrency("burst").limit(1)), "plan free", "burst");
    }

    @Test
    void nullRulesAreRejected() {
        assertThrows(NullPointerException.class, () -> Plan.named("free").rule((Rule) null));
        assertThrows(NullPointerException.class, () -> Plan.named("free").rule((Rule.Builder<?>) null));
    }

    @Test
    void aPolicyNeedsPlansWithDistinctNames() {
        assertRejected(Policy::of, "at least one plan");
        assertRejected(() -> Policy.of(List.of()), "at least one plan");
        assertRejected(() -> Policy.of(Plan.named("free"), Plan.named("pro"), Plan.named("free")), "two plans",
                "free");
    }

    @Test
    void rulesThatShareANameMayDifferInMeterAndAlgorithmAcrossPlans() {
        // The sample configuration: free's burst counts requests, pro's counts tokens. State is keyed by
        // name, algorithm and meter, so the two never read each other's numbers.
        Plan free = Plan.named("free").rule(window("burst", Meter.REQUESTS));
        Plan pro = Plan.named("pro").rule(Rule.slidingWindow("burst").meter(Meter.TOKENS).limit(10)
                .window(Duration.ofMinutes(1)));
        assertEquals(2, Policy.of(free, pro).plans().size());
    }

    @Test
    void anOverrideReplacesThePlanRuleOfTheSameName() {
        Policy policy = Policy.of(Plan.named("free").rule(window("rate", Meter.TOKENS)));
        assertEquals(50, policy.withOverride("alice", window("rate", Meter.TOKENS).withLimit(50))
                .rulesFor("alice", "free").get(0).limit());
        assertEquals(1, policy.withOverride("alice", window("rate", Meter.USD)).rulesFor("alice", "free").size());
    }

    @Test
    void rulesOfOneNameInDifferentScopesAreDifferentBudgets() {
        Plan free = Plan.named("free").rule(window("rate", Meter.REQUESTS));
        Plan pro = Plan.named("pro").rule(Rule.slidingWindow("rate").scope(Scope.TEAM).limit(10)
                .window(Duration.ofMinutes(1)));
        assertEquals(2, Policy.of(free, pro).plans().size());
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {""})
    void overridesNeedAUserId(String userId) {
        Policy policy = Policy.of(Plan.named("free"));
        assertRejected(() -> policy.withOverride(userId, window("rate", Meter.TOKENS)), "override user id",
                userId == null ? "null" : "''");
    }

    @Test
    void anUnknownPlanIsNamedWithTheKnownOnes() {
        Policy policy = Policy.of(Plan.named("free"), Plan.named("pro"));
        assertRejected(() -> policy.plan("gold"), "unknown plan 'gold'", "known plans: free, pro");
        assertRejected(() -> policy.plan(null), "unknown plan null", "free, pro");
        assertRejected(() -> policy.rulesFor("alice", "gold"), "'gold'", "free, pro");
    }
}
