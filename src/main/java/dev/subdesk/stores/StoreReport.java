package dev.subdesk.stores;

import dev.subdesk.subscriptions.Channel;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One verified store notification as Subdesk reads it: the store, its id, type and time, the purchase it is about
 * (App Store original transaction id, Google Play purchase token), the product, the account token the app set, and
 * what it does. {@code read} is the number of the read at the store it reports ({@link StoreSync#numberRead}), for a
 * Google Play push or lookup, which read the purchase's state themselves: it orders them instead of the time
 * ({@link StoreSync}); null for a report the store signed (the App Store's). {@code latestOrderId} is the order of the
 * period Google Play bills now, as its read says (null: none said). What it says is kept only when
 * {@link #unusable} finds nothing: whoever reads a report from the store checks it first, signed or not.
 */
record StoreReport(Channel store, String notificationId, String type, @Nullable String subtype, Instant signedAt,
		@Nullable String purchaseId, @Nullable String productId, @Nullable String accountToken, StoreChange change,
		@Nullable Instant refundedAt, @Nullable Long read, @Nullable String latestOrderId) {

	/** A report that names no order (the App Store's; a Google Play read without one). */
	StoreReport(Channel store, String notificationId, String type, @Nullable String subtype, Instant signedAt,
			@Nullable String purchaseId, @Nullable String productId, @Nullable String accountToken, StoreChange change,
			@Nullable Instant refundedAt, @Nullable Long read) {
		this(store, notificationId, type, subtype, signedAt, purchaseId, productId, accountToken, change, refundedAt,
				read, null);
	}

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
				refundedAt, read, latestOrderId);
	}

	/**
	 * Why what the report says cannot be kept ({@link StoreFields}), naming the store's field; empty when it can. Its
	 * ids ({@code notificationUUID} or {@code messageId}, {@code originalTransactionId} or {@code purchaseToken}) are
	 * identifiers, its product a product id, its type and subtype (a Google Play purchase's
	 * {@code subscriptionState}) names. The account token is not checked: it is the app's text, matched only as one
	 * of our UUIDs.
	 */
	Optional<String> unusable() {
		boolean apple = store == Channel.APP_STORE;
		if (!StoreFields.identifier(notificationId, StoreFields.ID_LIMIT)) {
			return why(apple ? "notificationUUID" : "messageId", "an id of 1 to %d characters, without control characters"
				.formatted(StoreFields.ID_LIMIT));
		}
		if (!StoreFields.name(type)) {
			return why("notificationType", "a name of letters, digits, '_', '.' or '-'");
		}
		if (subtype != null && !StoreFields.name(subtype)) {
			return why(apple ? "subtype" : "subscriptionState", "a name of letters, digits, '_', '.' or '-'");
		}
		int limit = apple ? StoreFields.ID_LIMIT : StoreFields.PURCHASE_TOKEN_LIMIT;
		if (purchaseId != null && !StoreFields.identifier(purchaseId, limit)) {
			return why(apple ? "originalTransactionId" : "purchaseToken",
					"an id of 1 to %d characters, without control characters".formatted(limit));
		}
		if (productId != null && !StoreFields.productId(productId)) {
			return why("productId", "a product id: 1 to 200 letters, digits, '_', '.' or '-'");
		}
		return Optional.empty();
	}

	private static Optional<String> why(String field, String rule) {
		return Optional.of(field + " is not " + rule);
	}
}
