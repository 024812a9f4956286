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

	/**
	 * A card before the caller is verified: {@code VISA card}. Its last four digits are a verification factor, so
	 * the agent never sees them before the caller has said them.
	 */
	static String unverifiedCard(PaymentMethod card) {
		return card.brand().toUpperCase(java.util.Locale.ROOT) + " card";
	}

	/**
	 * Text about an account (a case's subject and timeline) before its caller is verified: order numbers and cards'
	 * last four digits, which are verification answers, become {@code ORD-****-****} and {@code ••****}.
	 */
	static String unverifiedText(String text) {
		return text.replaceAll("(?i)ORD-[0-9A-Z]{4}-[0-9A-Z]{4}", "ORD-****-****").replaceAll("••\\d{4}", "••****");
	}

	/** A card once the caller is verified: {@code VISA ••4242}. */
	static String card(PaymentMethod card) {
		return card.brand().toUpperCase(java.util.Locale.ROOT) + " ••" + card.last4();
	}
}
