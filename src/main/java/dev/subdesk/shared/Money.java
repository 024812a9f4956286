package dev.subdesk.shared;

import java.util.Objects;

/**
 * An amount in the currency's minor unit (cents for USD). Never a floating-point number.
 */
public record Money(long amount, String currency) {

	public Money {
		Objects.requireNonNull(currency, "currency");
		if (!currency.matches("[A-Z]{3}")) {
			throw new IllegalArgumentException("currency must be an ISO 4217 code: " + currency);
		}
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
