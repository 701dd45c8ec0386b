package dev.tollgate;

import dev.tollgate.policy.Meter;
import dev.tollgate.policy.Money;
import dev.tollgate.policy.Rule;

/**
 * What a call costs: requests, tokens and money (integer micro-USD). An estimated charge is reserved before
 * the call; the actual charge settles it afterwards.
 *
 * <pre>{@code
 * Charge.tokens(1_200).plusRequest()
 * Charge.tokens(actualIn + actualOut).usd(actualCost)
 * }</pre>
 *
 * @param requests calls, usually 1
 * @param tokens model tokens, input and output together
 * @param micros money in micro-USD
 */
public record Charge(long requests, long tokens, long micros) {

    /** Nothing: checking with it reads a subject's remaining limits. */
    public static final Charge NONE = new Charge(0, 0, 0);

    /** Every amount must be between 0 and {@link Rule#MAX_LIMIT}. */
    public Charge {
        check(requests, "requests");
        check(tokens, "tokens");
        check(micros, "micro-USD");
    }

    private static final Charge ONE_REQUEST = new Charge(1, 0, 0);

    /** One request and nothing else. */
    public static Charge request() {
        return ONE_REQUEST;
    }

    /** {@code n} requests. */
    public static Charge requests(long n) {
        return new Charge(n, 0, 0);
    }

    /** {@code n} tokens and no request: add {@link #plusRequest()} to count the call too. */
    public static Charge tokens(long n) {
        return new Charge(0, n, 0);
    }

    /** An amount of money and nothing else. */
    public static Charge money(Money amount) {
        return new Charge(0, 0, amount.micros());
    }

    /** This charge plus one request. */
    public Charge plusRequest() {
        return new Charge(plus(requests, 1, "requests"), tokens, micros);
    }

    /** This charge plus {@code n} tokens; the sum must be a valid amount. */
    public Charge plusTokens(long n) {
        return new Charge(requests, plus(tokens, n, "tokens"), micros);
    }

    /** This charge with its money set to {@code amount}. */
    public Charge usd(Money amount) {
        return new Charge(requests, tokens, amount.micros());
    }

    /** This charge with its money set to {@code micros} micro-USD. */
    public Charge withMicros(long amountMicros) {
        return new Charge(requests, tokens, amountMicros);
    }

    /** The amount this charge puts on a rule with the given meter. */
    public long amount(Meter meter) {
        // Comparisons, not a switch: a switch on another class's enum reads a lookup table first, and this runs for
        // every rule of every decision.
        if (meter == Meter.TOKENS) {
            return tokens;
        }
        if (meter == Meter.REQUESTS) {
            return requests;
        }
        return micros;
    }

    /** The money part as {@link Money}. */
    public Money money() {
        return Money.ofMicros(micros);
    }

    // A sum past the range of a long is out of range too, and says so like any other bad amount.
    private static long plus(long value, long n, String field) {
        long sum = value + n;
        if (((value ^ sum) & (n ^ sum)) < 0) {
            throw new IllegalArgumentException("charge " + field + " must be " + (n > 0 ? "<= " + Rule.MAX_LIMIT
                    : ">= 0") + ", got " + value + " + " + n);
        }
        return sum;
    }

    private static void check(long value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException("charge " + field + " must be >= 0, got " + value);
        }
        if (value > Rule.MAX_LIMIT) {
            throw new IllegalArgumentException("charge " + field + " must be <= " + Rule.MAX_LIMIT + ", got " + value);
        }
    }

    @Override
    public String toString() {
        return "Charge[" + requests + " req, " + tokens + " tok, " + Money.ofMicros(micros) + "]";
    }
}
