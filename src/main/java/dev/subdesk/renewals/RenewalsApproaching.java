package dev.subdesk.renewals;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.shared.Money;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.PriceChangeAtRenewal;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A batch of subscriptions was claimed at {@code at} as nearing a {@link Milestone}, in the transaction that marks
 * them told: each account holder is to be told ahead of it. One event for the whole batch.
 */
public record RenewalsApproaching(Milestone milestone, List<Approaching> subscriptions, Instant at) {

	public RenewalsApproaching {
		subscriptions = List.copyOf(subscriptions);
	}

	public enum Milestone {
		/** The renewal (the RENEWAL_REMINDER's days ahead). */
		RENEWAL,
		/** The renewal charge of a yearly plan (the pre-billing UPCOMING_CHARGE). */
		CHARGE,
		/**
		 * The renewal that ends a promotional price (a period charged an accepted discount) and charges the full price
		 * again: the UPCOMING_CHARGE saying the discount ends (R-CA-6, 3 to 21 days ahead).
		 */
		PROMOTION_END,
		/** The end of a free trial, which converts into the first charge (TRIAL_ENDING). */
		TRIAL_END
	}

	/**
	 * One subscription with the account holder to tell, and what the renewal (or the trial's conversion) will charge
	 * as things stand: the subscription's price, or a plan's new price that applies at it. {@code awaitingConsent}: a
	 * price increase the customer has yet to accept (EU), without which the subscription ends at that renewal and with
	 * which it charges what that says (the new price, or a lower discount accepted for it); the notice then says that
	 * instead of quoting {@code charge}.
	 */
	public record Approaching(Subscription subscription, Accounts.Addressee to, Money charge,
			@Nullable PriceChangeAtRenewal awaitingConsent) {
	}
}
