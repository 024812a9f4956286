package dev.subdesk.console;

import dev.subdesk.accounts.PaymentMethod;
import java.util.Arrays;
import java.util.stream.Collectors;

/** What an agent sees of a caller's personal data before the caller is verified. */
final class Masking {

	private Masking() {
	}

	/** {@code paula@example.com} becomes {@code p***@example.com}. */
	static String email(String email) {
		int at = email.indexOf('@');
		if (at <= 0) {
			return "***";
		}
		return email.charAt(0) + "***" + email.substring(at);
	}

	/** {@code Paula Jones} becomes {@code P*** J***}. */
	static String name(String name) {
		return Arrays.stream(name.strip().split("\\s+"))
			.filter(part -> !part.isEmpty())
			.map(part -> part.charAt(0) + "***")
			.collect(Collectors.joining(" "));
	}

	/** A card as {@code VISA ••4242}: the last four digits are never secret enough to verify alone. */
	static String card(PaymentMethod card) {
		return card.brand().toUpperCase(java.util.Locale.ROOT) + " ••" + card.last4();
	}
}
