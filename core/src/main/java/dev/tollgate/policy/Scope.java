package dev.tollgate.policy;

/**
 * Whose budget a rule counts against. A rule in the USER scope gives every user their own budget; a rule
 * in the TEAM scope is shared by everyone in the subject's team, and so on.
 *
 * <p>The declaration order is also the order in which a store locks or reserves scopes, so it must never
 * change: user first, global last.
 */
public enum Scope {
    /** The calling user. */
    USER("user", "u"),
    /** The API key the call came with. */
    KEY("key", "k"),
    /** The caller's IP address. */
    IP("ip", "i"),
    /** The user's team. */
    TEAM("team", "t"),
    /** The user's organisation. */
    ORG("org", "o"),
    /** Everyone: one budget for the whole deployment. */
    GLOBAL("global", "g");

    private final String label;
    private final String tag;

    Scope(String label, String tag) {
        this.label = label;
        this.tag = tag;
    }

    /** The lower-case name used in configuration and messages. */
    public String label() {
        return label;
    }

    /** A one-letter tag that stores use to build keys, e.g. {@code u} in {@code {u:alice}}. */
    public String tag() {
        return tag;
    }

    /** Parses a scope name ({@code user}, {@code team}, ...), ignoring case. */
    public static Scope parse(String text) {
        for (Scope scope : values()) {
            if (scope.label.equalsIgnoreCase(text)) {
                return scope;
            }
        }
        throw new IllegalArgumentException("scope must be one of user, key, ip, team, org, global; got '" + text + "'");
    }
}
