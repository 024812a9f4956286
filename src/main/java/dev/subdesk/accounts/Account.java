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

	/** The address personal data is replaced with when the account is closed. */
	public static String tombstoneEmail(String accountId) {
		return "erased+" + accountId + "@invalid";
	}
}
