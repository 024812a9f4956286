package dev.subdesk.subscriptions;

import java.time.Instant;

/**
 * Published, inside the transaction, when a live subscription's seats change (a store moved it to another plan): the
 * devices listener deactivates the newest devices beyond {@code deviceLimit}, in the same transaction.
 */
public record SubscriptionSeatsChanged(String subscriptionId, String accountId, int deviceLimit, Instant at) {
}
