package dev.subdesk.stores;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The port to the Play Developer API's {@code purchases.voidedpurchases.list}: the orders Google voided (refunded and
 * revoked, or charged back; only revoked orders are listed), in-app products and subscriptions alike ({@code type=1}).
 * Only {@link GooglePlayDeveloperApi} serves it: without a service account key there is no list to read, and
 * {@link VoidedPurchases} does nothing.
 */
interface PlayVoidedPurchasesApi {

	/**
	 * One page of the list: the window {@code startTime}..{@code endTime} (when Google's systems saw a purchase voided,
	 * not its {@code voidedTimeMillis}), or the page {@code pageToken} names (Google then ignores the window).
	 *
	 * @throws GooglePlayDeveloperApi.Unavailable no answer, an error, or a body that is not a list
	 * @throws PageTokenRefused Google answered {@code 400} to a page token
	 */
	VoidedPage list(String packageName, Query query);

	/** What is asked: a window, or the page a token names; at most {@code maxResults} entries (Google's limit 1000). */
	record Query(Instant startTime, Instant endTime, @Nullable String pageToken, int maxResults) {
	}

	/**
	 * A page: the entries that can be kept, Google's {@code tokenPagination.nextPageToken} (null: the window's last
	 * page), and why each entry that cannot be kept was left out.
	 */
	record VoidedPage(List<Voided> purchases, @Nullable String nextPageToken, List<String> unreadable) {
	}

	/**
	 * A {@code VoidedPurchase} as Subdesk reads it: its {@code purchaseToken}, {@code orderId} (one order of the
	 * subscription: its purchase or a renewal) and {@code voidedTimeMillis}. Its {@code voidedSource} and
	 * {@code voidedReason} (fraud, chargeback ...) say something about the customer: they are not read.
	 */
	record Voided(String purchaseToken, @Nullable String orderId, Instant voidedAt) {

		static final String PREFIX = "voided-";

		/**
		 * The id it is recorded under among Google's notifications, so that the same entry read again changes nothing:
		 * {@code voided-} and its order id, or (no order id) its time and a hash of its purchase token.
		 */
		String notificationId() {
			if (orderId != null) {
				return PREFIX + orderId;
			}
			return PREFIX + voidedAt.toEpochMilli() + "-" + tokenHash();
		}

		/** The purchase token's hash ({@link StoreFields#tokenHash}): a support case's reference names it so. */
		String tokenHash() {
			return StoreFields.tokenHash(purchaseToken);
		}
	}

	/** Google refused a page token ({@code 400}): the window it belongs to is read again from its start. */
	final class PageTokenRefused extends RuntimeException {

		PageTokenRefused(String message) {
			super(message);
		}
	}
}
