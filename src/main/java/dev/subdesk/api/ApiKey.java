package dev.subdesk.api;

import dev.subdesk.shared.Digests;
import jakarta.servlet.http.HttpServletRequest;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The API key: {@code SUBDESK_API_KEY}; in demo mode an unset key is generated and printed once; in production mode
 * (dev.subdesk.OperatingMode) the server refuses to start without one. It is checked by {@link ApiSecurity} on the path the server
 * routes; a request it admits carries the key's fingerprint (the lower-case hex SHA-256 of the key), which
 * {@link #fingerprint(HttpServletRequest)} reads, for whatever is scoped to "the authenticated key".
 */
@Component
class ApiKey {

	private static final Logger log = LoggerFactory.getLogger(ApiKey.class);

	/** The request attribute that carries the fingerprint of the key that authenticated the request. */
	static final String FINGERPRINT = ApiKey.class.getName() + ".fingerprint";

	/** The length below which a configured key is warned about, as the metrics token's minimum. */
	static final int MIN_LENGTH = 24;

	private final byte[] expectedDigest;
	private final String fingerprint;

	ApiKey(@Value("${subdesk.api.key:}") String configured, @Value("${subdesk.demo-mode:false}") boolean demoMode) {
		// as the presented key is (trimmed): a key read from a file often ends with a line break
		String key = configured.strip();
		if (key.isEmpty()) {
			if (!demoMode) {
				throw new IllegalStateException(
						"SUBDESK_API_KEY is not set. In production mode the API key must be configured: set "
								+ "SUBDESK_API_KEY to a long random secret and start again.");
			}
			byte[] random = new byte[24];
			new SecureRandom().nextBytes(random);
			key = "sk_demo_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
			log.warn("""

					=====================================================================
					 Demo mode: SUBDESK_API_KEY was not set, so this key was generated.
					 API key: {}
					 Use it as:  Authorization: Bearer <key>
					=====================================================================""", key);
		}
		else if (!demoMode && key.length() < MIN_LENGTH) {
			log.warn("SUBDESK_API_KEY has {} characters: use a random secret of at least {} (it opens the whole API)",
					key.length(), MIN_LENGTH);
		}
		this.expectedDigest = Digests.sha256(key);
		this.fingerprint = HexFormat.of().formatHex(expectedDigest);
	}

	/**
	 * The fingerprint of the key an {@code Authorization} header presents, when it is {@code Bearer <the key>}
	 * (the scheme in any letter case). Compares digests of equal length in constant time.
	 */
	Optional<String> verify(@Nullable String authorization) {
		if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			return Optional.empty();
		}
		byte[] presented = Digests.sha256(authorization.substring(7).trim());
		return MessageDigest.isEqual(expectedDigest, presented) ? Optional.of(fingerprint) : Optional.empty();
	}

	/**
	 * The fingerprint of the API key that authenticated this request (the lower-case hex SHA-256 of the key), or
	 * empty for a request without a valid key (a public endpoint called anonymously). Set by {@link ApiSecurity}
	 * before anything else under {@code /api} runs.
	 */
	static Optional<String> fingerprint(HttpServletRequest request) {
		return request.getAttribute(FINGERPRINT) instanceof String fingerprint ? Optional.of(fingerprint)
				: Optional.empty();
	}
}
