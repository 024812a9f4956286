package dev.subdesk.subscriptions;

import dev.subdesk.shared.Money;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
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
	 * or before that renewal, its notice went out inside the rules' window before it (at most {@code lead}, the rule
	 * table's days, and at least {@code minimumLead} ahead: R-CA-8's 7-30 days, R-NY-2's 5-30) and the consent is
	 * recorded where it is required. Otherwise that renewal keeps the old price: a change whose notice came too late,
	 * or too early (told before a renewal that kept an accepted discount), applies at a later renewal, after a notice
	 * inside the window before it.
	 */
	public boolean appliesAt(Instant renewal, Duration minimumLead, Duration lead) {
		return dueAt(renewal, minimumLead, lead) && (!consentRequired || consentedAt != null);
	}

	/**
	 * Whether the renewal at {@code renewal} waits for the customer's consent to this change: it would apply there
	 * ({@link #appliesAt}) once accepted; without it the subscription ends at that renewal instead.
	 */
	public boolean awaitsConsentAt(Instant renewal, Duration minimumLead, Duration lead) {
		return dueAt(renewal, minimumLead, lead) && awaitingConsent();
	}

	/**
	 * Whether this change still has to be told ahead of the renewal at {@code renewal} (its notice went out before
	 * that renewal's window, or was meant for an earlier renewal) and can still be, from {@code now}: the notice job
	 * tells it again inside the window, and the change then reaches that renewal as if told there first.
	 */
	public boolean toBeToldAgainFor(Instant renewal, Duration minimumLead, Duration lead, Instant now) {
		return status == Status.PENDING && !renewalAt.isAfter(renewal) && noticeSentAt.isBefore(renewal.minus(lead))
				&& !renewal.minus(minimumLead).isBefore(now);
	}

	/**
	 * The one timing rule of a change no notice has told yet, for the renewal at {@code renewal}, seen from
	 * {@code from} (a purchase, for the checkout's disclosure of its first renewal: FirstRenewalPriceChanges; now, for
	 * the API's price of a subscription in its first term: SubscriptionPriceChanges): the notice job sends its
	 * PRICE_CHANGE notice {@code lead} ahead of the renewal, or at its first run after {@code from} when that is already
	 * past (a scheduler tick, never {@code from}'s very instant), and claims a subscriber only while the notice can
	 * still land at least {@code minimumLead} ahead: so a renewal exactly {@code minimumLead} after {@code from} (a
	 * 7-day trial) keeps the old price. The instant the notice goes out (as the row it writes will say), or empty when
	 * it can no longer reach that renewal.
	 */
	public static Optional<Instant> untoldNoticeAt(Instant renewal, Instant from, Duration minimumLead, Duration lead) {
		Instant noticeAt = renewal.minus(lead).isAfter(from) ? renewal.minus(lead) : from;
		boolean sentInTime = noticeAt.isAfter(from) || renewal.minus(minimumLead).isAfter(from);
		return sentInTime ? Optional.of(noticeAt) : Optional.empty();
	}

	private boolean dueAt(Instant renewal, Duration minimumLead, Duration lead) {
		return status == Status.PENDING && !renewalAt.isAfter(renewal) && !noticeSentAt.isAfter(renewal.minus(minimumLead))
				&& !noticeSentAt.isBefore(renewal.minus(lead));
	}
}
