package dev.subdesk.stores;

import static dev.subdesk.stores.PlayDeveloperApiFixture.PACKAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The server configured with a service account key reads a Google Play purchase from the Play Developer API (played
 * by {@link FakeGoogleApis} on a local port) instead of the sandbox: a push creates the subscription from Google's
 * answer; while the API is unavailable a push is {@code 503 STORE_UNAVAILABLE} and changes nothing, so Pub/Sub's
 * next push of the same message applies it.
 */
class GooglePlayWithThePlayDeveloperApiIntegrationTests extends ApiIntegrationTest {

	@AutoClose
	private static final PlayDeveloperApiFixture PLAY = PlayDeveloperApiFixture.start();

	private static final FakeGoogleApis GOOGLE = PLAY.google();

	@DynamicPropertySource
	static void playDeveloperApi(DynamicPropertyRegistry registry) {
		PLAY.configure(registry);
	}

	@Autowired
	Clock clock;

	@Autowired
	PlaySubscriptionsApi play;

	@Autowired
	JdbcClient jdbc;

	/**
	 * A new account's purchase at Google, bought five minutes before {@code now} for 30 days, and the message of its
	 * purchase notice with Pub/Sub's push credentials.
	 */
	private final class Purchase {

		final String account = fixtures.account();
		final Api vendor = api.checkedAgainstTheDescription();
		final Instant start;
		final Map<String, Object> message;
		final Api pubSub;
		final String link;
		final String purchaseToken = "gp-" + UUID.randomUUID();

		Purchase(Instant now) {
			link = vendor.get("/accounts/" + account + "/store-account-token").text("obfuscatedExternalAccountId");
			start = now.minus(Duration.ofMinutes(5));
			GOOGLE.put(PACKAGE, purchaseToken, PlayDeveloperApiFixture.purchase(link, start, start.plus(Duration.ofDays(30))));
			message = GooglePlayNotificationsIntegrationTests.message(PACKAGE, 4, purchaseToken, now, UUID.randomUUID().toString());
			pubSub = api.with("Authorization",
					"Bearer " + GooglePushSigner.trusted().sign(GooglePushSigner.claims(now).build()));
		}

		/** Google now answers that the purchase ended at {@code expiry}, cancelled as {@code context} says. */
		void googleReportsExpired(Instant expiry, String context) {
			GOOGLE.put(PACKAGE, purchaseToken, PlayDeveloperApiFixture.purchase(link, start, expiry)
				.replace("\"SUBSCRIPTION_STATE_ACTIVE\"", "\"SUBSCRIPTION_STATE_EXPIRED\"")
				.replace("\"autoRenewEnabled\": true", "\"autoRenewEnabled\": false")
				.replace("\"regionCode\": \"DE\",", "\"regionCode\": \"DE\", \"canceledStateContext\": { \"" + context
						+ "\": {} },"));
		}

		/** Pub/Sub pushes notification {@code type} for the purchase, at {@code now}: {@code 200 APPLIED}. */
		void push(int type, Instant now) {
			Api pushing = api.with("Authorization",
					"Bearer " + GooglePushSigner.trusted().sign(GooglePushSigner.claims(now).build()));
			Api.Response answer = pushing.post("/channels/google/rtdn", GooglePlayNotificationsIntegrationTests
				.message(PACKAGE, type, purchaseToken, now, UUID.randomUUID().toString()));
			assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
			assertThat(answer.json().path("outcome").asString()).isEqualTo("APPLIED");
		}

		JsonNode subscription() {
			return vendor.get("/accounts/" + account + "/subscriptions").json().path("data").get(0);
		}

		JsonNode storeStatus() {
			return vendor.get("/subscriptions/" + subscription().path("id").asString() + "/store-status").json();
		}

		@Nullable Instant refundedAt() {
			return jdbc.sql("SELECT refunded_at FROM store_purchases WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
				.param("p", purchaseToken)
				.query(Timestamp.class)
				.optional()
				.map(Timestamp::toInstant)
				.orElse(null);
		}

		Instant endedAt() {
			return jdbc.sql("SELECT ended_at FROM subscriptions WHERE id = :id")
				.param("id", subscription().path("id").asString())
				.query(Timestamp.class)
				.single()
				.toInstant();
		}
	}

	/**
	 * A push's {@code message.data} is not signed: whoever copied a push token may post "revoked" (type 12) for a
	 * purchase that merely expired. What is recorded is what the Play Developer API answers (expired, ended by the
	 * system for a billing problem): an expiry at Google's end of service, no refund.
	 */
	@Test
	void aForgedRevocationOfAnExpiredSubscriptionIsRecordedAsTheExpiryGoogleReportsNotARefund() {
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		Purchase p = new Purchase(now);
		assertThat(p.pubSub.post("/channels/google/rtdn", p.message).status()).isEqualTo(200);
		Instant end = p.start.plus(Duration.ofDays(30));
		fixtures.advance(Duration.ofDays(31));
		p.googleReportsExpired(end, "systemInitiatedCancellation");

		p.push(12, clock.instant().truncatedTo(ChronoUnit.SECONDS));

		assertThat(p.subscription().path("status").asString()).isEqualTo("EXPIRED");
		JsonNode status = p.storeStatus();
		assertThat(status.path("storeState").asString()).isEqualTo("EXPIRED");
		assertThat(status.path("refunded").asBoolean()).as("no refund Google did not report").isFalse();
		assertThat(p.refundedAt()).isNull();
		assertThat(p.endedAt()).as("ended when Google says").isEqualTo(end);
	}

