package dev.subdesk.subscriptions;

import dev.subdesk.shared.Money;
import java.time.Instant;

/**
 * What a subscriber's pending price change means for the renewal it applies at ({@code renewal}), as the renewal
 * engine charges it ({@link SubscriptionPriceChanges#atRenewal}, the one rule): that renewal charges {@code charge},
 * the new price or, where the customer accepted a retention discount for that renewal that is lower, the discount;
 * the new price is charged from {@code newPriceFrom} on: that renewal, or the one after it when the discount is kept.
 * Where the change {@linkplain SubscriptionPriceChange#awaitingConsent awaits consent}, it is what is charged if the
 * customer accepts (without it the subscription ends at that renewal and nothing more is charged).
 */
public record PriceChangeAtRenewal(SubscriptionPriceChange change, Instant renewal, Money charge, Instant newPriceFrom) {

	/** Whether that renewal is charged an accepted discount and the new price only from the renewal after it. */
	public boolean discountFirst() {
		return newPriceFrom.isAfter(renewal);
	}
}
