package dev.subdesk.stores;

import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.Subscription;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * App Store Server Notifications V2: verifies the {@code signedPayload} and the signed transaction and renewal info in
 * it ({@link AppleSignedData}), reads what the notification type does ({@link #changeOf}) and applies it once
 * ({@link StoreSync}). A bad signature or chain is {@code 401} and changes nothing; a signed one whose ids Subdesk
 * cannot keep ({@link StoreReport#unusable}) is {@code 400} and changes nothing.
 */
@Service
public class AppStoreNotifications {

	private final AppleSignedData signed;
	private final StoreSync sync;
	private final StoresProperties properties;

	AppStoreNotifications(AppleSignedData signed, StoreSync sync, StoresProperties properties) {
		this.signed = signed;
		this.sync = sync;
		this.properties = properties;
	}

	/** Verifies and applies one notification; {@code 401} when anything does not verify. */
	public StoreOutcome receive(String signedPayload) {
		Map<String, Object> payload = signed.verify(signedPayload);
		Map<String, Object> data = map(payload.get("data"));
		String bundleId = configuredApp();
		Map<String, Object> about = data != null ? data : map(payload.get("summary")); // a summary names its app too
		if (about == null || !bundleId.equals(about.get("bundleId"))) {
			throw AppleSignedData.refused("the notification is not for the configured app");
		}
		// the sandbox's purchases cost nothing: a vendor whose sandbox URL points here must not sell through them
		String environment = configuredEnvironment();
		if (!environment.equals(about.get("environment"))) {
			throw AppleSignedData.refused("the notification is not of the configured environment (" + environment + ")");
		}
		Map<String, Object> transaction = transaction(data == null ? null : string(data.get("signedTransactionInfo")));
		Map<String, Object> renewal = renewal(data == null ? null : string(data.get("signedRenewalInfo")));
		String type = required(string(payload.get("notificationType")), "notificationType");
		String subtype = string(payload.get("subtype"));
		Instant signedAt = instant(payload.get("signedDate"));
		if (signedAt == null) {
			throw SubdeskException.invalid("signedPayload", "has no signedDate");
		}
		StoreChange change = changeOf(type, subtype, signedAt, transaction, renewal);
		StoreReport report = new StoreReport(Channel.APP_STORE,
				required(string(payload.get("notificationUUID")), "notificationUUID"), type, subtype, signedAt,
				string(transaction.get("originalTransactionId")), string(transaction.get("productId")),
				string(transaction.get("appAccountToken")), change, refundedAt(type, signedAt, transaction));
		// signed by Apple, but every app's data is signed alike: its ids are checked as any store's are
		report.unusable().ifPresent(why -> {
			throw SubdeskException.invalid("signedPayload", why + "; nothing was changed");
		});
		return sync.apply(report);
	}

	/**
	 * The configured app's bundle id, else {@code 401}. Apple signs every app's data with the same chain: only the
	 * bundle id tells the vendor's app from an app anyone can publish (and buy from, in the sandbox, with a product id
	 * that is one of the vendor's plans).
	 */
	String configuredApp() {
		String bundleId = properties.apple() == null ? null : properties.apple().bundleId();
		if (bundleId == null || bundleId.isBlank()) {
			throw AppleSignedData.refused("no app is configured (SUBDESK_STORES_APPLE_BUNDLE_ID)");
		}
		return bundleId;
	}

	/** The App Store environment whose data counts ({@code Production} unless configured). */
	String configuredEnvironment() {
		return properties.apple() == null ? "Production" : properties.apple().environmentOrDefault();
	}

	/**
	 * The verified payload of a signed transaction info (none: empty), else {@code 401}: also one for another app or
	 * of another environment than the configured ones.
	 */
	Map<String, Object> transaction(@Nullable String signedTransaction) {
		Map<String, Object> transaction = signedTransaction == null ? Map.of() : signed.verify(signedTransaction);
		if (transaction.get("bundleId") != null && !configuredApp().equals(transaction.get("bundleId"))) {
			throw AppleSignedData.refused("the transaction is for another app");
		}
		if (transaction.get("environment") != null && !configuredEnvironment().equals(transaction.get("environment"))) {
			throw AppleSignedData.refused("the transaction is of another environment");
		}
		return transaction;
	}

	/** The verified payload of a signed renewal info (none: empty), else {@code 401}. */
	Map<String, Object> renewal(@Nullable String signedRenewal) {
		return signedRenewal == null ? Map.of() : signed.verify(signedRenewal);
	}

	/** When the store refunded, for a notification of {@code type}: a {@code REFUND}'s revocation date; else none. */
	static @Nullable Instant refundedAt(String type, Instant signedAt, Map<String, Object> transaction) {
		return "REFUND".equals(type) ? Objects.requireNonNullElse(instant(transaction.get("revocationDate")), signedAt)
				: null;
	}

	/** The notification the App Store sends of a change to a status: its type and subtype. */
	record Notice(String type, @Nullable String subtype) {
	}

	/**
	 * The notification that brings a subscription to {@code status}, as the App Store Server API reports it (Get All
	 * Subscription Statuses), so that an answer does what that notification does ({@link #changeOf}): 1 active (as
	 * {@code SUBSCRIBED}: the period of the last transaction, auto-renewal as its renewal info says), 2 expired (as
	 * {@code EXPIRED}, the renewal info's {@code expirationIntent} as its subtype: 1 the customer's, 3 a price increase
	 * not agreed to), 3 billing retry (as {@code DID_FAIL_TO_RENEW}), 4 billing grace period (as
	 * {@code DID_FAIL_TO_RENEW} {@code GRACE_PERIOD}: served until {@code gracePeriodExpiresDate}), 5 revoked (as
	 * {@code REVOKE} when the transaction was family-shared, else as {@code REFUND} at its {@code revocationDate}).
	 */
	static Notice noticeOf(int status, Map<String, Object> transaction, Map<String, Object> renewal) {
		return switch (status) {
			case 1 -> new Notice("SUBSCRIBED", null);
			case 2 -> new Notice("EXPIRED", switch (Objects.requireNonNullElse(number(renewal.get("expirationIntent")), 0L)
				.intValue()) {
					case 1 -> "VOLUNTARY";
					case 2 -> "BILLING_RETRY";
					case 3 -> "PRICE_INCREASE";
					case 4 -> "PRODUCT_NOT_FOR_SALE";
					default -> null;
				});
			case 3 -> new Notice("DID_FAIL_TO_RENEW", null);
			case 4 -> new Notice("DID_FAIL_TO_RENEW", "GRACE_PERIOD");
			case 5 -> new Notice("FAMILY_SHARED".equals(transaction.get("inAppOwnershipType")) ? "REVOKE" : "REFUND", null);
			default -> new Notice("STATUS_" + status, null);
		};
	}

	/**
	 * What each notification type does to the subscription: see docs/GUIDE.md (Store-billed subscriptions) for the
	 * table.
	 */
	static StoreChange changeOf(String type, @Nullable String subtype, Instant signedAt, Map<String, Object> transaction,
			Map<String, Object> renewal) {
		Instant start = instant(transaction.get("purchaseDate"));
		Instant end = instant(transaction.get("expiresDate"));
		Instant revoked = Objects.requireNonNullElse(instant(transaction.get("revocationDate")), signedAt);
		return switch (type) {
			case "SUBSCRIBED" -> new StoreChange.Subscribed(period(start, signedAt), period(end, signedAt),
					!Objects.equals(number(renewal.get("autoRenewStatus")), 0L));
			case "DID_RENEW" -> new StoreChange.Renewed(period(start, signedAt), period(end, signedAt));
			// an upgrade starts at once, on the new product's period; a downgrade waits for the renewal (its DID_RENEW)
			case "DID_CHANGE_RENEWAL_PREF" -> "UPGRADE".equals(subtype)
					? new StoreChange.Renewed(period(start, signedAt), period(end, signedAt))
					: new StoreChange.Nothing(type);
			case "DID_CHANGE_RENEWAL_STATUS" -> new StoreChange.AutoRenewChanged("AUTO_RENEW_ENABLED".equals(subtype),
					period(start, signedAt), period(end, signedAt));
			// GRACE_PERIOD: the App Store serves the customer until the renewal info's gracePeriodExpiresDate; no
			// subtype: billing retry without grace, no service past the period paid for
			case "DID_FAIL_TO_RENEW" -> "GRACE_PERIOD".equals(subtype)
					? new StoreChange.BillingRetry(true, instant(renewal.get("gracePeriodExpiresDate")))
					: new StoreChange.BillingRetry(false, null);
			case "GRACE_PERIOD_EXPIRED" -> new StoreChange.Ended(Subscription.Status.EXPIRED, signedAt, "EXPIRED");
			case "EXPIRED" -> new StoreChange.Ended(
					"VOLUNTARY".equals(subtype) || "PRICE_INCREASE".equals(subtype) ? Subscription.Status.CANCELLED
							: Subscription.Status.EXPIRED,
					end != null && !end.isAfter(signedAt) ? end : signedAt, "EXPIRED");
			case "REFUND" -> new StoreChange.Ended(Subscription.Status.CANCELLED, revoked, "REFUNDED");
			case "REVOKE" -> new StoreChange.Ended(Subscription.Status.CANCELLED, revoked, "REVOKED");
			case "REFUND_REVERSED" -> new StoreChange.RefundReversed(end == null || !end.isAfter(signedAt) ? "EXPIRED"
					: Objects.equals(number(renewal.get("autoRenewStatus")), 0L) ? "AUTO_RENEW_OFF" : "ACTIVE");
			default -> new StoreChange.Nothing(type);
		};
	}

	private static Instant period(@Nullable Instant instant, Instant signedAt) {
		if (instant == null) {
			throw SubdeskException.invalid("signedTransactionInfo", "has no purchaseDate or expiresDate");
		}
		return instant;
	}

	@SuppressWarnings("unchecked")
	private static @Nullable Map<String, Object> map(@Nullable Object value) {
		return value instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
	}

	private static @Nullable String string(@Nullable Object value) {
		return value instanceof String s && !s.isBlank() ? s : null;
	}

	private static @Nullable Long number(@Nullable Object value) {
		return value instanceof Number n ? n.longValue() : null;
	}

	/** The first millisecond of the year 10000: no App Store date is that late, and PostgreSQL's end is not far. */
	static final long LATEST_MILLIS = StoreFields.LATEST_DATE.toEpochMilli();

	/**
	 * App Store dates are milliseconds since the epoch; one before 1970 or after the year 9999 is none Apple gives,
	 * and PostgreSQL has no timestamp for much of what a long can say: {@code 400}, signed or not (a lookup's answer
	 * is then not applied).
	 */
	static @Nullable Instant instant(@Nullable Object value) {
		Long millis = number(value);
		if (millis != null && (millis < 0 || millis >= LATEST_MILLIS)) {
			throw SubdeskException.invalid("signedPayload",
					"a date is not milliseconds since 1970 before the year 10000; nothing was changed");
		}
		return millis == null ? null : Instant.ofEpochMilli(millis);
	}

	private static String required(@Nullable String value, String field) {
		if (value == null) {
			throw SubdeskException.invalid("signedPayload", "has no " + field);
		}
		return value;
	}
}
