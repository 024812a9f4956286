package dev.subdesk.console;

import dev.subdesk.accounts.PaymentMethod;
import java.util.Arrays;
import java.util.regex.Pattern;
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

	/** An email address in text: the first character of its local part and of its domain, and the top-level domain. */
	private static final Pattern EMAIL_IN_TEXT = Pattern.compile(
			"(?<![\\p{L}\\p{N}._%+-])([\\p{L}\\p{N}])[\\p{L}\\p{N}._%+-]*@([\\p{L}\\p{N}])[\\p{L}\\p{N}.-]*(\\.\\p{L}{2,})"
					+ "(?![\\p{L}\\p{N}_-])");

	/**
	 * A postcode in text, in the forms it is written in most of the vendor's countries: five digits (Germany, France,
	 * Italy, Spain, the US with its optional {@code -1234}), the UK's ({@code SW1A 1AA}), Canada's ({@code K1A 0B1}) and
	 * the Netherlands' ({@code 1011 AB}, capitals only). Not four digits alone (Austria, Switzerland...): they cannot be
	 * told from a year or an amount. Never part of a longer word or number, an id ({@code ch_}...), a number with a
	 * dash ({@code CASE-}...) or an amount.
	 */
	private static final Pattern POSTCODE_IN_TEXT = Pattern.compile("(?<![\\p{L}\\p{N}_$€£.,-])(?:\\d{5}(?:-\\d{4})?"
			+ "|(?i:[A-Z]{1,2}\\d[A-Z\\d]? ?\\d[A-Z]{2})|(?i:[A-Z]\\d[A-Z] ?\\d[A-Z]\\d)|\\d{4} ?[A-Z]{2})"
			+ "(?![\\p{L}\\p{N}_-]|[.,]\\d)");

	/**
	 * Text about an account (a case's subject, escalation reason and timeline) before its caller is verified: order
	 * numbers and cards' last four digits, which are verification answers, become {@code ORD-****-****} and
	 * {@code ••****}; email addresses ({@code paula@example.com} becomes {@code p***@e***.com}) and postcodes
	 * ({@code ***}), which are answers too, are masked wherever staff typed them.
	 */
	static String unverifiedText(String text) {
		String masked = text.replaceAll("(?i)ORD-[0-9A-Z]{4}-[0-9A-Z]{4}", "ORD-****-****").replaceAll("••\\d{4}", "••****");
		masked = EMAIL_IN_TEXT.matcher(masked).replaceAll("$1***@$2***$3");
		return POSTCODE_IN_TEXT.matcher(masked).replaceAll("***");
	}

	/** A card once the caller is verified: {@code VISA ••4242}. */
	static String card(PaymentMethod card) {
		return card.brand().toUpperCase(java.util.Locale.ROOT) + " ••" + card.last4();
	}
}
