package dev.subdesk.subscriptions;

import dev.subdesk.shared.Money;

/**
 * A subscription with the {@code price} the API shows for it (what its next renewal will cost), as this module worked
 * it out in the transaction that publishes the change it is the resource of: the edge records it as it is, instead of
 * working that price out once more ({@link SubscriptionPriceChanges}: a notice batch compares the price before and
 * after its notices, and the event carries the one after).
 */
public record SubscriptionAsShown(Subscription subscription, Money price) {
}
