package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One purchase in the App Store, for tests: the account's store token as the vendor's app sets it, the signed
 * transaction, and notifications about it posted as the App Store posts them ({@link AppStoreSigner}).
 */
public final class AppStorePurchase {

	static final String PRODUCT = "example.acme.antivirus.monthly";

	final String account;
	final String token;
	private final String originalTransactionId = "2000" + System.nanoTime();
	Instant start;
	Instant end;
	@Nullable String revocationDate;
	/** The store's product id the purchase bills now (a plan's code needs no mapping). */
	String product = PRODUCT;
	/** The end of the billing grace period, as the renewal info's {@code gracePeriodExpiresDate} (null: none). */
	@Nullable Instant gracePeriodExpires;
	/** The renewal info's {@code autoRenewStatus}: 1 on, 0 off. */
	int autoRenewStatus = 1;
	/** The renewal info's {@code expirationIntent} (null: none). */
	@Nullable Integer expirationIntent;
	/** The transaction's {@code revocationReason} (null: none). */
	@Nullable Integer revocationReason;
	/**
	 * When Apple signed the transaction and renewal info, their {@code signedDate} (null: left out; in an answer
	 * signed when asked, {@link #statusesSignedWhenAsked}, the time it is asked).
	 */
	@Nullable Instant signedDate;

	private final Api vendor;
	private final Api store;
	private final AppStoreSigner signer;

	AppStorePurchase(Api vendor, Api store, AppStoreSigner signer, String account, Instant now) {
		this.vendor = vendor;
		this.store = store;
		this.signer = signer;
		this.account = account;
		this.token = vendor.get("/accounts/" + account + "/store-account-token").text("appAccountToken");
		this.start = now.minus(Duration.ofMinutes(5));
		this.end = start.plus(Duration.ofDays(30));
	}

	/** A purchase by {@code account}, through a client with the API key, signed by the trusted test chain. */
	public static AppStorePurchase by(Api withKey, String account, Instant now) {
		return new AppStorePurchase(withKey, withKey.with("Authorization", null), AppStoreSigner.trusted(), account, now);
	}

	/** Posts a signed payload; the answer must have status {@code expected}. */
	static Api.Response post(Api store, String signedPayload, int expected) {
		Api.Response answer = store.post("/channels/apple/notifications", Map.of("signedPayload", signedPayload));
		assertThat(answer.status()).as(answer.toString()).isEqualTo(expected);
		return answer;
	}

	/** The App Store's id of the purchase. */
	public String originalTransactionId() {
		return originalTransactionId;
	}

	/** The store refunds from {@code at} on (the transaction's {@code revocationDate}). */
	public void revokedAt(Instant at) {
		revocationDate = at.toString();
	}

	Map<String, Object> transaction() {
		Map<String, Object> t = new LinkedHashMap<>();
		t.put("originalTransactionId", originalTransactionId);
		t.put("transactionId", originalTransactionId + "-" + start.toEpochMilli());
		t.put("bundleId", "example.acme.app");
		t.put("productId", product);
		t.put("purchaseDate", start.toEpochMilli());
		t.put("expiresDate", end.toEpochMilli());
		t.put("appAccountToken", token);
		t.put("type", "Auto-Renewable Subscription");
		t.put("environment", "Sandbox");
		t.put("inAppOwnershipType", "PURCHASED");
		if (revocationDate != null) {
			t.put("revocationDate", Instant.parse(revocationDate).toEpochMilli());
		}
		if (revocationReason != null) {
			t.put("revocationReason", revocationReason);
		}
		if (signedDate != null) {
			t.put("signedDate", signedDate.toEpochMilli());
		}
		return t;
	}

	/** {@code payload} signed by this purchase's signer (the trusted chain, or another). */
	String signWith(Map<String, ?> payload) {
		return signer.sign(payload);
	}

	Map<String, Object> renewal() {
		Map<String, Object> renewal = new LinkedHashMap<>();
		renewal.put("originalTransactionId", originalTransactionId);
		renewal.put("autoRenewProductId", product);
		renewal.put("autoRenewStatus", autoRenewStatus);
		if (gracePeriodExpires != null) {
			renewal.put("gracePeriodExpiresDate", gracePeriodExpires.toEpochMilli());
		}
		if (expirationIntent != null) {
			renewal.put("expirationIntent", expirationIntent);
		}
		renewal.put("environment", "Sandbox");
		if (signedDate != null) {
			renewal.put("signedDate", signedDate.toEpochMilli());
		}
		return renewal;
	}

