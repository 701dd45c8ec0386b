package dev.tollgate.policy;

/** What a rule counts: calls, tokens, or money in integer micro-dollars. */
public enum Meter {
    /** Calls; a charge is usually one request. */
    REQUESTS("requests"),
    /** Model tokens, input and output together. */
    TOKENS("tokens"),
    /** Money, counted in integer micro-USD (1 USD = 1,000,000). */
    USD("usd");

    private final String label;

    Meter(String label) {
        this.label = label;
    }

    /** The lower-case name used in configuration and in messages: {@code requests}, {@code tokens}, {@code usd}. */
    public String label() {
        return label;
    }

    /**
     * Formats an amount of this meter for a person: {@code "20,000 tokens"}, {@code "5 requests"}, {@code "$5.00"}.
     */
    public String format(long amount) {
        return switch (this) {
            case USD -> Money.ofMicros(amount).toString();
            case REQUESTS -> grouped(amount) + (amount == 1 ? " request" : " requests");
            case TOKENS -> grouped(amount) + (amount == 1 ? " token" : " tokens");
        };
    }

    // 20000 -> "20,000", whatever the JVM's locale: the messages are English, and String.format("%,d") would
    // follow the server's locale (and costs several times as much).
    static String grouped(long amount) {
        String digits = Long.toString(amount);
        int sign = amount < 0 ? 1 : 0;
        int length = digits.length() - sign;
        if (length <= 3) {
            return digits;
        }
        StringBuilder out = new StringBuilder(digits.length() + length / 3);
        out.append(digits, 0, sign);
        int first = length % 3 == 0 ? 3 : length % 3;
        out.append(digits, sign, sign + first);
        for (int at = sign + first; at < digits.length(); at += 3) {
            out.append(',').append(digits, at, at + 3);
        }
        return out.toString();
    }

    /** Parses {@code requests}, {@code tokens} or {@code usd}, ignoring case. */
    public static Meter parse(String text) {
        for (Meter meter : values()) {
            if (meter.label.equalsIgnoreCase(text)) {
                return meter;
            }
        }
        throw new IllegalArgumentException("meter must be one of requests, tokens, usd; got '" + text + "'");
    }
}
