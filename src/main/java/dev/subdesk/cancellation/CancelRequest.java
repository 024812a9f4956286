package dev.subdesk.cancellation;

import org.jspecify.annotations.Nullable;

/**
 * A customer's request to cancel. {@code feedback} is stored, never returned nor put in the receipt.
 * {@code actor} names who acted (the X-Actor header, an agent, the customer) for the audit trail.
 */
public record CancelRequest(Cancellation.Mode mode, Cancellation.@Nullable Reason reason, @Nullable String feedback,
		CancellationChannel channel, String actor) {
}
