package dev.subdesk.api;

import dev.subdesk.shared.Digests;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A token that reads the metrics and nothing else ({@code SUBDESK_METRICS_TOKEN}): a Prometheus scrape configuration
 * then holds no key that could cancel a subscription. Unset, the metrics need the API key only. It must not be the API
 * key itself, and is at least 24 characters long.
 */
@Component
class MetricsToken {

	private final byte @Nullable [] expectedDigest;

	MetricsToken(@Value("${subdesk.metrics.token:}") String configured, @Value("${subdesk.api.key:}") String apiKey) {
		String token = configured.strip();
		if (token.isEmpty()) {
			this.expectedDigest = null;
			return;
		}
		if (token.equals(apiKey.strip())) {
			throw new IllegalStateException(
					"SUBDESK_METRICS_TOKEN is the API key: give the metrics a token of their own, or unset it.");
		}
		if (token.length() < 24) {
			throw new IllegalStateException("SUBDESK_METRICS_TOKEN is too short: use at least 24 random characters.");
		}
		this.expectedDigest = Digests.sha256(token);
	}

	/** Whether an {@code Authorization} header is {@code Bearer <the token>}; compares digests in constant time. */
	boolean matches(@Nullable String authorization) {
		if (expectedDigest == null || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			return false;
		}
		return MessageDigest.isEqual(expectedDigest, Digests.sha256(authorization.substring(7).trim()));
	}
}
