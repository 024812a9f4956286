package dev.subdesk.api;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What identifies the API key a request presents: the SHA-256 of the key itself, read from
 * {@code Authorization: Bearer <key>} the way {@link ApiKeyFilter} reads it (the scheme in any letter case, the key
 * trimmed). Two spellings of one key ({@code Bearer}, {@code bearer}, extra spaces) have one fingerprint; a request
 * without a key has none. Idempotency keys are scoped by it.
 */
final class ApiKeyFingerprint {

	private ApiKeyFingerprint() {
	}

	static Optional<String> of(@Nullable String authorization) {
		if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			return Optional.empty();
		}
		String key = authorization.substring(7).trim();
		return key.isEmpty() ? Optional.empty() : Optional.of(IdempotencyFilter.sha256(key));
	}
}
