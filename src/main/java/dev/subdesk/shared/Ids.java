package dev.subdesk.shared;

import java.security.SecureRandom;

/**
 * Opaque identifiers with a type prefix ({@code acct_}, {@code sub_} ...) and customer-facing numbers
 * ({@code ORD-XXXX-XXXX}, {@code CXL-XXXX-XXXX}, {@code CASE-XXXXXX}) in Crockford base32.
 */
public final class Ids {

	/** Crockford base32: digits and upper-case letters without I, L, O, U. */
	public static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

	private static final SecureRandom RANDOM = new SecureRandom();

	private Ids() {
	}

	/** A new id such as {@code sub_8F3K2M9QW1TZ6R4N}. */
	public static String next(String prefix) {
		return prefix + "_" + random(16);
	}

	public static String orderNumber() {
		return "ORD-" + random(4) + "-" + random(4);
	}

	public static String confirmationNumber() {
		return "CXL-" + random(4) + "-" + random(4);
	}

	public static String caseNumber() {
		return "CASE-" + random(6);
	}

	/** Upper-cases a customer-typed number so that look-ups ignore letter case. */
	public static String normalizeNumber(String number) {
		return number.trim().toUpperCase(java.util.Locale.ROOT);
	}

	static String random(int length) {
		char[] chars = new char[length];
		for (int i = 0; i < length; i++) {
			chars[i] = CROCKFORD.charAt(RANDOM.nextInt(CROCKFORD.length()));
		}
		return new String(chars);
	}
}
