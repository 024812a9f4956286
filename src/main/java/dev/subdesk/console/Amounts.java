package dev.subdesk.console;

import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import org.jspecify.annotations.Nullable;

/** Amounts an agent types in the currency's major unit ({@code 12.50}), read as integer minor units (no floating point). */
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
		long amount = -1;
		if (text.matches("\\d{1,12}(\\.\\d{1,2})?")) {
			String[] parts = (text + ".").split("\\.", -1);
			amount = Long.parseLong(parts[0]) * 100 + (parts[1].isEmpty() ? 0 : Long.parseLong((parts[1] + "0").substring(0, 2)));
		}
		if (amount <= 0 || amount > max.amount()) {
			throw new IllegalArgumentException("give an amount above zero and at most " + Formats.money(max) + ".");
		}
		return amount;
	}
}
