package dev.subdesk.console;

import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import org.jspecify.annotations.Nullable;

/**
 * Amounts an agent types in the currency's major unit ({@code 12.50}, {@code 5999} yen), read as integer minor units
 * (no floating point).
 */
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
		int digits = max.fractionDigits();
		long amount = -1;
		// as many decimals as the currency's minor unit has, and no more: 12.50 USD, 5999 JPY, 1.250 KWD
		if (text.matches(digits == 0 ? "\\d{1,12}" : "\\d{1,12}(\\.\\d{1," + digits + "})?")) {
			String[] parts = (text + ".").split("\\.", -1);
			String fraction = (parts[1] + "0".repeat(digits)).substring(0, digits);
			amount = Long.parseLong(parts[0]) * Money.unit(digits) + (digits == 0 ? 0 : Long.parseLong(fraction));
		}
		if (amount <= 0 || amount > max.amount()) {
			throw new IllegalArgumentException("give an amount above zero and at most " + Formats.money(max) + ".");
		}
		return amount;
	}
}
