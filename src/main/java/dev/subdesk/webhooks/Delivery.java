package dev.subdesk.webhooks;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** One event for one endpoint, and how its attempts went (the deliveries log). */
public record Delivery(String id, String endpointId, String eventId, String eventType, Status status, int attempts,
		@Nullable Integer lastStatusCode, @Nullable String lastError, @Nullable Instant nextAttemptAt,
		Instant createdAt) {

	public enum Status {
		PENDING, SUCCEEDED, FAILED
	}
}
