package dev.subdesk.stores;

import dev.subdesk.shared.Digests;
import dev.subdesk.shared.StorableText;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The rules for the values a store sends that Subdesk keeps (its notifications, the answers of its APIs), signed or
 * not: each is an identifier or a name of the store, so one that is not (U+0000, which PostgreSQL cannot store; an
 * unpaired surrogate; a control character; absurd lengths) is refused, never cleaned into another id. Only the
 * account token the vendor's app set is the app's own text: it is matched only as one of our UUIDs, and quoted as
 * {@link StorableText#excerpt} where a case shows it.
 */
final class StoreFields {

	/** The longest notification id, App Store transaction id and Pub/Sub message id kept. */
	static final int ID_LIMIT = 200;

	/** The longest purchase token asked about and kept: Google's are a few hundred characters at most. */
	static final int PURCHASE_TOKEN_LIMIT = 800;

	/**
	 * A product id: the App Store allows letters, digits, {@code _} and {@code .}; Google Play lower-case letters,
	 * digits, {@code _} and {@code .}; {@code -} too, for a plan code used as the product id. Both are far shorter.
	 */
	private static final Pattern PRODUCT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

	/**
	 * A notification type or subtype, or a state, as the stores name them ({@code DID_RENEW},
	 * {@code SUBSCRIPTION_STATE_ACTIVE}): kept as they come, a name the code does not know included.
	 */
	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

	private StoreFields() {
	}

	/**
	 * Whether {@code id} (a notification or message id, a transaction id, a purchase token) can be kept as it is:
	 * {@code 1..limit} characters (within PostgreSQL's limit for an index entry, 2704 bytes, at 3 bytes a character),
	 * none a control character (U+0000 cannot be stored; the others have no place in an id and would garble the
	 * log), no unpaired surrogate.
	 */
	static boolean identifier(String id, int limit) {
		return !id.isEmpty() && id.length() <= limit && StorableText.storable(id)
				&& id.chars().noneMatch(Character::isISOControl);
	}

	/** The first instant of the year 10000: no store date is that late, and PostgreSQL's last timestamp is not far. */
	static final Instant LATEST_DATE = Instant.ofEpochMilli(253_402_300_800_000L);

	/**
	 * Whether a store's date can be kept: from 1970, before the year 10000 (as {@link AppStoreNotifications#instant}
	 * requires of Apple's). An RFC 3339 date Google sends may say any year {@code Instant.parse} reads, past what a
	 * PostgreSQL timestamp holds.
	 */
	static boolean date(Instant date) {
		return !date.isBefore(Instant.EPOCH) && date.isBefore(LATEST_DATE);
	}

	/** Whether {@code id} is a product id ({@link #PRODUCT_ID}). */
	static boolean productId(String id) {
		return PRODUCT_ID.matcher(id).matches();
	}

	/** Whether {@code name} is a notification type, subtype or state as the stores name them ({@link #NAME}). */
	static boolean name(String name) {
		return NAME.matcher(name).matches();
	}

	/**
	 * A Google Play purchase token's SHA-256, its first 16 bytes in hex: names the purchase where the token itself
	 * must not be written (a support case, a log line).
	 */
	static String tokenHash(String purchaseToken) {
		return HexFormat.of().formatHex(Digests.sha256(purchaseToken), 0, 16);
	}

	/**
	 * A purchase as a log line names it: an App Store purchase by its original transaction id, a Google Play one only
	 * by its token's hash ({@link #tokenHash}): a purchase token is a credential of the customer's purchase.
	 */
	static String purchaseForLog(String store, String purchaseId) {
		return dev.subdesk.subscriptions.Channel.GOOGLE_PLAY.name().equals(store)
				? "whose token hashes to " + tokenHash(purchaseId) : purchaseId;
	}

	/** {@code value} as a log line may quote it: one line, at most 100 characters. */
	static String quoted(String value) {
		return StorableText.excerpt(value, 100);
	}
}
