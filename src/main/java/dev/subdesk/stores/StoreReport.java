package dev.subdesk.stores;

import dev.subdesk.subscriptions.Channel;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One verified store notification as Subdesk reads it: the store, its id, type and time, the purchase it is about
 * (App Store original transaction id, Google Play purchase token), the product, the account token the app set, and
 * what it does. {@code read} is the number of the read at the store it reports ({@link StoreSync#numberRead}), for a
 * Google Play push or lookup, which read the purchase's state themselves: it orders them instead of the time
 * ({@link StoreSync}); null for a report the store signed (the App Store's).
 */
record StoreReport(Channel store, String notificationId, String type, @Nullable String subtype, Instant signedAt,
		@Nullable String purchaseId, @Nullable String productId, @Nullable String accountToken, StoreChange change,
		@Nullable Instant refundedAt, @Nullable Long read) {

	/** A report the store signed, ordered by its time. */
	StoreReport(Channel store, String notificationId, String type, @Nullable String subtype, Instant signedAt,
			@Nullable String purchaseId, @Nullable String productId, @Nullable String accountToken, StoreChange change,
			@Nullable Instant refundedAt) {
		this(store, notificationId, type, subtype, signedAt, purchaseId, productId, accountToken, change, refundedAt,
				null);
	}

	/** The same notification doing {@code other} instead. */
	StoreReport withChange(StoreChange other) {
		return new StoreReport(store, notificationId, type, subtype, signedAt, purchaseId, productId, accountToken, other,
				refundedAt, read);
	}
}
