package dev.subdesk.checkout;

import dev.subdesk.catalog.Plan;
import dev.subdesk.shared.Money;
import java.time.Instant;
import java.util.Optional;

/**
 * The price a new purchase's first renewal (after a free trial: its first charge) really charges when a price change of
 * the plan is already scheduled before it. Implemented by the subscriptions module, whose rule decides when a plan's
 * new price reaches a subscription (the PRICE_CHANGE notice far enough ahead, consent where required), so the
 * disclosure states that price and this module still knows no subscription.
 */
public interface FirstRenewalPrices {

	/**
	 * The new price the renewal at {@code firstRenewal} of a direct purchase of {@code plan} (at the price it is offered
	 * in {@code country}) made at {@code purchase} charges, when a scheduled change applies at it; empty when that
	 * renewal charges the plan's price of today.
	 */
	Optional<NewPrice> at(Plan plan, String country, Instant purchase, Instant firstRenewal);

	/**
	 * A scheduled price that the first renewal charges: {@code price} from {@code effectiveFrom} on; where
	 * {@code consentRequired} (an increase in the EU), only once the customer accepts it, and without that acceptance
	 * the subscription ends at that renewal instead.
	 */
	record NewPrice(Money price, Instant effectiveFrom, boolean consentRequired) {
	}
}