	/**
	 * A real revocation, as the Play Developer API reports it: {@code SUBSCRIPTION_STATE_EXPIRED}, the line item's
	 * {@code expiryTime} the moment service ended, {@code canceledStateContext.developerInitiatedCancellation}, as
	 * for a developer's plain cancellation. {@code subscriptionsv2} has no field that says a refund was given, so the
	 * service ends when Google says, as an expiry, and no refund is claimed: the same as the push of an expiry
	 * (type 13) with the same answer.
	 */
	@Test
	void aRevocationEndsTheServiceWhenGoogleSaysAndClaimsNoRefundTheApiDoesNotReport() {
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		Map<Integer, Purchase> pushed = Map.of(12, new Purchase(now), 13, new Purchase(now));
		pushed.forEach((type, p) -> {
			assertThat(p.pubSub.post("/channels/google/rtdn", p.message).status()).isEqualTo(200);
			p.googleReportsExpired(now.minusSeconds(30), "developerInitiatedCancellation");

			p.push(type, now);

			assertThat(p.subscription().path("status").asString()).as("type %d", type).isEqualTo("EXPIRED");
			JsonNode status = p.storeStatus();
			assertThat(status.path("storeState").asString()).as("type %d", type).isEqualTo("EXPIRED");
			assertThat(status.path("refunded").asBoolean()).as("type %d", type).isFalse();
			assertThat(p.refundedAt()).as("type %d", type).isNull();
			assertThat(p.endedAt()).as("type %d: service ended when Google says", type).isEqualTo(now.minusSeconds(30));
		});
	}

	@Test
	void aPushIsAppliedFromWhatThePlayDeveloperApiAnswersAndRefusedWhileItIsDown() {
		assertThat(play).isInstanceOf(GooglePlayDeveloperApi.class);
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		Purchase p = new Purchase(now);

		GOOGLE.apiStatus.set(500);
		Api.Response refused = p.pubSub.post("/channels/google/rtdn", p.message);
		assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
		assertThat(refused.json().path("code").asString()).isEqualTo("STORE_UNAVAILABLE");
		assertThat(p.vendor.get("/accounts/" + p.account + "/subscriptions").json().path("data").size()).isZero();

		GOOGLE.apiStatus.set(0);
		Api.Response applied = p.pubSub.post("/channels/google/rtdn", p.message);
		assertThat(applied.status()).as(applied.toString()).isEqualTo(200);
		assertThat(applied.json().path("outcome").asString()).isEqualTo("APPLIED");
		JsonNode subscription = p.vendor.get("/accounts/" + p.account + "/subscriptions").json().path("data").get(0);
		assertThat(subscription.path("channel").asString()).isEqualTo("GOOGLE_PLAY");
		assertThat(subscription.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(Instant.parse(subscription.path("currentPeriodEnd").asString())).isEqualTo(p.start.plus(Duration.ofDays(30)));
		assertThat(GOOGLE.apiAuthorizations).last().asString().startsWith("Bearer ya29.");
	}

	/**
	 * A purchase Google holds as pending (the customer pays later, at a shop: the line item has no expiry yet) bills
	 * nothing: the push is recorded with nothing applied, not refused as if Google could not be asked (Pub/Sub would
	 * push it again for days); its purchase notice, once paid, creates the subscription.
	 */
	@Test
	void aPushAboutAPendingPurchaseIsRecordedWithNothingAppliedNotRefused() {
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		Purchase p = new Purchase(now);
		String paid = PlayDeveloperApiFixture.purchase(p.link, p.start, p.start.plus(Duration.ofDays(30)));
		GOOGLE.put(PACKAGE, p.purchaseToken, paid.replace("SUBSCRIPTION_STATE_ACTIVE", "SUBSCRIPTION_STATE_PENDING")
			.replaceAll("\"expiryTime\": \"[^\"]*\",", ""));

		Api.Response pending = p.pubSub.post("/channels/google/rtdn", GooglePlayNotificationsIntegrationTests
			.message(PACKAGE, 20, p.purchaseToken, now, UUID.randomUUID().toString()));

		assertThat(pending.status()).as(pending.toString()).isEqualTo(200);
		assertThat(pending.json().path("outcome").asString()).isEqualTo("IGNORED");
		assertThat(jdbc.sql("SELECT count(*) FROM store_notifications WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
			.param("p", p.purchaseToken)
			.query(Integer.class)
			.single()).as("recorded").isEqualTo(1);
		assertThat(p.vendor.get("/accounts/" + p.account + "/subscriptions").json().path("data").size()).isZero();

		GOOGLE.put(PACKAGE, p.purchaseToken, paid);
		p.push(4, now.plusSeconds(1));
		assertThat(p.subscription().path("status").asString()).isEqualTo("ACTIVE");
	}

	@Test
	void theServiceAccountsAssertionCarriesRealTimeAfterTheTestClockMovedOn() {
		fixtures.advance(Duration.ofDays(40));
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		Purchase p = new Purchase(now);
		// Google checks the assertion against its own (real) time, and a token kept from before is refused
		GOOGLE.googleTime.set(Clock.systemUTC());
		GOOGLE.forgetAccessTokens();
		int grants = GOOGLE.grants.size();
		try {
			Api.Response applied = p.pubSub.post("/channels/google/rtdn", p.message);
			assertThat(applied.status()).as(applied.toString() + " grants " + GOOGLE.grants).isEqualTo(200);
			assertThat(applied.json().path("outcome").asString()).isEqualTo("APPLIED");
		}
		finally {
			GOOGLE.googleTime.set(null);
		}
		assertThat(GOOGLE.grants).hasSizeGreaterThan(grants);
		assertThat((Instant) GOOGLE.grants.getLast().get("iat")).as("real time, not the test clock's")
			.isBefore(now.minus(Duration.ofDays(39)));
	}
}
