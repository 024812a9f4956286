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
		@Nullable ChannelInstructions channelInstructions, @Nullable Trial trial) {

	/**
	 * A subscription in its free trial: when the trial ends, and that nothing has been charged and nothing will be,
	 * whichever option is chosen (ending at once or at the trial's end).
	 */
	public record Trial(Instant endsAt, Money chargedSoFar, Money chargedIfCancelled) {
	}

	public record Option(Cancellation.Mode mode, Instant effectiveAt, Money refund, @Nullable RefundReason refundReason) {
	}

	public enum RefundReason {
		MONEY_BACK_WINDOW, NONE,
		/** The unused share of the term, for a termination without notice (R-DE-6; only when switched on). */
		UNUSED_TERM
	}
}
