package dev.subdesk.shared;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the one digest Subdesk keeps in place of what it must not store (session ids, link tokens, idempotency
 * keys, API keys) and stamps on what it must prove unchanged (disclosures, audit entries). Text is digested as its
 * UTF-8 bytes.
 */
public final class Digests {

	private Digests() {
	}

	/** The SHA-256 of the bytes. */
	public static byte[] sha256(byte[] bytes) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(bytes);
		}
		catch (NoSuchAlgorithmException e) {
			// every Java platform must have SHA-256 (java.security.MessageDigest's list of required algorithms)
			throw new IllegalStateException(e);
		}
	}

	/** The SHA-256 of the text's UTF-8 bytes. */
	public static byte[] sha256(String text) {
		return sha256(text.getBytes(StandardCharsets.UTF_8));
	}

	/** The lower-case hex SHA-256 of the text's UTF-8 bytes (64 characters). */
	public static String sha256Hex(String text) {
		return HexFormat.of().formatHex(sha256(text));
	}
}
