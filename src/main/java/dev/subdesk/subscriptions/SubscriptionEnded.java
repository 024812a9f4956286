package dev.subdesk.subscriptions;

import java.time.Instant;

/**
 * Published, inside the transaction, when a subscription becomes CANCELLED or EXPIRED; the devices on its
 * seats are deactivated by the listener in the same transaction.
 */
public record SubscriptionEnded(String subscriptionId, String accountId, Subscription.Status status, Instant at) {
}
