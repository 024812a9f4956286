package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Google Play Real-time Developer Notifications at {@code POST /api/v1/channels/google/rtdn}, pushed as Pub/Sub
 * would with a bearer token the tests sign ({@link GooglePushSigner}); the state is what the sandbox Play Developer
 * API ({@link SandboxPlaySubscriptions}) answers. What each state does to the subscription, the account link by
 * {@code obfuscatedExternalAccountId}, a repeated messageId (nothing changed), an older event (the state read now
 * applied), and the token
 * checks: wrong audience, issuer, service account, expired, bad signature are {@code 401} and change nothing.
 */
class GooglePlayNotificationsIntegrationTests extends ApiIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();
	private static final String PACKAGE = "example.acme.app";

	@Autowired
	Clock clock;

	@Autowired
	SandboxPlaySubscriptions play;

	@Autowired
	GooglePushTokens pushTokens;

	@Autowired
	StoreSync sync;

	@Autowired
	StoresProperties properties;

	@Autowired
	JdbcClient jdbc;

	private Instant now;

	private Api vendor;

	@BeforeEach
	void setUp() {
		// the events happened a while before Pub/Sub pushes them (an event time past the server's clock counts as now)
		now = clock.instant().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(5));
		vendor = api.checkedAgainstTheDescription();
	}

	/** A purchase on Google Play by a customer whose app set the account's token. */
	final class Purchase {

		final String account = fixtures.account();
		final String token = vendor.get("/accounts/" + account + "/store-account-token")
			.text("obfuscatedExternalAccountId");
		final String purchaseToken = "gp-" + UUID.randomUUID();
		final Instant start = now.minus(Duration.ofMinutes(5));
		Instant expiry = start.plus(Duration.ofDays(30));
		/** The store's product Google reports the purchase bills now. */
		String product = "antivirus-monthly";

		/** Google now reports {@code state}; then Pub/Sub pushes notification {@code type} at {@code eventTime}. */
		JsonNode push(int type, String state, boolean autoRenew, boolean byUser, Instant eventTime) {
			play.put(PACKAGE, purchaseToken, new PlaySubscriptionsApi.PlaySubscription(state, product, start,
					expiry, autoRenew, token, byUser));
			Api.Response answer = send(pushToken(c -> c), message(type, eventTime, UUID.randomUUID().toString()));
			assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
			return answer.json();
		}

		Map<String, Object> message(int type, Instant eventTime, String messageId) {
			return GooglePlayNotificationsIntegrationTests.message(PACKAGE, type, purchaseToken, eventTime, messageId);
		}

		JsonNode subscription() {
			JsonNode list = vendor.get("/accounts/" + account + "/subscriptions").json().path("data");
			assertThat(list.size()).as(list.toString()).isEqualTo(1);
			return list.get(0);
		}

		String storeState() {
			return vendor.get("/subscriptions/" + subscription().path("id").asString() + "/store-status").text("storeState");
		}
	}

	static Map<String, Object> message(String packageName, int type, String purchaseToken, Instant eventTime,
			String messageId) {
		Map<String, Object> notification = new LinkedHashMap<>();
		notification.put("version", "1.0");
		notification.put("packageName", packageName);
		notification.put("eventTimeMillis", String.valueOf(eventTime.toEpochMilli()));
		notification.put("subscriptionNotification",
				Map.of("version", "1.0", "notificationType", type, "purchaseToken", purchaseToken));
		String data = Base64.getEncoder()
			.encodeToString(JSON.writeValueAsString(notification).getBytes(StandardCharsets.UTF_8));
		return Map.of("message", Map.of("data", data, "messageId", messageId, "publishTime", eventTime.toString()),
				"subscription", "projects/acme-test/subscriptions/rtdn-push");
	}

	private String pushToken(UnaryOperator<JWTClaimsSet.Builder> change) {
		return GooglePushSigner.trusted().sign(change.apply(GooglePushSigner.claims(now)).build());
	}

	private Api.Response send(@Nullable String bearer, Object body) {
		return api.with("Authorization", bearer == null ? null : "Bearer " + bearer)
			.checkedAgainstTheDescription()
			.post("/channels/google/rtdn", body);
	}

	private Purchase purchased() {
		Purchase p = new Purchase();
		assertThat(p.push(4, "SUBSCRIPTION_STATE_ACTIVE", true, false, now).path("outcome").asString())
			.isEqualTo("APPLIED");
		return p;
	}

	private static Instant at(JsonNode node, String field) {
		return Instant.parse(node.path(field).asString());
	}

	@Test
	void aPurchaseCreatesAGooglePlaySubscriptionFromTheStateThePlayApiReports() {
		Purchase p = purchased();
		JsonNode s = p.subscription();
		assertThat(s.path("channel").asString()).isEqualTo("GOOGLE_PLAY");
		assertThat(s.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(s.path("autoRenew").asBoolean()).isTrue();
		assertThat(s.path("planCode").asString()).isEqualTo("antivirus-monthly");
		assertThat(at(s, "currentPeriodEnd")).isEqualTo(p.expiry);
		assertThat(p.storeState()).isEqualTo("ACTIVE");
	}

	@Test
	void aRenewalMovesThePeriodToTheNewExpiry() {
		Purchase p = purchased();
		Instant oldExpiry = p.expiry;
		p.expiry = oldExpiry.plus(Duration.ofDays(30));
		p.push(2, "SUBSCRIPTION_STATE_ACTIVE", true, false, now.plusSeconds(1));
		JsonNode s = p.subscription();
		assertThat(at(s, "currentPeriodStart")).isEqualTo(oldExpiry);
		assertThat(at(s, "currentPeriodEnd")).isEqualTo(p.expiry);
	}

	@Test
	void aCancellationAtTheStoreTurnsAutoRenewalOffUntilTheExpiryAndARestartTurnsItBackOn() {
		Purchase p = purchased();
		p.push(3, "SUBSCRIPTION_STATE_CANCELED", false, true, now.plusSeconds(1));
		JsonNode off = p.subscription();
		assertThat(off.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(off.path("autoRenew").asBoolean()).isFalse();
		assertThat(at(off, "cancelAt")).isEqualTo(p.expiry);
		assertThat(p.storeState()).isEqualTo("AUTO_RENEW_OFF");

		p.push(7, "SUBSCRIPTION_STATE_ACTIVE", true, false, now.plusSeconds(2));
		JsonNode on = p.subscription();
		assertThat(on.path("autoRenew").asBoolean()).isTrue();
		assertThat(on.path("cancelAt").isNull()).isTrue();
	}

	@Test
	void theGracePeriodMakesItPastDueAndARecoveryActiveAgain() {
		Purchase p = purchased();
		p.push(6, "SUBSCRIPTION_STATE_IN_GRACE_PERIOD", true, false, now.plusSeconds(1));
		assertThat(p.subscription().path("status").asString()).isEqualTo("PAST_DUE");
		assertThat(p.storeState()).isEqualTo("GRACE_PERIOD");
		p.expiry = p.expiry.plus(Duration.ofDays(30));
		p.push(1, "SUBSCRIPTION_STATE_ACTIVE", true, false, now.plusSeconds(2));
		assertThat(p.subscription().path("status").asString()).isEqualTo("ACTIVE");
	}

	@Test
	void inTheGracePeriodItIsEntitledUntilTheExpiryGoogleExtendedToTheGracesEnd() {
		Purchase p = purchased();
		StoreEntitlements entitlements = new StoreEntitlements(vendor);
		String device = entitlements.device(p.account, p.subscription().path("id").asString());
		Instant paidEnd = p.expiry;
		Instant graceEnd = paidEnd.plus(Duration.ofDays(14));
		p.expiry = graceEnd;
		p.push(6, "SUBSCRIPTION_STATE_IN_GRACE_PERIOD", true, false, now.plusSeconds(1));
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("PAST_DUE");
		assertThat(at(s, "currentPeriodEnd")).as("the grace is not a period paid for").isEqualTo(paidEnd);
		assertThat(entitlements.until(p.account)).isEqualTo(graceEnd);

		fixtures.advance(Duration.between(fixtures.now(), paidEnd).plusDays(10));
		assertThat(entitlements.tokenExpiry(device)).as("served through Google's grace, past our 5 days")
			.isEqualTo(graceEnd);

		fixtures.advance(Duration.ofDays(4).plusHours(1));
		entitlements.assertNoToken(device);
		assertThat(entitlements.of(p.account).values()).isEmpty();
	}

	@Test
	void aGracePeriodWhoseEndGoogleDoesNotReportKeepsOurOwnDunningDays() {
		Purchase p = purchased();
		StoreEntitlements entitlements = new StoreEntitlements(vendor);
		p.push(6, "SUBSCRIPTION_STATE_IN_GRACE_PERIOD", true, false, now.plusSeconds(1));
		assertThat(p.subscription().path("status").asString()).isEqualTo("PAST_DUE");
		assertThat(entitlements.until(p.account)).as("the expiry is still the end of the period paid for")
			.isEqualTo(p.expiry.plus(Duration.ofDays(5)));
	}

	@Test
	void anAccountHoldEndsItAsExpired() {
		Purchase p = purchased();
		p.push(5, "SUBSCRIPTION_STATE_ON_HOLD", true, false, now.plusSeconds(1));
		assertThat(p.subscription().path("status").asString()).isEqualTo("EXPIRED");
		assertThat(p.storeState()).isEqualTo("ON_HOLD");
	}

	/**
	 * A hold or a pause ends the subscription when Google's answer says its service ended (the line item's
	 * {@code expiryTime}, no later than the read), as an expiry does: never at the unsigned body's event time, which
	 * whoever holds a push token sets, long ago or ahead.
	 */
	@Test
	void anAccountHoldOrAPauseEndsWhenGoogleSaysNotAtTheBodysTime() {
		Purchase held = purchased();
		held.expiry = now.plusSeconds(60); // Google's service ended a few minutes ago
		held.push(5, "SUBSCRIPTION_STATE_ON_HOLD", true, false, now.minus(Duration.ofDays(400)));
		assertThat(held.subscription().path("status").asString()).isEqualTo("EXPIRED");
		assertThat(endedAt(held)).as("a hold ends when Google's service ended, not at the body's time")
			.isEqualTo(held.expiry);

		Purchase paused = purchased();
		paused.expiry = now.plusSeconds(90);
		paused.push(10, "SUBSCRIPTION_STATE_PAUSED", true, false, now.plus(Duration.ofDays(3650)));
		assertThat(paused.subscription().path("status").asString()).isEqualTo("EXPIRED");
		assertThat(paused.storeState()).isEqualTo("PAUSED");
		assertThat(endedAt(paused)).as("a pause ends when Google's service ended, not at the body's time")
			.isEqualTo(paused.expiry);
	}

	private Instant endedAt(Purchase p) {
		return jdbc.sql("SELECT ended_at FROM subscriptions WHERE id = :id")
			.param("id", p.subscription().path("id").asString())
			.query(Timestamp.class)
			.single()
			.toInstant();
	}

	@Test
	void expiryAfterTheCustomerCancelledEndsItCancelled() {
		Purchase p = purchased();
		p.expiry = now.plusSeconds(60); // the period it was cancelled for ended a few minutes ago
		p.push(13, "SUBSCRIPTION_STATE_EXPIRED", false, true, p.expiry.plusSeconds(1));
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(at(s, "cancelledAt")).isEqualTo(p.expiry);
	}

	/**
	 * The body is not signed: whoever holds a push token may say "revoked" (type 12) with any event time. For a
	 * purchase the Play API reports merely expired, what is recorded is that expiry, ended when Google's service ended
	 * (never at the body's time in the past), and no refund: the Play API reports none.
	 */
	@Test
	void aRevocationPushIsRecordedAsTheExpiryThePlayApiReportsWithNoRefundNorTheBodysTime() {
		Purchase p = purchased();
		p.expiry = now.plusSeconds(60); // Google reports it expired a few minutes ago
		Instant longAgo = now.minus(Duration.ofDays(400));

		p.push(12, "SUBSCRIPTION_STATE_EXPIRED", false, false, longAgo);

		Instant refundedAt = jdbc.sql("SELECT refunded_at FROM store_purchases WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
			.param("p", p.purchaseToken)
			.query(Timestamp.class)
			.optional()
			.map(Timestamp::toInstant)
			.orElse(null);
		assertThat(refundedAt).as("no refund the Play API does not report").isNull();
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("EXPIRED");
		JsonNode status = vendor.get("/subscriptions/" + s.path("id").asString() + "/store-status").json();
		assertThat(status.path("storeState").asString()).isEqualTo("EXPIRED");
		assertThat(status.path("refunded").asBoolean()).isFalse();
		Instant endedAt = jdbc.sql("SELECT ended_at FROM subscriptions WHERE id = :id")
			.param("id", s.path("id").asString())
			.query(Timestamp.class)
			.single()
			.toInstant();
		assertThat(endedAt).as("ended when Google says, not at the body's time").isEqualTo(p.expiry);
	}

	@Test
	void aRevocationTheApiDoesNotConfirmChangesNothingAndAFutureEventTimeMakesNoLaterPushStale() {
		Purchase p = purchased();

		// the push says "revoked" and claims a time far ahead; the Play API says the subscription is active
		JsonNode revoked = p.push(12, "SUBSCRIPTION_STATE_ACTIVE", true, false, now.plus(Duration.ofDays(3650)));

		assertThat(revoked.path("outcome").asString()).isEqualTo("APPLIED");
		assertThat(p.subscription().path("status").asString()).isEqualTo("ACTIVE");
		JsonNode status = vendor.get("/subscriptions/" + p.subscription().path("id").asString() + "/store-status").json();
		assertThat(status.path("refunded").asBoolean()).isFalse();
		// a genuine expiry pushed afterwards, its event time the moment it happened, still applies
		JsonNode expired = p.push(13, "SUBSCRIPTION_STATE_EXPIRED", false, false, clock.instant());
		assertThat(expired.path("outcome").asString()).isEqualTo("APPLIED");
		assertThat(p.subscription().path("status").asString()).isEqualTo("EXPIRED");
	}

	/**
	 * Google reports the purchase on a product that is no plan (an upgrade in the store): a case for staff, the
	 * subscription left as it was; Google's expiry of the purchase still ends it. The case names the purchase by a
	 * hash of its token, never the token.
	 */
	@Test
	void afterAMoveToAnUnmappedProductGooglesExpiryStillEndsTheSubscriptionAndTheCaseNeverNamesTheToken(
			@Autowired dev.subdesk.support.Support support) {
		Purchase p = purchased();
		p.product = "example.acme.suite.unmapped";
		JsonNode moved = p.push(4, "SUBSCRIPTION_STATE_ACTIVE", true, false, now.plusSeconds(1));
		assertThat(moved.path("outcome").asString()).isEqualTo("UNMATCHED");
		String caseNumber = moved.path("caseNumber").asString();
		assertThat(p.subscription().path("planCode").asString()).isEqualTo("antivirus-monthly");

		JsonNode expired = p.push(13, "SUBSCRIPTION_STATE_EXPIRED", false, false, now.plusSeconds(2));
		assertThat(expired.path("outcome").asString()).isEqualTo("APPLIED");
		assertThat(p.subscription().path("status").asString()).isEqualTo("EXPIRED");
		assertThat(p.storeState()).isEqualTo("EXPIRED");

		String detail = jdbc.sql("SELECT subject || ' ' || detail FROM support_cases WHERE case_number = :n")
			.param("n", caseNumber)
			.query(String.class)
			.single();
		assertThat(detail).contains(StoreFields.tokenHash(p.purchaseToken)).doesNotContain(p.purchaseToken);
		assertThat(support.timeline(caseNumber)).extracting(dev.subdesk.support.Support.TimelineEntry::text)
			.noneMatch(text -> text.contains(p.purchaseToken));
	}

	@Test
	void anUnknownObfuscatedAccountIdOpensACase() {
		String purchaseToken = "gp-" + UUID.randomUUID();
		play.put(PACKAGE, purchaseToken, new PlaySubscriptionsApi.PlaySubscription("SUBSCRIPTION_STATE_ACTIVE",
				"antivirus-monthly", now, now.plus(Duration.ofDays(30)), true, UUID.randomUUID().toString(), false));
		JsonNode outcome = send(pushToken(c -> c), message(PACKAGE, 4, purchaseToken, now, UUID.randomUUID().toString()))
			.json();
		assertThat(outcome.path("outcome").asString()).isEqualTo("UNMATCHED");
		assertThat(outcome.path("caseNumber").asString()).startsWith("CASE-");
		assertThat(outcome.path("subscriptionId").isNull()).isTrue();
	}

	/**
	 * A repeated message id changes nothing; a push of an older event is no older news: it reads the state Google
	 * holds when it comes, and applies it (pushes are ordered by their reads, not by the unsigned event time).
	 */
	@Test
	void aRepeatedMessageIdChangesNothingAndAnOlderEventAppliesTheStateGoogleHoldsNow() {
		Purchase p = purchased();
		String messageId = UUID.randomUUID().toString();
		play.put(PACKAGE, p.purchaseToken, new PlaySubscriptionsApi.PlaySubscription("SUBSCRIPTION_STATE_CANCELED",
				"antivirus-monthly", p.start, p.expiry, false, p.token, true));
		assertThat(send(pushToken(c -> c), p.message(3, now.plusSeconds(10), messageId)).text("outcome"))
			.isEqualTo("APPLIED");
		String before = p.subscription().toString();
		play.put(PACKAGE, p.purchaseToken, new PlaySubscriptionsApi.PlaySubscription("SUBSCRIPTION_STATE_ON_HOLD",
				"antivirus-monthly", p.start, p.expiry, true, p.token, false));
		assertThat(send(pushToken(c -> c), p.message(5, now.plusSeconds(20), messageId)).text("outcome"))
			.isEqualTo("DUPLICATE");
		assertThat(p.subscription().toString()).isEqualTo(before);
		assertThat(send(pushToken(c -> c), p.message(5, now.plusSeconds(5), UUID.randomUUID().toString()))
			.text("outcome")).isEqualTo("APPLIED");
		assertThat(p.storeState()).isEqualTo("ON_HOLD");
		assertThat(p.subscription().path("status").asString()).isEqualTo("EXPIRED");
	}

	@Test
	void aPushWhoseTokenFailsAnyCheckIs401AndChangesNothing() {
		Purchase p = purchased();
		String before = p.subscription().toString();
		play.put(PACKAGE, p.purchaseToken, new PlaySubscriptionsApi.PlaySubscription("SUBSCRIPTION_STATE_ON_HOLD",
				"antivirus-monthly", p.start, p.expiry, true, p.token, false));
		Map<String, String> refused = new LinkedHashMap<>();
		refused.put("wrong audience", pushToken(c -> c.audience("https://elsewhere.test/push")));
		refused.put("wrong issuer", pushToken(c -> c.issuer("https://accounts.evil.test")));
		refused.put("another service account", pushToken(c -> c.claim("email", "someone@evil.test")));
		refused.put("unverified email", pushToken(c -> c.claim("email_verified", false)));
		refused.put("expired", pushToken(c -> c.expirationTime(java.util.Date.from(now.minusSeconds(1)))));
		refused.put("bad signature", GooglePushSigner.stranger().sign(GooglePushSigner.claims(now).build()));
		refused.put("not a token", "not-a-jwt");
		refused.put("the API key", Api.TEST_KEY);
		refused.forEach((why, token) -> {
			Api.Response answer = send(token, p.message(5, now.plusSeconds(1), UUID.randomUUID().toString()));
			assertThat(answer.status()).as(why + ": " + answer).isEqualTo(401);
			assertThat(answer.code()).as(why).isEqualTo("UNAUTHORIZED");
		});
		Api.Response none = send(null, p.message(5, now.plusSeconds(1), UUID.randomUUID().toString()));
		assertThat(none.status()).isEqualTo(401);
		assertThat(p.subscription().toString()).isEqualTo(before);
	}

	@Test
	void aNotificationForAnotherAppIsRefused() {
		Purchase p = purchased();
		String before = p.subscription().toString();
		Api.Response answer = send(pushToken(c -> c),
				message("example.other.app", 5, p.purchaseToken, now.plusSeconds(1), UUID.randomUUID().toString()));
		assertThat(answer.status()).isEqualTo(401);
		assertThat(p.subscription().toString()).isEqualTo(before);
	}

	@Test
	void withNoPackageNameConfiguredEveryPushIsRefusedEvenWithAGoodToken() {
		Purchase p = purchased();
		String before = p.subscription().toString();
		// another app's purchase under the same token, which the Play API would answer for that app's package
		play.put("example.other.app", p.purchaseToken, new PlaySubscriptionsApi.PlaySubscription(
				"SUBSCRIPTION_STATE_ON_HOLD", "antivirus-monthly", p.start, p.expiry, true, p.token, false));
		// the server as it runs with SUBDESK_STORES_GOOGLE_PACKAGE_NAME unset and the other three Google variables set
		StoresProperties.Google google = properties.google();
		GooglePlayNotifications unset = new GooglePlayNotifications(pushTokens, play, sync,
				new StoresProperties(properties.products(), properties.apple(), new StoresProperties.Google(
						google.jwksUri(), google.audience(), google.serviceAccount(), null, google.api())),
				JSON, clock);
		for (String packageName : List.of("example.other.app", PACKAGE)) {
			String body = JSON.writeValueAsString(
					message(packageName, 5, p.purchaseToken, now.plusSeconds(1), UUID.randomUUID().toString()));
			assertThatThrownBy(() -> unset.receive("Bearer " + pushToken(c -> c), body)).as(packageName)
				.isInstanceOfSatisfying(SubdeskException.class, e -> {
					assertThat(e.status()).isEqualTo(401);
					assertThat(e.code()).isEqualTo("UNAUTHORIZED");
				});
		}
		assertThat(p.subscription().toString()).isEqualTo(before);
	}

	@Test
	void aBodyThatIsNoPushIs400WithAGoodToken() {
		assertThat(send(pushToken(c -> c), Map.of("message", Map.of("data", "%%%", "messageId", "m1"))).status())
			.isEqualTo(400);
		assertThat(send(pushToken(c -> c), Map.of("nothing", true)).status()).isEqualTo(400);
	}

	@Test
	void aTestNotificationChangesNothing() {
		Api.Response answer = GooglePushSigner.pushTestNotification(api.checkedAgainstTheDescription(), now);
		assertThat(answer.status()).isEqualTo(200);
		assertThat(answer.text("outcome")).isEqualTo("IGNORED");
	}
}
