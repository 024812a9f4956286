package dev.subdesk.cancellation;

import dev.subdesk.shared.Money;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What cancelling would do, before it is done: both options with their end and refund, the add-ons that end
 * too, at most one retention offer, or, for a store-billed subscription, where to cancel it instead.
 */
public record Quote(String subscriptionId, List<String> alsoCancels, List<Option> options, @Nullable Offer offer,
		@Nullable ChannelInstructions channelInstructions) {

	public record Option(Cancellation.Mode mode, Instant effectiveAt, Money refund, @Nullable RefundReason refundReason) {
	}

	public enum RefundReason {
		MONEY_BACK_WINDOW, NONE,
		/** The unused share of the term, for a termination without notice (R-DE-6; only when switched on). */
		UNUSED_TERM
	}
}
