package dev.subdesk.cancellation;

import dev.subdesk.billing.Refund;
import dev.subdesk.shared.Money;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A cancellation as the public API shows it. {@code effectiveAt} is the named subscription's own end;
 * {@code subscriptions} gives each subscription's own end.
 */
public record Cancellation(String confirmationNumber, Status status, Mode mode, List<String> subscriptionIds,
		List<Item> subscriptions, Instant requestedAt, Instant effectiveAt, Money refundTotal, List<Refund> refunds,
		@Nullable Reason reason, CancellationChannel channel, String receiptUrl) {

	public enum Status {
		SCHEDULED, EFFECTIVE, REVOKED, SUPERSEDED
	}

	public enum Mode {
		IMMEDIATE, END_OF_TERM
	}

	public enum Reason {
		TOO_EXPENSIVE, NOT_USING, SWITCHING, TECHNICAL_ISSUES, OTHER
	}

	/**
	 * Whether this cancellation still ends what it names: not withdrawn by its customer (the subscription goes on) nor
	 * replaced by a later one (whose own number then stands).
	 */
	public boolean inForce() {
		return status == Status.SCHEDULED || status == Status.EFFECTIVE;
	}

	/** One subscription a cancellation ends, and when. */
	public record Item(String id, Instant effectiveAt) {
	}

	/**
	 * When this cancellation ends {@code subscriptionId}: its own item's instant (an add-on taken over by its base's
	 * cancellation may end sooner than the base), else the cancellation's.
	 */
	public Instant effectiveAtFor(String subscriptionId) {
		return subscriptions.stream()
			.filter(item -> item.id().equals(subscriptionId))
			.map(Item::effectiveAt)
			.findFirst()
			.orElse(effectiveAt);
	}

	/** The same cancellation with its refunds read again (after they were paid back). */
	public Cancellation withRefunds(List<Refund> settled) {
		return new Cancellation(confirmationNumber, status, mode, subscriptionIds, subscriptions, requestedAt, effectiveAt,
				refundTotal, List.copyOf(settled), reason, channel, receiptUrl);
	}

	public static String receiptPath(String confirmationNumber) {
		return "/api/v1/cancellations/" + confirmationNumber + "/receipt";
	}
}
