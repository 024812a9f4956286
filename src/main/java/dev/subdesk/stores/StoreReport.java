package dev.subdesk.stores;

import dev.subdesk.subscriptions.Channel;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One verified store notification as Subdesk reads it: the store, its id, type and time, the purchase it is about
 * (App Store original transaction id, Google Play purchase token), the product, the account token the app set, and
 * what it does.
 */
record StoreReport(Channel store, String notificationId, String type, @Nullable String subtype, Instant signedAt,
		@Nullable String purchaseId, @Nullable String productId, @Nullable String accountToken, StoreChange change,
		@Nullable Instant refundedAt) {

	/** The same notification doing {@code other} instead. */
	StoreReport withChange(StoreChange other) {
		return new StoreReport(store, notificationId, type, subtype, signedAt, purchaseId, productId, accountToken, other,
				refundedAt);
	}
}
