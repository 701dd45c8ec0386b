package dev.tollgate;

import static dev.tollgate.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.policy.Plan;
import dev.tollgate.policy.Policy;
import dev.tollgate.policy.Rule;
import dev.tollgate.testing.MutableClock;
import org.junit.jupiter.api.Test;

/** The guard rejects subjects on unknown plans, naming the known ones, and null arguments, charging nothing. */
class GuardValidationTest {

    private final Policy policy = Policy.of(Plan.named("free").rule(Rule.concurrency("in-flight").limit(1)),
            Plan.named("pro"));

    @Test
    void anUnknownPlanIsRejectedNamingTheKnownOnes() {
        try (Guard guard = Guard.builder(policy).clock(MutableClock.at("2026-11-22T10:00:00Z")).build()) {
            Subject gold = Subject.user("alice", "gold");
            assertRejected(() -> guard.check(gold, Charge.request()), "unknown plan 'gold'", "known plans: free, pro");
            assertRejected(() -> guard.reserve(gold, Charge.request()), "'gold'", "free, pro");
            assertRejected(() -> guard.status(gold), "'gold'", "free, pro");
        }
    }

    @Test
    void nullArgumentsAreRejectedAndChargeNothing() {
        try (Guard guard = Guard.builder(policy).clock(MutableClock.at("2026-11-22T10:00:00Z")).build()) {
            Subject alice = Subject.user("alice", "free");
            assertEquals("subject", assertThrows(NullPointerException.class,
                    () -> guard.reserve(null, Charge.request())).getMessage());
            assertEquals("charge", assertThrows(NullPointerException.class,
                    () -> guard.reserve(alice, null)).getMessage());
            assertEquals("charge", assertThrows(NullPointerException.class,
                    () -> guard.check(alice, null)).getMessage());
            Reservation r = guard.reserve(alice, Charge.request());
            assertThrows(NullPointerException.class, () -> r.settle(null));
            assertEquals(false, r.isFinished(), "a rejected settle leaves the reservation open");
            r.release();
            assertEquals(true, guard.reserve(alice, Charge.request()).allowed(), "the slot was freed");
            assertThrows(NullPointerException.class, () -> Guard.builder(null));
            assertThrows(NullPointerException.class, () -> guard.updatePolicy(null));
        }
    }
}
