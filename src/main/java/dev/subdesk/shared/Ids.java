package dev.subdesk.shared;

import java.security.SecureRandom;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Opaque identifiers with a type prefix ({@code acct_}, {@code sub_} ...) and customer-facing numbers
 * ({@code ORD-XXXX-XXXX}, {@code CXL-XXXX-XXXX}, {@code WDR-XXXX-XXXX}, {@code CASE-XXXXXX}) in Crockford base32.
 * A customer-facing number is random, so a new one can be one already issued: {@link #claim} draws again then.
 */
public final class Ids {

	/** Crockford base32: digits and upper-case letters without I, L, O, U. */
	public static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

	/**
	 * One DRBG per thread (the platform default, NativePRNG, shares one lock across all its instances, which
	 * serializes the ids of a busy node), drawn a block at a time: each call of a DRBG hashes its state again
	 * whatever it is asked for, so asking for eight bytes an id cost three hashes where a block of 256 costs ten for
	 * thirty-two ids (the renewal engine draws four ids a renewal).
	 */
	private static final ThreadLocal<RandomBytes> RANDOM = ThreadLocal.withInitial(RandomBytes::new);

	/** A thread's DRBG and the bytes it drew that no id has used yet. */
	private static final class RandomBytes {

		private final SecureRandom generator = newGenerator();
		private final byte[] block = new byte[256];
		private int next = block.length;

		byte next() {
			if (next == block.length) {
				generator.nextBytes(block);
				next = 0;
			}
			return block[next++];
		}
	}

	private static SecureRandom newGenerator() {
		try {
			return SecureRandom.getInstance("DRBG");
		}
		catch (java.security.NoSuchAlgorithmException e) {
			return new SecureRandom();
		}
	}

	/**
	 * How many numbers {@link #claim} draws before giving up. Eight random characters make 2^40 numbers, so even
	 * with ten million issued a draw is taken once in a hundred thousand; five taken in a row means something
	 * else is wrong.
	 */
	public static final int DRAWS = 5;

	/** Where customer-facing numbers come from instead of {@link #RANDOM} while a test replays them. */
	private static volatile @Nullable RandomGenerator replay;

	private Ids() {
	}

	/**
	 * A new customer-facing number from {@code draw} that {@code claim} takes: {@code claim} answers whether the
	 * number was free and is now the caller's (an insert that did nothing on a conflict of the number, or a check
	 * under a lock of it), and a number already taken is replaced by a fresh draw, up to {@value #DRAWS} times.
	 *
	 * @throws IllegalStateException when every draw was taken
	 */
	public static String claim(Supplier<String> draw, Predicate<String> claim) {
		return claimWith(draw, number -> claim.test(number) ? Optional.of(number) : Optional.empty());
	}

	/**
	 * As {@link #claim}, for a claim that makes something of the number: {@code attempt} returns what it made when
	 * the number was free (an insert of a row keyed by it that did not conflict), empty when it was taken.
	 *
	 * @throws IllegalStateException when every draw was taken
	 */
	public static <T> T claimWith(Supplier<String> draw, Function<String, Optional<T>> attempt) {
		for (int i = 0; i < DRAWS; i++) {
			Optional<T> made = attempt.apply(draw.get());
			if (made.isPresent()) {
				return made.get();
			}
		}
		throw new IllegalStateException("Each of " + DRAWS + " numbers drawn was taken");
	}

	/**
	 * Tests only: customer-facing numbers come from {@code source} (a seeded generator replays the same numbers),
	 * or again from the secure generator when {@code source} is null.
	 */
	static void drawNumbersFrom(@Nullable RandomGenerator source) {
		replay = source;
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

	/** A random order number; {@link #claim} one to use it. */
	public static String orderNumber() {
		return "ORD-" + number(4) + "-" + number(4);
	}

	/** A random confirmation number of a cancellation; {@link #claim} one to use it. */
	public static String confirmationNumber() {
		return "CXL-" + number(4) + "-" + number(4);
	}

	/**
	 * The reference of a withdrawal (EU), never confused with a cancellation's {@code CXL-} number; {@link #claim}
	 * one to use it.
	 */
	public static String withdrawalNumber() {
		return "WDR-" + number(4) + "-" + number(4);
	}

	/** A random case number; {@link #claim} one to use it. */
	public static String caseNumber() {
		return "CASE-" + number(6);
	}

	/** Upper-cases a customer-typed number so that look-ups ignore letter case. */
	public static String normalizeNumber(String number) {
		return number.trim().toUpperCase(java.util.Locale.ROOT);
	}

	private static String number(int length) {
		return random(length, replay);
	}

	static String random(int length) {
		return random(length, null);
	}

	private static String random(int length, @Nullable RandomGenerator source) {
		char[] chars = new char[length];
		if (source == null) {
			RandomBytes random = RANDOM.get();
			for (int i = 0; i < length; i++) {
				chars[i] = CROCKFORD.charAt(random.next() & 31);
			}
		}
		else {
			byte[] bytes = new byte[length];
			source.nextBytes(bytes);
			for (int i = 0; i < length; i++) {
				chars[i] = CROCKFORD.charAt(bytes[i] & 31);
			}
		}
		return new String(chars);
	}
}
