package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A guard remembers in a subject which of its rules apply to it. One subject object kept across calls, as the
 * gateway keeps one per key, must still be decided by each guard's own rules, and by a policy's rules once it is
 * replaced.
 */
class SubjectReuseTest {

    private static Policy freePlanWith(String ruleName, long limit) {
        return Policy.of(Plan.named("free")
                .rule(Rule.fixedWindow(ruleName).limit(limit).window(Duration.ofMinutes(1)).build()));
    }

    private static List<String> ruleNames(Reservation reservation) {
        return reservation.decision().rules().stream().map(RuleStatus::name).toList();
    }

    @Test
    void oneSubjectObjectIsDecidedByEachGuardsOwnRules() {
        Subject alice = Subject.user("alice", "free");
        try (Guard small = Guard.inMemory(freePlanWith("small", 1));
             Guard large = Guard.inMemory(freePlanWith("large", 100))) {
            for (int call = 0; call < 4; call++) {
                Reservation bySmall = small.reserve(alice, Charge.request());
                Reservation byLarge = large.reserve(alice, Charge.request());

                assertThat(ruleNames(bySmall)).containsExactly("small");
                assertThat(bySmall.allowed()).as("call %d on a limit of 1", call).isEqualTo(call == 0);
                assertThat(ruleNames(byLarge)).containsExactly("large");
                assertThat(byLarge.allowed()).as("call %d on a limit of 100", call).isTrue();
            }
        }
    }

    @Test
    void aSubjectDecidedBeforeAPolicyUpdateIsDecidedByTheNewRulesAfterIt() {
        Subject alice = Subject.user("alice", "free");
        try (Guard guard = Guard.inMemory(freePlanWith("before", 1))) {
            assertThat(guard.reserve(alice, Charge.request()).allowed()).isTrue();
            assertThat(guard.reserve(alice, Charge.request()).allowed()).isFalse();

            guard.updatePolicy(freePlanWith("after", 5));

            Reservation after = guard.reserve(alice, Charge.request());
            assertThat(ruleNames(after)).containsExactly("after");
            assertThat(after.allowed()).isTrue();
        }
    }

    @Test
    void equalSubjectsShareOneBudgetWhicheverObjectCalls() {
        try (Guard guard = Guard.inMemory(freePlanWith("per-minute", 2))) {
            assertThat(guard.reserve(Subject.user("bob", "free"), Charge.request()).allowed()).isTrue();
            assertThat(guard.reserve(Subject.user("bob", "free"), Charge.request()).allowed()).isTrue();
            assertThat(guard.reserve(Subject.user("bob", "free"), Charge.request()).allowed()).isFalse();
            assertThat(Subject.user("bob", "free")).isEqualTo(Subject.user("bob", "free"))
                    .hasSameHashCodeAs(Subject.user("bob", "free"))
                    .isNotEqualTo(Subject.user("bob", "free").inTeam("t"));
            assertThat(Subject.user("bob", "free").inTeam("t")).hasToString(
                    "Subject[userId=bob, plan=free, team=t, org=null, key=null, ip=null]");
        }
    }
}
