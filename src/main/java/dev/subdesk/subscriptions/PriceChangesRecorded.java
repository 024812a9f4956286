package dev.subdesk.subscriptions;

import dev.subdesk.accounts.Accounts;
import java.time.Instant;
import java.util.List;

/**
 * A batch of subscribers' price changes was recorded at {@code at}, in the transaction that publishes this: each
 * subscriber is to be told the change ahead of the renewal it applies to (the PRICE_CHANGE notice), all of one batch
 * at once.
 */
public record PriceChangesRecorded(List<Recorded> changes, Instant at) {

	public PriceChangesRecorded {
		changes = List.copyOf(changes);
	}

	/**
	 * One subscriber's change, with the account holder to tell and what the renewal it applies at will charge (the
	 * new price, or a lower discount accepted for it with the new price from the renewal after).
	 */
	public record Recorded(Subscription subscription, SubscriptionPriceChange change, Accounts.Addressee to,
			PriceChangeAtRenewal atRenewal) {
	}
}
