package dev.tollgate.policy;

import java.math.BigDecimal;

/**
 * An amount of US dollars held exactly as integer micro-dollars (1 USD = 1,000,000 micros).
 *
 * <p>Money is parsed from decimal strings and never passes through a {@code double}, so {@code "0.1"} is
 * exactly 100,000 micros.
 *
 * @param micros the amount in micro-USD; never negative
 */
public record Money(long micros) implements Comparable<Money> {

    /** Micro-dollars in one dollar. */
    public static final long MICROS_PER_USD = 1_000_000L;

    /** Zero dollars. */
    public static final Money ZERO = new Money(0);

    /** Checks that the amount is not negative. */
    public Money {
        if (micros < 0) {
            throw new IllegalArgumentException("money must be >= 0, got " + micros + " micro-USD");
        }
    }

    /**
     * Parses a decimal dollar amount exactly: {@code "5.00"}, {@code "0.000015"}, {@code "$12"}.
     *
     * @throws IllegalArgumentException if the text is not a number, is negative, has more than six decimal
     *     places (finer than a micro-dollar), or is too large to hold
     */
    public static Money usd(String amount) {
        if (amount == null) {
            throw new IllegalArgumentException("money amount must not be null");
        }
        String text = amount.trim();
        if (text.startsWith("$")) {
            text = text.substring(1);
        }
        BigDecimal dollars;
        try {
            dollars = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("money must be a decimal dollar amount like 5.00, got '" + amount + "'");
        }
        if (dollars.signum() < 0) {
            throw new IllegalArgumentException("money must be >= 0, got '" + amount + "'");
        }
        long micros;
        try {
            BigDecimal exact = dollars.movePointRight(6); // overflows the scale for exponents near 2^31
            if (exact.stripTrailingZeros().scale() > 0) {
                throw new IllegalArgumentException(
                        "money has more than 6 decimal places (finer than a micro-dollar): '" + amount + "'");
            }
            micros = exact.longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("money is too large: '" + amount + "'");
        }
        return new Money(micros);
    }

    /**
     * Whole dollars, e.g. {@code Money.usd(5)} is five dollars.
     *
     * @throws IllegalArgumentException if negative, or too large to hold in micro-dollars
     */
    public static Money usd(long dollars) {
        if (dollars < 0) {
            throw new IllegalArgumentException("money must be >= 0, got " + dollars + " USD");
        }
        try {
            return new Money(Math.multiplyExact(dollars, MICROS_PER_USD));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("money is too large: " + dollars + " USD");
        }
    }

    /** An amount in micro-dollars. */
    public static Money ofMicros(long micros) {
        return new Money(micros);
    }

    /** The sum of two amounts; fails rather than overflow. */
    public Money plus(Money other) {
        return new Money(Math.addExact(micros, other.micros));
    }

    /** The exact decimal dollar value, e.g. {@code 5.000000}. */
    public BigDecimal toDollars() {
        return BigDecimal.valueOf(micros, 6);
    }

    @Override
    public int compareTo(Money other) {
        return Long.compare(micros, other.micros);
    }

    /** Dollars for a person: {@code $5.00}, {@code $0.000015}; at least two decimals, never rounded. */
    @Override
    public String toString() {
        BigDecimal dollars = toDollars().stripTrailingZeros();
        if (dollars.scale() < 2) {
            dollars = dollars.setScale(2);
        }
        return "$" + dollars.toPlainString();
    }
}
