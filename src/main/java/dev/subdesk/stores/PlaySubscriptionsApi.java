package dev.subdesk.stores;

import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The port to the Play Developer API's {@code purchases.subscriptionsv2.get}: a Google Play notification only says
 * that something changed; the state is read here. {@link SandboxPlaySubscriptions} serves the tests and demo mode.
 */
public interface PlaySubscriptionsApi {

	/** The subscription purchase behind a purchase token, if Google knows it. */
	Optional<PlaySubscription> get(String packageName, String purchaseToken);

	/**
	 * The parts of a {@code SubscriptionPurchaseV2} Subdesk reads: {@code subscriptionState}
	 * ({@code SUBSCRIPTION_STATE_ACTIVE}, {@code _CANCELED}, {@code _IN_GRACE_PERIOD}, {@code _ON_HOLD},
	 * {@code _PAUSED}, {@code _EXPIRED}), the first line item's product, expiry and auto-renewal, the start, the
	 * {@code externalAccountIdentifiers.obfuscatedExternalAccountId}, whether the customer cancelled
	 * ({@code canceledStateContext.userInitiatedCancellation}), and the latest order (the first line item's
	 * {@code latestSuccessfulOrderId}, else the purchase's {@code latestOrderId}): the order of the period it runs now,
	 * null when Google gave none that can be kept.
	 */
	record PlaySubscription(String subscriptionState, String productId, Instant startTime, Instant expiryTime,
			boolean autoRenewEnabled, @Nullable String obfuscatedExternalAccountId, boolean canceledByUser,
			@Nullable String latestOrderId) {

		/** A purchase whose latest order is not known. */
		public PlaySubscription(String subscriptionState, String productId, Instant startTime, Instant expiryTime,
				boolean autoRenewEnabled, @Nullable String obfuscatedExternalAccountId, boolean canceledByUser) {
			this(subscriptionState, productId, startTime, expiryTime, autoRenewEnabled, obfuscatedExternalAccountId,
					canceledByUser, null);
		}

		/**
		 * Why its dates cannot be kept ({@link StoreFields#date}: before 1970, or from the year 10000 on), naming
		 * Google's field; empty when they can. Its other parts are checked as a {@link StoreReport}'s.
		 */
		Optional<String> unusable() {
			if (!StoreFields.date(startTime)) {
				return Optional.of("startTime is not a date from 1970 before the year 10000");
			}
			if (!StoreFields.date(expiryTime)) {
				return Optional.of("lineItems[0].expiryTime is not a date from 1970 before the year 10000");
			}
			return Optional.empty();
		}
	}
}
