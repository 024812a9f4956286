package dev.subdesk.cancellation;

import java.time.Instant;

/** A retention offer shown beside a working cancel control. It applies only if accepted explicitly. */
public record Offer(String id, String subscriptionId, Kind kind, String description, Instant expiresAt) {

	public enum Kind {
		DISCOUNT, PAUSE, DOWNGRADE
	}
}
