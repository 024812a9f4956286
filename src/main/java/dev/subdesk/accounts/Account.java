package dev.subdesk.accounts;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A customer account. {@code region} is an ISO 3166-2 subdivision without the country prefix. */
public record Account(String id, String email, String name, String country, @Nullable String region, Status status,
		Instant createdAt, long seq) {

	public enum Status {
		ACTIVE, CLOSED
	}

	public boolean closed() {
		return status == Status.CLOSED;
	}

	/**
	 * The SQL of {@link #emailHash} over the text column or expression {@code %s}, for finding an address by its hash:
	 * {@code String.format} it with the column.
	 */
	public static final String SQL_EMAIL_HASH = "encode(sha256(convert_to(lower(btrim(%s)), 'UTF8')), 'hex')";

	/**
	 * The SHA-256, in hex, of an address lower-cased and stripped: how an account keeps the addresses it had before
	 * (see {@link AccountErasing}). The same as {@link #SQL_EMAIL_HASH} for the addresses Subdesk takes.
	 */
	public static String emailHash(String email) {
		try {
			byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
				.digest(email.strip().toLowerCase(java.util.Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.UTF_8));
			return java.util.HexFormat.of().formatHex(digest);
		}
		catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	/** The address personal data is replaced with when the account is closed. */
	public static String tombstoneEmail(String accountId) {
		return "erased+" + accountId + "@invalid";
	}
}
