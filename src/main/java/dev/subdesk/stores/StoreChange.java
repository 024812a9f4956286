package dev.subdesk.stores;

import dev.subdesk.subscriptions.Subscription;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** What a store notification does to the subscription it bills; {@link #storeState} is how the store calls it. */
sealed interface StoreChange {

	String storeState();

	/** Bought (or bought again after it ended): ACTIVE for the period the store bills. */
	record Subscribed(Instant periodStart, Instant periodEnd, boolean autoRenew) implements StoreChange {

		@Override
		public String storeState() {
			return autoRenew ? "ACTIVE" : "AUTO_RENEW_OFF";
		}
	}

	/** Renewed, or recovered from the store's billing retry: ACTIVE for the new period. */
	record Renewed(Instant periodStart, Instant periodEnd) implements StoreChange {

		@Override
		public String storeState() {
			return "ACTIVE";
		}
	}

	/**
	 * The customer turned auto-renewal off (it ends at {@code until}) or on again at the store; the period is the one
	 * the store bills ({@code periodStart} to {@code until}), for a purchase Subdesk hears of first through this.
	 */
	record AutoRenewChanged(boolean on, Instant periodStart, Instant until) implements StoreChange {

		@Override
		public String storeState() {
			return on ? "ACTIVE" : "AUTO_RENEW_OFF";
		}
	}

	/**
	 * The store could not bill the renewal and retries. In its grace period service continues until
	 * {@code graceEnd} (null: the store did not say); without one, the store serves nothing past the period paid for.
	 */
	record BillingRetry(boolean gracePeriod, @Nullable Instant graceEnd) implements StoreChange {

		@Override
		public String storeState() {
			return gracePeriod ? "GRACE_PERIOD" : "BILLING_RETRY";
		}
	}

	/**
	 * Ended at {@code at}: CANCELLED when the customer ended it (auto-renewal off, a refund, a revoked family share),
	 * EXPIRED when billing failed for good (or the store holds or pauses it). {@code storeState} is EXPIRED, REFUNDED,
	 * REVOKED, ON_HOLD or PAUSED.
	 */
	record Ended(Subscription.Status status, Instant at, String storeState) implements StoreChange {
	}

	/**
	 * The store reversed its refund (it decided a dispute for the vendor): the subscription is no longer shown as
	 * refunded, and stays ended; {@code storeState} is what the transaction says now (ACTIVE or AUTO_RENEW_OFF while
	 * its period runs, else EXPIRED).
	 */
	record RefundReversed(String storeState) implements StoreChange {
	}

	/** A notification that changes no subscription (a test, a price consent, ...): recorded only. */
	record Nothing(String storeState) implements StoreChange {
	}
}
