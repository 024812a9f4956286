package dev.subdesk.shared;

import java.security.SecureRandom;

/**
 * Opaque identifiers with a type prefix ({@code acct_}, {@code sub_} ...) and customer-facing numbers
 * ({@code ORD-XXXX-XXXX}, {@code CXL-XXXX-XXXX}, {@code CASE-XXXXXX}) in Crockford base32.
 */
public final class Ids {

	/** Crockford base32: digits and upper-case letters without I, L, O, U. */
	public static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

	/**
	 * One DRBG per thread: the platform default (NativePRNG) shares one lock across all its instances, which
	 * serializes the ids of a busy node.
	 */
	private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(Ids::newGenerator);

	private static SecureRandom newGenerator() {
		try {
			return SecureRandom.getInstance("DRBG");
		}
		catch (java.security.NoSuchAlgorithmException e) {
			return new SecureRandom();
		}
	}

	private Ids() {
	}

	/**
	 * Where this node's id sequence starts: a random 40-bit number, so nodes write to different parts of the
	 * key space.
	 */
	private static final java.util.concurrent.atomic.AtomicLong SEQUENCE = new java.util.concurrent.atomic.AtomicLong(
			new SecureRandom().nextLong() & 0xFF_FFFF_FFFFL);

	/**
	 * A new id such as {@code sub_8F3K2M9QW1TZ6R4N}: eight characters of a per-node sequence, then eight random
	 * ones. Ids are opaque to clients; the sequence makes a node's inserts land next to each other in the
	 * primary-key index instead of on random pages, which matters when renewals insert a million rows.
	 */
	public static String next(String prefix) {
		long n = SEQUENCE.getAndIncrement();
		char[] chars = new char[8];
		for (int i = 7; i >= 0; i--) {
			chars[i] = CROCKFORD.charAt((int) (n & 31));
			n >>>= 5;
		}
		return prefix + "_" + new String(chars) + random(8);
	}

	public static String orderNumber() {
		return "ORD-" + random(4) + "-" + random(4);
	}

	public static String confirmationNumber() {
		return "CXL-" + random(4) + "-" + random(4);
	}

	/** The reference of a withdrawal (EU), never confused with a cancellation's {@code CXL-} number. */
	public static String withdrawalNumber() {
		return "WDR-" + random(4) + "-" + random(4);
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
		byte[] bytes = new byte[length];
		RANDOM.get().nextBytes(bytes);
		for (int i = 0; i < length; i++) {
			chars[i] = CROCKFORD.charAt(bytes[i] & 31);
		}
		return new String(chars);
	}
}
