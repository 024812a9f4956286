package dev.subdesk.webhooks;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A vendor's webhook endpoint as the API shows it: never its secret. {@code events} holds wire names or {@code *}. */
public record WebhookEndpoint(String id, String url, List<String> events, Status status, @Nullable String description,
		Instant createdAt) {

	public enum Status {
		ENABLED, DISABLED
	}

	/** A new endpoint or a rotation, with the secret that is shown this once. */
	public record WithSecret(WebhookEndpoint endpoint, String secret) {
	}
}
