package dev.subdesk.subscriptions;

import dev.subdesk.shared.Money;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A plan's price change as it stands for one subscription: the PRICE_CHANGE notice went out at {@code noticeSentAt};
 * from the renewal at {@code renewalAt} the subscription costs {@code newPrice} instead of {@code oldPrice}, if by
 * then the notice is at least the rule table's days old and, where {@code consentRequired}, the customer accepted
 * (at {@code consentedAt}, through {@code consentChannel}). {@code status}: PENDING, APPLIED (renewed at the new
 * price), ENDED (no consent by the renewal: the subscription ended at the term's end) or SUPERSEDED (a newer change
 * of the plan was announced to the subscriber before this one applied: only the newest announced change counts).
 */
public record SubscriptionPriceChange(String subscriptionId, String priceChangeId, Money oldPrice, Money newPrice,
		Instant renewalAt, Instant noticeSentAt, boolean consentRequired, @Nullable Instant consentedAt,
		@Nullable String consentChannel, Status status) {

	public enum Status {
		PENDING, APPLIED, ENDED, SUPERSEDED
	}

	/** Whether the portal should ask the customer to accept the new price. */
	public boolean awaitingConsent() {
		return status == Status.PENDING && consentRequired && consentedAt == null;
	}

	/**
	 * The one rule of whether the renewal at {@code renewal} is charged the new price: the change is pending and due at
	 * or before that renewal, its notice went out at least {@code lead} before it, and the consent is recorded where it
	 * is required. Otherwise that renewal keeps the old price (and a change whose notice came too late applies at a
	 * later renewal).
	 */
	public boolean appliesAt(Instant renewal, Duration lead) {
		return dueAt(renewal, lead) && (!consentRequired || consentedAt != null);
	}

	/**
	 * Whether the renewal at {@code renewal} waits for the customer's consent to this change: it would apply there
	 * ({@link #appliesAt}) once accepted; without it the subscription ends at that renewal instead.
	 */
	public boolean awaitsConsentAt(Instant renewal, Duration lead) {
		return dueAt(renewal, lead) && awaitingConsent();
	}

	private boolean dueAt(Instant renewal, Duration lead) {
		return status == Status.PENDING && !renewalAt.isAfter(renewal) && !noticeSentAt.isAfter(renewal.minus(lead));
	}
}
