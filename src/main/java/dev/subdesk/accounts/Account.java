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
	 * The SQL of the hash an account keeps of an address it had before (see {@link AccountErasing}), over the text
	 * column or expression {@code %s}: {@code String.format} it with the column. The SHA-256, in hex, of the
	 * address's key by the one rule of {@link dev.subdesk.shared.EmailAddresses#SQL_KEY}, so that an address typed
	 * elsewhere in another case or form, or in another normalisation form, finds it.
	 */
	public static final String SQL_EMAIL_HASH = dev.subdesk.shared.EmailAddresses.SQL_KEY_HASH;

	/** The address personal data is replaced with when the account is closed. */
	public static String tombstoneEmail(String accountId) {
		return "erased+" + accountId + "@invalid";
	}
}
