package dev.subdesk.shared;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * Six-digit one-time codes sent by email (portal sign-in, an agent's step-up check). Only a hash salted with the
 * code's own id is stored; checking compares in constant time.
 */
public final class OneTimeCodes {

	private static final SecureRandom RANDOM = new SecureRandom();

	private OneTimeCodes() {
	}

	/** A new random code of six digits. */
	public static String generate() {
		return "%06d".formatted(RANDOM.nextInt(1_000_000));
	}

	/** The hex SHA-256 of {@code id:code}: what is stored instead of the code. */
	public static String hash(String id, String code) {
		return Digests.sha256Hex(id + ":" + code);
	}

	/** Whether the typed code (spaces around it ignored) is the one whose hash was stored for {@code id}. */
	public static boolean matches(String storedHash, String id, String typed) {
		String presented = typed.strip();
		return presented.matches("\\d{6}") && MessageDigest.isEqual(storedHash.getBytes(StandardCharsets.US_ASCII),
				hash(id, presented).getBytes(StandardCharsets.US_ASCII));
	}
}
