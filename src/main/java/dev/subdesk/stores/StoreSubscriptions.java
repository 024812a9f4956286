package dev.subdesk.stores;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * What the store says about a store-billed subscription, for the API, the portal and the console: the store's own
 * state ({@code ACTIVE}, {@code AUTO_RENEW_OFF}, {@code BILLING_RETRY}, {@code GRACE_PERIOD}, {@code EXPIRED},
 * {@code REFUNDED}, {@code REVOKED}) and when the store refunded it; and the token the vendor's app sets on a purchase.
 */
@Service
public class StoreSubscriptions {

	private final StoreSync sync;
	private final StoreAccountTokens tokens;

	StoreSubscriptions(StoreSync sync, StoreAccountTokens tokens) {
		this.sync = sync;
		this.tokens = tokens;
	}

	/** The store's view of a subscription the store sync keeps. */
	public record StoreStatus(String store, String storeState, @Nullable Instant refundedAt) {

		public boolean refunded() {
			return refundedAt != null;
		}
	}

	/** The store's state of a subscription, when a store notification has placed it. */
	public Optional<StoreStatus> status(String subscriptionId) {
		return sync.purchaseOf(subscriptionId)
			.map(p -> new StoreStatus(p.store(), p.storeState(), p.refundedAt()));
	}

	/** The token the vendor's app sets as {@code appAccountToken} and {@code obfuscatedExternalAccountId}. */
	public UUID accountToken(String accountId) {
		return tokens.tokenFor(accountId);
	}
}
