package dev.subdesk.devices;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A device using one seat of a subscription. */
public record Device(String id, String accountId, String name, Platform platform, Status status,
		@Nullable String subscriptionId, Instant createdAt, long seq) {

	public enum Status {
		ACTIVE, DEACTIVATED
	}

	public enum Platform {
		WINDOWS, MACOS, ANDROID, IOS, LINUX
	}
}
