package dev.subdesk.console;

import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/** Amounts an agent types in the currency's major unit ({@code 12.50}), read as integer minor units. */
final class Amounts {

	private Amounts() {
	}

	/**
	 * The typed amount in minor units, at most {@code max}; blank means all of {@code max}.
	 *
	 * @throws IllegalArgumentException with a message for the agent when it is not an amount in range
	 */
	static long parse(@Nullable String typed, Money max) {
		if (typed == null || typed.isBlank()) {
			return max.amount();
		}
		String text = typed.strip().replaceFirst("^\\$", "");
		long amount = text.matches("\\d{1,12}(\\.\\d{1,2})?") ? new BigDecimal(text).movePointRight(2).longValueExact() : -1;
		if (amount <= 0 || amount > max.amount()) {
			throw new IllegalArgumentException("give an amount above zero and at most " + Formats.money(max) + ".");
		}
		return amount;
	}
}
