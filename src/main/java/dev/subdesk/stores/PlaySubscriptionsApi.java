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
	 * null when Google gave none that can be kept. A purchase that bills no period yet (a pending one, in
	 * {@code SUBSCRIPTION_STATE_PENDING}: its line item has no {@code expiryTime}) has no product and dates
	 * ({@link #billsAPeriod}): there is nothing to apply.
	 */
	record PlaySubscription(String subscriptionState, @Nullable String productId, @Nullable Instant startTime,
			@Nullable Instant expiryTime, boolean autoRenewEnabled, @Nullable String obfuscatedExternalAccountId,
			boolean canceledByUser, @Nullable String latestOrderId) {

		/**
		 * The states in which Google bills (or billed) a period, whose answer names its product and expiry; an answer
		 * in one of them without those is not Google's.
		 */
		static final java.util.Set<String> BILLING_STATES = java.util.Set.of("SUBSCRIPTION_STATE_ACTIVE",
				"SUBSCRIPTION_STATE_CANCELED", "SUBSCRIPTION_STATE_IN_GRACE_PERIOD", "SUBSCRIPTION_STATE_ON_HOLD",
				"SUBSCRIPTION_STATE_PAUSED", "SUBSCRIPTION_STATE_EXPIRED");

		/** A purchase in {@code subscriptionState} that bills no period yet (pending): nothing to apply. */
		static PlaySubscription withoutPeriod(String subscriptionState, @Nullable String obfuscatedExternalAccountId) {
			return new PlaySubscription(subscriptionState, null, null, null, false, obfuscatedExternalAccountId, false,
					null);
		}

		/** Whether it names the product and the period Google bills; else nothing of it is applied. */
		boolean billsAPeriod() {
			return productId != null && startTime != null && expiryTime != null;
		}

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
			if (startTime != null && !StoreFields.date(startTime)) {
				return Optional.of("startTime is not a date from 1970 before the year 10000");
			}
			if (expiryTime != null && !StoreFields.date(expiryTime)) {
				return Optional.of("lineItems[0].expiryTime is not a date from 1970 before the year 10000");
			}
			return Optional.empty();
		}
	}
}
