package dev.tollgate;

import static dev.tollgate.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Subjects reject missing, empty and over-long ids, naming which id and what was wrong with it. */
class SubjectValidationTest {

    private static final String LONG = "x".repeat(Subject.MAX_ID_LENGTH + 1);
    private static final String LONGEST = "x".repeat(Subject.MAX_ID_LENGTH);

    @Test
    void theUserIdAndPlanAreRequired() {
        assertRejected(() -> Subject.user(null, "free"), "user id", "null");
        assertRejected(() -> Subject.user("alice", null), "plan", "null");
        assertRejected(() -> new Subject(null, null, null, null, null, null), "user id", "null");
        assertRejected(() -> Subject.user("alice", "free").onPlan(null), "plan", "null");
    }

    @Test
    void idsMustNotBeEmpty() {
        Subject alice = Subject.user("alice", "free");
        assertRejected(() -> Subject.user("", "free"), "user id", "empty");
        assertRejected(() -> Subject.user("alice", ""), "plan", "empty");
        assertRejected(() -> alice.inTeam(""), "team", "empty");
        assertRejected(() -> alice.inOrg(""), "org", "empty");
        assertRejected(() -> alice.withKey(""), "key", "empty");
        assertRejected(() -> alice.withIp(""), "ip", "empty");
        assertRejected(() -> new Subject("alice", "free", "", null, null, null), "team", "empty");
    }

    @Test
    void idsMustNotHoldControlCharacters() {
        Subject alice = Subject.user("alice", "free");
        assertRejected(() -> Subject.user("alice\nadmin", "free"), "user id", "control characters", "U+000A",
                "index 5");
        assertRejected(() -> Subject.user("alice", "fr\u0000ee"), "plan", "U+0000");
        assertRejected(() -> alice.inTeam("team\u001b[31m"), "team", "U+001B");
        assertRejected(() -> alice.withKey("k\u007f"), "key", "U+007F");
        assertEquals("bücher-ünd-日本", Subject.user("bücher-ünd-日本", "free").userId(), "letters of any script pass");
    }

    @Test
    void addedIdsMustNotBeNull() {
        Subject alice = Subject.user("alice", "free");
        assertRejected(() -> alice.inTeam(null), "team", "null");
        assertRejected(() -> alice.inOrg(null), "org", "null");
        assertRejected(() -> alice.withKey(null), "key", "null");
        assertRejected(() -> alice.withIp(null), "ip", "null");
    }

    @Test
    void idsMustNotBeLongerThanTheMaximum() {
        Subject alice = Subject.user("alice", "free");
        String length = "got " + LONG.length();
        assertRejected(() -> Subject.user(LONG, "free"), "user id", "at most 256", length);
        assertRejected(() -> Subject.user("alice", LONG), "plan", "at most 256", length);
        assertRejected(() -> alice.inTeam(LONG), "team", "at most 256", length);
        assertRejected(() -> alice.inOrg(LONG), "org", "at most 256", length);
        assertRejected(() -> alice.withKey(LONG), "key", "at most 256", length);
        assertRejected(() -> alice.withIp(LONG), "ip", "at most 256", length);
        assertEquals(LONGEST, Subject.user(LONGEST, "free").userId());
    }
}
