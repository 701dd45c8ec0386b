package dev.tollgate;

import dev.tollgate.policy.Scope;
import java.util.Objects;

/**
 * Who pays for a call: a user on a plan, with an optional team, organisation, API key id and IP address.
 * The app builds it from its own authentication, or the gateway does; it never comes from an
 * unauthenticated header.
 *
 * <pre>{@code
 * Subject.user("alice", "free").inTeam("research").inOrg("acme").withKey("key-7").withIp("203.0.113.9")
 * }</pre>
 *
 * <p>Every id is 1 to {@link #MAX_ID_LENGTH} characters with no control characters (no newline, no escape).
 * Two subjects with the same ids are equal.
 *
 * <p>Keep a subject for as long as its ids stay the same (the gateway keeps one per API key): a guard remembers in
 * it which of its compiled rules apply, so the next decision for the same subject object skips looking its plan up.
 */
public final class Subject {

    /** The longest id accepted for any scope. */
    public static final int MAX_ID_LENGTH = 256;

    private final String userId;
    private final String plan;
    private final String team;
    private final String org;
    private final String key;
    private final String ip;
    // The compiled rules that the guard last decided this subject with: set and read only by
    // dev.tollgate.internal.CompiledPolicy, through a VarHandle, so that it is no part of the API. Not part of the
    // subject's value; a racing write stores an equal object.
    @SuppressWarnings("unused")
    private Object compiledRules;

    /**
     * A subject with these ids. Checks every id: the user id and plan are required, and no id is empty or longer than
     * 256 characters.
     *
     * @param userId the user's id; not empty
     * @param plan the name of the user's plan
     * @param team the user's team, or null
     * @param org the user's organisation, or null
     * @param key the id of the API key used (never the key itself), or null
     * @param ip the caller's IP address, or null
     */
    public Subject(String userId, String plan, String team, String org, String key, String ip) {
        this.userId = checkId(userId, "user id", true);
        this.plan = checkId(plan, "plan", true);
        this.team = checkId(team, "team", false);
        this.org = checkId(org, "org", false);
        this.key = checkId(key, "key", false);
        this.ip = checkId(ip, "ip", false);
    }

    /** The user's id. */
    public String userId() {
        return userId;
    }

    /** The name of the user's plan. */
    public String plan() {
        return plan;
    }

    /** The user's team, or null. */
    public String team() {
        return team;
    }

    /** The user's organisation, or null. */
    public String org() {
        return org;
    }

    /** The id of the API key used (never the key itself), or null. */
    public String key() {
        return key;
    }

    /** The caller's IP address, or null. */
    public String ip() {
        return ip;
    }

    /** A user on a plan, with no team or org. */
    public static Subject user(String userId, String plan) {
        return new Subject(userId, plan, null, null, null, null);
    }

    /** This subject in a team; team-scoped rules then count against the team. */
    public Subject inTeam(String team) {
        return new Subject(userId, plan, checkId(team, "team", true), org, key, ip);
    }

    /** This subject in an organisation; org-scoped rules then count against it. */
    public Subject inOrg(String org) {
        return new Subject(userId, plan, team, checkId(org, "org", true), key, ip);
    }

    /** This subject calling with an API key id; key-scoped rules then count against that key. */
    public Subject withKey(String keyId) {
        return new Subject(userId, plan, team, org, checkId(keyId, "key", true), ip);
    }

    /** This subject calling from an IP address; ip-scoped rules then count against it. */
    public Subject withIp(String address) {
        return new Subject(userId, plan, team, org, key, checkId(address, "ip", true));
    }

    /** This subject on another plan. */
    public Subject onPlan(String newPlan) {
        return new Subject(userId, checkId(newPlan, "plan", true), team, org, key, ip);
    }

    /**
     * The id whose budget a rule of this scope counts against, or null when the subject has none (a user with
     * no team is not held to team rules).
     */
    public String idFor(Scope scope) {
        // Comparisons, not a switch: a switch on another class's enum reads a lookup table first, and this runs for
        // every rule of every decision. Most rules are per user.
        if (scope == Scope.USER) {
            return userId;
        }
        if (scope == Scope.GLOBAL) {
            return "*";
        }
        if (scope == Scope.TEAM) {
            return team;
        }
        if (scope == Scope.ORG) {
            return org;
        }
        return scope == Scope.KEY ? key : ip;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Subject other && userId.equals(other.userId) && plan.equals(other.plan)
                && Objects.equals(team, other.team) && Objects.equals(org, other.org) && Objects.equals(key, other.key)
                && Objects.equals(ip, other.ip);
    }

    @Override
    public int hashCode() {
        // Not Objects.hash: its varargs array would be allocated on every call of a subject used as a map key.
        int h = userId.hashCode();
        h = 31 * h + plan.hashCode();
        h = 31 * h + Objects.hashCode(team);
        h = 31 * h + Objects.hashCode(org);
        h = 31 * h + Objects.hashCode(key);
        return 31 * h + Objects.hashCode(ip);
    }

    @Override
    public String toString() {
        return "Subject[userId=" + userId + ", plan=" + plan + ", team=" + team + ", org=" + org + ", key=" + key
                + ", ip=" + ip + "]";
    }

    private static String checkId(String value, String field, boolean required) {
        if (value == null) {
            if (required) {
                throw new IllegalArgumentException(field + " must not be null");
            }
            return null;
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        if (value.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(field + " must be at most " + MAX_ID_LENGTH + " characters, got "
                    + value.length());
        }
        // Ids end up in log lines, headers, dashboards and Redis keys: a newline or an escape in one would let a
        // caller forge entries there.
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                throw new IllegalArgumentException(String.format("%s must not contain control characters; got U+%04X"
                        + " at index %d", field, (int) c, i));
            }
        }
        return value;
    }
}
