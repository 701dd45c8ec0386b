package dev.tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import dev.tollgate.policy.Scope;
import dev.tollgate.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A decision lists its rules in plan order, as written, though stores evaluate them in scope order. */
class DecisionOrderTest {

    private final Plan plan = Plan.named("free")
            .rule(Rule.fixedWindow("global-rate").scope(Scope.GLOBAL).limit(1).window(Duration.ofMinutes(1)))
            .rule(Rule.fixedWindow("team-rate").scope(Scope.TEAM).limit(1).window(Duration.ofMinutes(1)))
            .rule(Rule.quota("daily-tokens").meter(Meter.TOKENS).limit(10).per(dev.tollgate.policy.Period.DAY));

    @Test
    void rulesAreListedInPlanOrderAndTheFirstDenyingOneInThatOrderIsNamed() {
        try (Guard guard = Guard.builder(Policy.of(plan)).clock(MutableClock.at("2026-11-22T10:00:00Z")).build()) {
            Subject alice = Subject.user("alice", "free");
            Decision d = guard.check(alice, Charge.tokens(50).plusRequest().plusRequest());
            assertEquals(List.of("global-rate", "daily-tokens"), d.rules().stream().map(RuleStatus::name).toList(),
                    "alice has no team, so the team rule does not apply; the others keep their plan order");
            assertEquals("global-rate", d.deniedBy().orElseThrow().name());
            assertTrue(d.reason().startsWith("global-rate:"), d.reason());

            Decision inTeam = guard.check(alice.inTeam("research"), Charge.tokens(50).plusRequest().plusRequest());
            assertEquals(List.of("global-rate", "team-rate", "daily-tokens"),
                    inTeam.rules().stream().map(RuleStatus::name).toList());
        }
    }
}
