package dev.subdesk.cancellation;

import dev.subdesk.subscriptions.Subscription;
import java.util.List;

/**
 * A cancellation was made and its customer is to be told, in the transaction that publishes this (invariant 4: one
 * confirmation notice per cancellation). {@code subscriptions}: the subscriptions it ends, in the order of its
 * items; {@code receiptUrl}: the link to its signed receipt; {@code email} and {@code country}: the account holder's.
 */
public record CancellationConfirmed(String accountId, String email, String country, Cancellation cancellation,
		List<Subscription> subscriptions, String receiptUrl) {

	public CancellationConfirmed {
		subscriptions = List.copyOf(subscriptions);
	}
}