	/**
	 * What the App Store Server API's Get All Subscription Statuses answers about this purchase now: its
	 * {@code status} and the signed transaction and renewal info, in a subscription group with another customer's
	 * purchase (of another original transaction) before it.
	 */
	Map<String, Object> statuses(int status) {
		return statuses(status, transaction(), renewal());
	}

	/**
	 * As {@link #statuses(int)}, of the purchase as it is now, as Apple answers when it is asked at a given time: it
	 * signs the transaction and renewal info then, their {@code signedDate} that time (unless {@link #signedDate}
	 * says another). For {@link FakeAppStoreServerApi#put(String, java.util.function.Function)}.
	 */
	java.util.function.Function<Instant, Map<String, Object>> statusesSignedWhenAsked(int status) {
		Map<String, Object> transaction = transaction();
		Map<String, Object> renewal = renewal();
		return at -> statuses(status, signed(transaction, at), signed(renewal, at));
	}

	private static Map<String, Object> signed(Map<String, Object> data, Instant at) {
		Map<String, Object> signed = new LinkedHashMap<>(data);
		signed.putIfAbsent("signedDate", at.toEpochMilli());
		return signed;
	}

	private Map<String, Object> statuses(int status, Map<String, Object> transaction, Map<String, Object> renewal) {
		Map<String, Object> other = new LinkedHashMap<>(transaction);
		other.put("originalTransactionId", "1999" + System.nanoTime());
		return Map.of("environment", "Sandbox", "bundleId", "example.acme.app", "appAppleId", 1234567890L, "data",
				java.util.List.of(Map.of("subscriptionGroupIdentifier", "21000001", "lastTransactions",
						java.util.List.of(
								Map.of("originalTransactionId", other.get("originalTransactionId"), "status", 2,
										"signedTransactionInfo", signer.sign(other), "signedRenewalInfo",
										signer.sign(renewal)),
								Map.of("originalTransactionId", originalTransactionId, "status", status,
										"signedTransactionInfo", signer.sign(transaction), "signedRenewalInfo",
										signer.sign(renewal))))));
	}

	/** Posts a notification of {@code type} signed at {@code signedAt}; returns its outcome. */
	public String notify(String type, @Nullable String subtype, Instant signedAt) {
		return notify(type, subtype, signedAt, UUID.randomUUID().toString());
	}

	/** As {@link #notify(String, String, Instant)}, returning the whole answer. */
	public JsonNode answer(String type, @Nullable String subtype, Instant signedAt) {
		return post(store, signer.sign(notification(type, subtype, signedAt, UUID.randomUUID().toString(), transaction())),
				200).json();
	}

	String notify(String type, @Nullable String subtype, Instant signedAt, String notificationUuid) {
		return post(store, signer.sign(notification(type, subtype, signedAt, notificationUuid, transaction())), 200)
			.text("outcome");
	}

	Map<String, Object> notification(String type, @Nullable String subtype, Instant signedAt, String uuid,
			Map<String, Object> transaction) {
		Map<String, Object> data = new LinkedHashMap<>();
		data.put("appAppleId", 1234567890L);
		data.put("bundleId", "example.acme.app");
		data.put("environment", "Sandbox");
		data.put("signedTransactionInfo", signer.sign(transaction));
		data.put("signedRenewalInfo", signer.sign(renewal()));
		Map<String, Object> payload = new HashMap<>();
		payload.put("notificationType", type);
		if (subtype != null) {
			payload.put("subtype", subtype);
		}
		payload.put("notificationUUID", uuid);
		payload.put("version", "2.0");
		payload.put("signedDate", signedAt.toEpochMilli());
		payload.put("data", data);
		return payload;
	}

	/** The account's one subscription, as the API shows it. */
	public JsonNode subscription() {
		JsonNode list = vendor.get("/accounts/" + account + "/subscriptions").json().path("data");
		assertThat(list.size()).as(list.toString()).isEqualTo(1);
		return list.get(0);
	}

	JsonNode storeStatus() {
		Api.Response answer = vendor.get("/subscriptions/" + subscription().path("id").asString() + "/store-status");
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		return answer.json();
	}
}
