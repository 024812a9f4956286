package dev.subdesk.support;

import org.jspecify.annotations.Nullable;

/** A customer's dispute of a charge. */
public record DisputeRequest(Reason reason, @Nullable String confirmationNumber, @Nullable String detail,
		String channel) {

	public enum Reason {
		CHARGED_AFTER_CANCELLATION, UNRECOGNIZED, OTHER
	}
}
