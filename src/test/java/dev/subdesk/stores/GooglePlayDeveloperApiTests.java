package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.subdesk.clock.WallClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The real Play Developer API adapter against Google's endpoints played on a local port ({@link FakeGoogleApis}):
 * the JWT bearer grant as Google expects it (checked with the service account's public key), a
 * {@code SubscriptionPurchaseV2} as Google documents it, the access token kept and renewed, and what counts as
 * unknown (404) and as unavailable (5xx, a dead server).
 */
class GooglePlayDeveloperApiTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();
	private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");

	/** A {@code SubscriptionPurchaseV2} in the shape of Google's reference (fields Subdesk does not read included). */
	static final String PURCHASE = """
			{
			  "kind": "androidpublisher#subscriptionPurchaseV2",
			  "regionCode": "DE",
			  "startTime": "2026-11-03T09:59:00.123Z",
			  "subscriptionState": "SUBSCRIPTION_STATE_ACTIVE",
			  "latestOrderId": "GPA.3333-4444-5555-66666",
			  "acknowledgementState": "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED",
			  "externalAccountIdentifiers": { "obfuscatedExternalAccountId": "0f0c6a4e-1111-4d2a-9c3b-2a6b1c2d3e4f" },
			  "lineItems": [ {
			    "productId": "example.acme.antivirus.monthly",
			    "expiryTime": "2026-12-03T09:59:00.123Z",
			    "autoRenewingPlan": { "autoRenewEnabled": true },
			    "offerDetails": { "basePlanId": "monthly" }
			  } ]
			}
			""";

	private FakeGoogleApis google;
	private Clock clock;
	private GooglePlayDeveloperApi api;

	@BeforeEach
	void start() throws Exception {
		google = new FakeGoogleApis();
		clock = Clock.fixed(NOW, ZoneOffset.UTC);
		api = adapter(clock);
	}

	private GooglePlayDeveloperApi adapter(Clock at) {
		var key = GooglePlayDeveloperApi.ServiceAccountKey.parse(google.keyFile(), JSON);
		return new GooglePlayDeveloperApi(key, google.base(), Duration.ofSeconds(5), JSON, new WallClock(at));
	}

	@AfterEach
	void stop() {
		google.close();
	}

	/** The line item's latest successful order is the period's order; the purchase's deprecated one only without it. */
	@Test
	void theLatestOrderIsTheLineItemsLatestSuccessfulOrderAndOneThatCannotBeKeptIsNone() {
		google.put("example.acme.app", "renewed", PURCHASE.replace("\"offerDetails\"",
				"\"latestSuccessfulOrderId\": \"GPA.3333-4444-5555-66666..2\", \"offerDetails\""));
		google.put("example.acme.app", "odd", PURCHASE.replace("GPA.3333-4444-5555-66666", "GPA.3333\\u0007"));

		assertThat(api.get("example.acme.app", "renewed").orElseThrow().latestOrderId())
			.isEqualTo("GPA.3333-4444-5555-66666..2");
		assertThat(api.get("example.acme.app", "odd").orElseThrow().latestOrderId()).isNull();
	}

	@Test
	void readsAPurchaseWithAnAccessTokenFromAJwtBearerGrantTheServiceAccountSigned() {
		google.put("example.acme.app", "token/with+odd chars", PURCHASE);

		var purchase = api.get("example.acme.app", "token/with+odd chars").orElseThrow();

		assertThat(purchase).isEqualTo(new PlaySubscriptionsApi.PlaySubscription("SUBSCRIPTION_STATE_ACTIVE",
				"example.acme.antivirus.monthly", Instant.parse("2026-11-03T09:59:00.123Z"),
				Instant.parse("2026-12-03T09:59:00.123Z"), true, "0f0c6a4e-1111-4d2a-9c3b-2a6b1c2d3e4f", false,
				"GPA.3333-4444-5555-66666"));
		assertThat(google.grants).singleElement().satisfies(grant -> {
			assertThat(grant.get("grant_type")).isEqualTo("urn:ietf:params:oauth:grant-type:jwt-bearer");
			assertThat(grant.get("signed")).isEqualTo(true);
			assertThat(grant.get("alg")).isEqualTo("RS256");
			assertThat(grant.get("kid")).isEqualTo("key-1");
			assertThat(grant.get("iss")).isEqualTo(FakeGoogleApis.CLIENT_EMAIL);
			assertThat(grant.get("aud")).isEqualTo(List.of(google.base() + "/token"));
			assertThat(grant.get("scope")).isEqualTo("https://www.googleapis.com/auth/androidpublisher");
			assertThat(grant.get("lifetime")).isEqualTo(3600L);
		});
		assertThat(google.apiAuthorizations).singleElement().asString().startsWith("Bearer ya29.");
	}

	@Test
	void theAssertionIsIssuedAtTheRealTimeItIsSentAtAndValidForAnHourFromIt() {
		google.put("example.acme.app", "t1", PURCHASE);
		google.googleTime.set(clock);
		api.get("example.acme.app", "t1");
		assertThat(google.grants).singleElement().satisfies(grant -> {
			assertThat(grant.get("iat")).isEqualTo(NOW);
			assertThat(grant.get("lifetime")).isEqualTo(3600L);
		});
	}

	@Test
	void aCancelledPurchaseSaysTheCustomerCancelledAndAutoRenewalIsOff() {
		google.put("example.acme.app", "t1", PURCHASE.replace("SUBSCRIPTION_STATE_ACTIVE", "SUBSCRIPTION_STATE_CANCELED")
			.replace("\"autoRenewEnabled\": true", "\"autoRenewEnabled\": false")
			.replace("\"kind\"", "\"canceledStateContext\": { \"userInitiatedCancellation\": { \"cancelTime\": \"2026-11-20T00:00:00Z\" } }, \"kind\""));

		var purchase = api.get("example.acme.app", "t1").orElseThrow();

		assertThat(purchase.subscriptionState()).isEqualTo("SUBSCRIPTION_STATE_CANCELED");
		assertThat(purchase.autoRenewEnabled()).isFalse();
		assertThat(purchase.canceledByUser()).isTrue();
	}

	@Test
	void theAccessTokenIsKeptUntilAMinuteBeforeItExpiresAndRenewedWhenGoogleRefusesIt() {
		google.put("example.acme.app", "t1", PURCHASE);
		api.get("example.acme.app", "t1");
		api.get("example.acme.app", "t1");
		assertThat(google.grants).hasSize(1);

		google.forgetAccessTokens();
		assertThat(api.get("example.acme.app", "t1")).isPresent();
		assertThat(google.grants).as("a refused token is replaced and the call tried once more").hasSize(2);

		var time = new java.util.concurrent.atomic.AtomicReference<>(NOW);
		GooglePlayDeveloperApi ticking = adapter(new Clock() {

			@Override
			public java.time.ZoneId getZone() {
				return ZoneOffset.UTC;
			}

			@Override
			public Clock withZone(java.time.ZoneId zone) {
				return this;
			}

			@Override
			public Instant instant() {
				return time.get();
			}
		});
		ticking.get("example.acme.app", "t1");
		assertThat(google.grants).hasSize(3);
		time.set(NOW.plusSeconds(3599 - 61));
		ticking.get("example.acme.app", "t1");
		assertThat(google.grants).as("still good for more than a minute").hasSize(3);
		time.set(NOW.plusSeconds(3599 - 59));
		ticking.get("example.acme.app", "t1");
		assertThat(google.grants).as("renewed within its last minute").hasSize(4);
	}

	@Test
	void aTokenGoogleDoesNotKnowIsNoPurchase() {
		assertThat(api.get("example.acme.app", "never-sold")).isEmpty();
	}

	@Test
	void aNotFoundAboutThePackageOrWithoutTheTokensReasonIsUnavailableNotAnUnknownPurchase() {
		google.put("example.acme.app", "t1", PURCHASE);
		google.answer("t1", 404, FakeGoogleApis.APPLICATION_NOT_FOUND);
		assertThatThrownBy(() -> api.get("example.acme.app", "t1")).isInstanceOf(GooglePlayDeveloperApi.Unavailable.class)
			.hasMessageContaining("404")
			.hasMessageContaining("applicationNotFound")
			.hasMessageContaining("No application was found for the given package name.");
		google.answer("t1", 404, FakeGoogleApis.NOT_FOUND);
		assertThatThrownBy(() -> api.get("example.acme.app", "t1")).isInstanceOf(GooglePlayDeveloperApi.Unavailable.class)
			.hasMessageContaining("notFound");
		google.answer("t1", 404, "");
		assertThatThrownBy(() -> api.get("example.acme.app", "t1")).isInstanceOf(GooglePlayDeveloperApi.Unavailable.class);

		google.answer("t1", 404, FakeGoogleApis.TOKEN_NOT_FOUND);
		assertThat(api.get("example.acme.app", "t1")).isEmpty();
		google.answer("t1", 410, FakeGoogleApis.NO_LONGER_AVAILABLE);
		assertThat(api.get("example.acme.app", "t1")).isEmpty();
	}

	/**
	 * A pending purchase (its line item has no expiry yet) is Google's answer, with nothing to apply; a purchase in a
	 * state that bills a period without its line item, or an answer that is no purchase, is not Google's.
	 */
	@Test
	void aPendingPurchaseWithoutAnExpiryIsAnAnswerThatBillsNoPeriodButAnActiveOneWithoutItIsUnavailable() {
		google.put("example.acme.app", "pending", PURCHASE.replace("SUBSCRIPTION_STATE_ACTIVE", "SUBSCRIPTION_STATE_PENDING")
			.replace("\"expiryTime\": \"2026-12-03T09:59:00.123Z\",", ""));
		google.put("example.acme.app", "no-items", """
				{ "kind": "androidpublisher#subscriptionPurchaseV2", "subscriptionState": "SUBSCRIPTION_STATE_PENDING",
				  "startTime": "2026-11-03T09:59:00.123Z" }""");
		google.put("example.acme.app", "active", PURCHASE.replace("\"expiryTime\": \"2026-12-03T09:59:00.123Z\",", ""));
		google.put("example.acme.app", "stateless", "{ \"kind\": \"androidpublisher#subscriptionPurchaseV2\" }");
		google.put("example.acme.app", "array", "[]");

		var pending = api.get("example.acme.app", "pending").orElseThrow();
		assertThat(pending.subscriptionState()).isEqualTo("SUBSCRIPTION_STATE_PENDING");
		assertThat(pending.billsAPeriod()).isFalse();
		assertThat(pending.obfuscatedExternalAccountId()).isEqualTo("0f0c6a4e-1111-4d2a-9c3b-2a6b1c2d3e4f");
		assertThat(GooglePlayNotifications.changeOf(pending, NOW)).isInstanceOf(StoreChange.Nothing.class);
		assertThat(api.get("example.acme.app", "no-items").orElseThrow().billsAPeriod()).isFalse();
		for (String malformed : List.of("active", "stateless", "array")) {
			assertThatThrownBy(() -> api.get("example.acme.app", malformed)).as(malformed)
				.isInstanceOf(GooglePlayDeveloperApi.Unavailable.class);
		}
	}

	@Test
	void aFailingOrUnreachableApiIsUnavailableNotAnAnswer() {
		google.put("example.acme.app", "t1", PURCHASE);
		google.apiStatus.set(503);
		assertThatThrownBy(() -> api.get("example.acme.app", "t1")).isInstanceOf(GooglePlayDeveloperApi.Unavailable.class);
		google.apiStatus.set(403);
		assertThatThrownBy(() -> api.get("example.acme.app", "t1")).isInstanceOf(GooglePlayDeveloperApi.Unavailable.class);
		google.apiStatus.set(0);
		google.close();
		assertThatThrownBy(() -> adapter(clock).get("example.acme.app", "t1"))
			.isInstanceOf(GooglePlayDeveloperApi.Unavailable.class);
	}

	@Test
	void anAnswerWhoseBodyTricklesIsUnavailableOnceTheTimeoutIsUpBodyIncluded() {
		google.put("example.acme.app", "t1", PURCHASE);
		api.get("example.acme.app", "t1"); // the access token is got before the API trickles
		google.answerMode.set(FakeGoogleApis.TRICKLE); // headers at once, then a byte every 100 ms for a minute

		// the JDK client's request timeout (5 s) stops counting once the headers came: the exchange is bounded as a whole
		assertTimeoutPreemptively(Duration.ofSeconds(20),
				() -> assertThatThrownBy(() -> api.get("example.acme.app", "t1"))
					.isInstanceOf(GooglePlayDeveloperApi.Unavailable.class)
					.hasMessageContaining("timed out"));
	}

	@Test
	void anAnswerLargerThanAMegabyteIsUnavailableNotReadWhole() {
		google.put("example.acme.app", "t1", PURCHASE);
		google.answerMode.set(FakeGoogleApis.HUGE); // the purchase, with 2 MB more

		assertThatThrownBy(() -> api.get("example.acme.app", "t1")).isInstanceOf(GooglePlayDeveloperApi.Unavailable.class)
			.hasMessageContaining("larger than " + StoreHttp.MAX_BODY);
	}

	@Test
	void aKeyFileThatIsNoServiceAccountKeyIsRefusedAtOnce() {
		assertThatThrownBy(() -> GooglePlayDeveloperApi.ServiceAccountKey.parse("{\"client_email\":\"x@y\"}", JSON))
			.isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> GooglePlayDeveloperApi.ServiceAccountKey.parse(
				"{\"client_email\":\"x@y\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nbm90IGEga2V5\\n-----END PRIVATE KEY-----\\n\"}", JSON))
			.isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> GooglePlayDeveloperApi.ServiceAccountKey.parse("not json", JSON))
			.isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void aKeyFileWhoseTokenAddressIsPlainHttpOffThisMachineIsRefusedAtOnce() {
		// the signed assertion sent there is good for an access token for an hour: whoever reads it can use it
		for (String tokenUri : List.of("http://oauth2.example.test/token", "http://127.0.0.1.example.test/token",
				"ftp://oauth2.example.test/token")) {
			String keyFile = google.keyFile().replace(google.base() + "/token", tokenUri);
			assertThatThrownBy(() -> GooglePlayDeveloperApi.ServiceAccountKey.parse(keyFile, JSON)).as(tokenUri)
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("token_uri must be an https:// address");
		}
		String https = google.keyFile().replace(google.base() + "/token", "https://oauth2.googleapis.com/token");
		assertThat(GooglePlayDeveloperApi.ServiceAccountKey.parse(https, JSON).tokenUri())
			.hasToString("https://oauth2.googleapis.com/token");
	}
}
