package dev.subdesk.shared;

import java.util.Objects;

/**
 * An amount in the currency's minor unit (cents for USD). Never a floating-point number.
 */
public record Money(long amount, String currency) {

	public Money {
		Objects.requireNonNull(currency, "currency");
		if (!isoCode(currency)) {
			throw new IllegalArgumentException("currency must be an ISO 4217 code: " + currency);
		}
	}

	/**
	 * Three letters A to Z. Checked by hand: {@code String.matches} compiles its pattern at every call, and a Money
	 * is made for every subscription read (in a renewal run's allocation profile that pattern was the largest single
	 * source of garbage of the engine's own code).
	 */
	private static boolean isoCode(String currency) {
		if (currency.length() != 3) {
			return false;
		}
		for (int i = 0; i < 3; i++) {
			char c = currency.charAt(i);
			if (c < 'A' || c > 'Z') {
				return false;
			}
		}
		return true;
	}

	/** The digits of each currency's minor unit met so far (see {@link #fractionDigits()}). */
	private static final java.util.Map<String, Integer> FRACTION_DIGITS = new java.util.concurrent.ConcurrentHashMap<>();

	/**
	 * How many digits the currency's minor unit has: 2 for USD and EUR (cents), 0 for JPY, 3 for KWD; 0 for a code
	 * that has none (XAU), 2 for one the JDK does not know.
	 */
	public int fractionDigits() {
		return FRACTION_DIGITS.computeIfAbsent(currency, code -> {
			try {
				return Math.max(java.util.Currency.getInstance(code).getDefaultFractionDigits(), 0);
			}
			catch (IllegalArgumentException unknown) {
				return 2;
			}
		});
	}

	/** How many minor units make one major unit with {@code digits} decimals: 1, 10, 100, 1000. */
	public static long unit(int digits) {
		long unit = 1;
		for (int i = 0; i < digits; i++) {
			unit = Math.multiplyExact(unit, 10);
		}
		return unit;
	}

	public static Money of(long amount, String currency) {
		return new Money(amount, currency);
	}

	public static Money zero(String currency) {
		return new Money(0, currency);
	}

	public Money plus(Money other) {
		requireSameCurrency(other);
		return new Money(Math.addExact(amount, other.amount), currency);
	}

	public Money minus(Money other) {
		requireSameCurrency(other);
		return new Money(Math.subtractExact(amount, other.amount), currency);
	}

	/** This amount times {@code percent} / 100, rounded down to the minor unit. */
	public Money percent(int percent) {
		return new Money(Math.floorDiv(Math.multiplyExact(amount, percent), 100), currency);
	}

	public boolean positive() {
		return amount > 0;
	}

	private void requireSameCurrency(Money other) {
		if (!currency.equals(other.currency)) {
			throw new IllegalArgumentException("currency mismatch: " + currency + " and " + other.currency);
		}
	}
}
