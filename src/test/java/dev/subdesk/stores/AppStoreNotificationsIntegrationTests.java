package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * App Store Server Notifications V2 at {@code POST /api/v1/channels/apple/notifications}, signed by the tests' own
 * chain ({@link AppStoreSigner}) up to the configured test root: what each notification type does to the
 * subscription, the token that ties a purchase to an account, the refusals of a bad chain or signature (401,
 * nothing changed), a repeated notificationUUID and an older signedDate (nothing changed).
 */
class AppStoreNotificationsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Clock clock;

	private Api store;

	private Api vendor;

	private AppStoreSigner signer;

	private Instant now;

	@BeforeEach
	void setUp() {
		store = api.with("Authorization", null).checkedAgainstTheDescription();
		vendor = api.checkedAgainstTheDescription();
		signer = AppStoreSigner.trusted();
		now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
	}

	/** A purchase in the App Store by a new customer whose app set the account's token. */
	private AppStorePurchase purchase() {
		return new AppStorePurchase(vendor, store, signer, fixtures.account(), now);
	}

	private Api.Response post(String signedPayload, int expected) {
		return AppStorePurchase.post(store, signedPayload, expected);
	}

	private AppStorePurchase subscribed() {
		AppStorePurchase p = purchase();
		assertThat(p.notify("SUBSCRIBED", "INITIAL_BUY", now)).isEqualTo("APPLIED");
		return p;
	}

	private static Instant at(JsonNode node, String field) {
		return Instant.parse(node.path(field).asString());
	}

	@Test
	void subscribedCreatesAnActiveAppStoreSubscriptionForTheAccountWhoseTokenTheAppSet() {
		AppStorePurchase p = subscribed();
		JsonNode s = p.subscription();
		assertThat(s.path("channel").asString()).isEqualTo("APP_STORE");
		assertThat(s.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(s.path("autoRenew").asBoolean()).isTrue();
		assertThat(s.path("planCode").asString()).isEqualTo("antivirus-monthly");
		assertThat(s.path("paymentMethodId").isNull()).isTrue();
		assertThat(at(s, "currentPeriodStart")).isEqualTo(p.start);
		assertThat(at(s, "currentPeriodEnd")).isEqualTo(p.end);
		JsonNode status = p.storeStatus();
		assertThat(status.path("storeState").asString()).isEqualTo("ACTIVE");
		assertThat(status.path("refunded").asBoolean()).isFalse();
		assertThat(status.path("channelInstructions").path("steps").toString()).contains("the App Store");
	}

	@Test
	void didRenewMovesTheSubscriptionToThePeriodTheStoreBilled() {
		AppStorePurchase p = subscribed();
		Instant oldEnd = p.end;
		p.start = oldEnd;
		p.end = oldEnd.plus(Duration.ofDays(30));
		assertThat(p.notify("DID_RENEW", null, now.plusSeconds(1))).isEqualTo("APPLIED");
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(at(s, "currentPeriodStart")).isEqualTo(oldEnd);
		assertThat(at(s, "currentPeriodEnd")).isEqualTo(p.end);
	}

	@Test
	void autoRenewalTurnedOffInTheStoreSchedulesTheEndAtTheExpiryAndTurnedOnTakesItBack() {
		AppStorePurchase p = subscribed();
		fixtures.card(p.account, "tok_visa");
		assertThat(p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now.plusSeconds(1))).isEqualTo("APPLIED");
		JsonNode off = p.subscription();
		assertThat(off.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(off.path("autoRenew").asBoolean()).isFalse();
		assertThat(at(off, "cancelAt")).isEqualTo(p.end);
		assertThat(p.storeStatus().path("storeState").asString()).isEqualTo("AUTO_RENEW_OFF");

		assertThat(p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_ENABLED", now.plusSeconds(2))).isEqualTo("APPLIED");
		JsonNode on = p.subscription();
		assertThat(on.path("autoRenew").asBoolean()).isTrue();
		assertThat(on.path("cancelAt").isNull()).isTrue();
		assertThat(on.path("paymentMethodId").isNull()).as("the store bills it, not a card").isTrue();
		assertThat(p.storeStatus().path("storeState").asString()).isEqualTo("ACTIVE");
	}

	@Test
	void didFailToRenewMakesItPastDueWhileTheStoreRetriesAndARenewalRecoversIt() {
		AppStorePurchase p = subscribed();
		assertThat(p.notify("DID_FAIL_TO_RENEW", "GRACE_PERIOD", now.plusSeconds(1))).isEqualTo("APPLIED");
		assertThat(p.subscription().path("status").asString()).isEqualTo("PAST_DUE");
		assertThat(p.storeStatus().path("storeState").asString()).isEqualTo("GRACE_PERIOD");

		p.start = p.end;
		p.end = p.end.plus(Duration.ofDays(30));
		assertThat(p.notify("DID_RENEW", "BILLING_RECOVERY", now.plusSeconds(2))).isEqualTo("APPLIED");
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(at(s, "currentPeriodEnd")).isEqualTo(p.end);
	}

	@Test
	void everyChangeTheStoreReportsIsADomainEventOfTheSubscriptionAsForAnyOther() {
		AppStorePurchase p = subscribed();
		assertThat(p.notify("DID_FAIL_TO_RENEW", "GRACE_PERIOD", now.plusSeconds(1))).isEqualTo("APPLIED");
		p.start = p.end;
		p.end = p.end.plus(Duration.ofDays(30));
		assertThat(p.notify("DID_RENEW", "BILLING_RECOVERY", now.plusSeconds(2))).isEqualTo("APPLIED");
		assertThat(p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now.plusSeconds(3))).isEqualTo("APPLIED");
		assertThat(p.notify("REFUND", null, now.plusSeconds(4))).isEqualTo("APPLIED");

		String id = p.subscription().path("id").asString();
		JsonNode events = vendor.get("/events?limit=100&subjectId=" + id).json().path("data");
		assertThat(events.values().stream().map(e -> e.path("type").asString()).toList().reversed()).containsExactly(
				"subscription.created", "subscription.past_due", "subscription.renewed",
				"subscription.cancellation_scheduled", "subscription.cancelled");
		assertThat(events.get(0).path("data").path("channel").asString()).isEqualTo("APP_STORE");
	}

	@Test
	void gracePeriodExpiredEndsItAsExpired() {
		AppStorePurchase p = subscribed();
		p.notify("DID_FAIL_TO_RENEW", "GRACE_PERIOD", now.plusSeconds(1));
		assertThat(p.notify("GRACE_PERIOD_EXPIRED", null, now.plusSeconds(2))).isEqualTo("APPLIED");
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("EXPIRED");
		assertThat(s.path("autoRenew").asBoolean()).isFalse();
		assertThat(p.storeStatus().path("storeState").asString()).isEqualTo("EXPIRED");
	}

	@Test
	void aBillingRetryWithoutAGracePeriodEntitlesOnlyUntilThePeriodPaidForNotForOurOwnDunningDays() {
		AppStorePurchase p = subscribed();
		StoreEntitlements entitlements = new StoreEntitlements(vendor);
		String device = entitlements.device(p.account, p.subscription().path("id").asString());
		assertThat(p.notify("DID_FAIL_TO_RENEW", null, now.plusSeconds(1))).isEqualTo("APPLIED");
		assertThat(p.subscription().path("status").asString()).isEqualTo("PAST_DUE");
		assertThat(p.storeStatus().path("storeState").asString()).isEqualTo("BILLING_RETRY");
		assertThat(entitlements.until(p.account)).as("the App Store serves nothing in its billing retry").isEqualTo(p.end);

		fixtures.advance(Duration.between(fixtures.now(), p.end).minusDays(1));
		assertThat(entitlements.tokenExpiry(device)).isBeforeOrEqualTo(p.end);

		fixtures.advance(Duration.ofDays(1).plusHours(1));
		assertThat(p.subscription().path("status").asString()).as("the store has not ended it yet").isEqualTo("PAST_DUE");
		entitlements.assertNoToken(device);
		assertThat(entitlements.of(p.account).values()).isEmpty();
	}

	@Test
	void aBillingGracePeriodEntitlesUntilTheGraceEndTheStoreNames() {
		AppStorePurchase p = subscribed();
		StoreEntitlements entitlements = new StoreEntitlements(vendor);
		String device = entitlements.device(p.account, p.subscription().path("id").asString());
		Instant graceEnd = p.end.plus(Duration.ofDays(16));
		p.gracePeriodExpires = graceEnd;
		assertThat(p.notify("DID_FAIL_TO_RENEW", "GRACE_PERIOD", now.plusSeconds(1))).isEqualTo("APPLIED");
		assertThat(entitlements.until(p.account)).isEqualTo(graceEnd);

		fixtures.advance(Duration.between(fixtures.now(), p.end).plusDays(10));
		assertThat(entitlements.tokenExpiry(device)).as("served through the store's grace, past our 5 days")
			.isEqualTo(graceEnd);
		assertThat(entitlements.until(p.account)).isEqualTo(graceEnd);

		fixtures.advance(Duration.ofDays(6).plusHours(1));
		entitlements.assertNoToken(device);
		assertThat(entitlements.of(p.account).values()).isEmpty();
	}

	@Test
	void pastThePeriodPaidForWithNoNoticeFromTheStoreItIsCoveredAnHourLongerThenNotUntilTheStoreReportsTheRenewal() {
		AppStorePurchase p = subscribed();
		StoreEntitlements entitlements = new StoreEntitlements(vendor);
		String device = entitlements.device(p.account, p.subscription().path("id").asString());
		Instant lagEnd = p.end.plus(Duration.ofHours(1));

		fixtures.advance(Duration.between(fixtures.now(), p.end).plusMinutes(30));
		assertThat(p.subscription().path("status").asString()).as("no notice yet: as the store left it").isEqualTo("ACTIVE");
		assertThat(entitlements.tokenExpiry(device)).as("the renewal notice may lag: an hour past the period paid for")
			.isEqualTo(lagEnd);
		assertThat(entitlements.until(p.account)).isEqualTo(lagEnd);

		fixtures.advance(Duration.ofMinutes(30));
		entitlements.assertNoToken(device);
		assertThat(entitlements.of(p.account).values()).as("nothing the store confirmed").isEmpty();
		fixtures.advance(Duration.ofDays(2));
		entitlements.assertNoToken(device);
		assertThat(entitlements.of(p.account).values()).isEmpty();

		p.start = p.end;
		p.end = p.end.plus(Duration.ofDays(30));
		assertThat(p.notify("DID_RENEW", null, fixtures.now())).isEqualTo("APPLIED");
		// the test clock follows real time: the token's expiry (whole seconds) is 7 days from an instant in between
		Instant before = fixtures.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
		Instant expiry = entitlements.tokenExpiry(device);
		assertThat(expiry).as("the store renewed it")
			.isBetween(before.plus(Duration.ofDays(7)), fixtures.now().plus(Duration.ofDays(7)));
		assertThat(entitlements.until(p.account)).isEqualTo(p.end);
	}

	@Test
	void aGraceEndTheStoreChangesIsASubscriptionUpdatedEventAndTheSameEndAgainIsNone() {
		AppStorePurchase p = subscribed();
		StoreEntitlements entitlements = new StoreEntitlements(vendor);
		String id = p.subscription().path("id").asString();
		p.gracePeriodExpires = p.end.plus(Duration.ofDays(6));
		assertThat(p.notify("DID_FAIL_TO_RENEW", "GRACE_PERIOD", now.plusSeconds(1))).isEqualTo("APPLIED");
		Instant longer = p.end.plus(Duration.ofDays(16));
		p.gracePeriodExpires = longer;
		assertThat(p.notify("DID_FAIL_TO_RENEW", "GRACE_PERIOD", now.plusSeconds(2))).isEqualTo("APPLIED");
		assertThat(entitlements.until(p.account)).isEqualTo(longer);
		assertThat(p.notify("DID_FAIL_TO_RENEW", "GRACE_PERIOD", now.plusSeconds(3))).as("the same end again")
			.isEqualTo("APPLIED");

		JsonNode events = vendor.get("/events?limit=100&subjectId=" + id).json().path("data");
		assertThat(events.values().stream().map(e -> e.path("type").asString()).toList().reversed())
			.as("invariant 12: the changed grace end, which moves what the devices get, is a change with its event")
			.containsExactly("subscription.created", "subscription.past_due", "subscription.updated");
	}

	@Test
	void aGracePeriodWhoseEndTheStoreDoesNotNameKeepsOurOwnDunningDaysAndARenewalForgetsTheGrace() {
		AppStorePurchase p = subscribed();
		StoreEntitlements entitlements = new StoreEntitlements(vendor);
		assertThat(p.notify("DID_FAIL_TO_RENEW", "GRACE_PERIOD", now.plusSeconds(1))).isEqualTo("APPLIED");
		assertThat(entitlements.until(p.account)).isEqualTo(p.end.plus(Duration.ofDays(5)));

		p.start = p.end;
		p.end = p.end.plus(Duration.ofDays(30));
		assertThat(p.notify("DID_RENEW", "BILLING_RECOVERY", now.plusSeconds(2))).isEqualTo("APPLIED");
		assertThat(entitlements.until(p.account)).isEqualTo(p.end);
		assertThat(p.notify("DID_FAIL_TO_RENEW", null, now.plusSeconds(3))).isEqualTo("APPLIED");
		assertThat(entitlements.until(p.account)).isEqualTo(p.end);
	}

	@Test
	void expiredAfterTheCustomerTurnedAutoRenewalOffEndsItCancelledAtTheExpiry() {
		AppStorePurchase p = subscribed();
		p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now.plusSeconds(1));
		Instant signed = p.end.plusSeconds(1);
		assertThat(p.notify("EXPIRED", "VOLUNTARY", signed)).isEqualTo("APPLIED");
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(at(s, "cancelledAt")).isEqualTo(p.end);
	}

	@Test
	void expiredAfterTheStoresBillingRetryEndsItAsExpired() {
		AppStorePurchase p = subscribed();
		assertThat(p.notify("EXPIRED", "BILLING_RETRY", now.plusSeconds(1))).isEqualTo("APPLIED");
		assertThat(p.subscription().path("status").asString()).isEqualTo("EXPIRED");
	}

	/**
	 * The contract a store ends ends when the store says (R-US-2 counts a year from there): an expiry at the store's
	 * expiry or its signing, a refund at its revocation; a store that renews it again never reached it.
	 */
	@Test
	void theStoresExpiryOrRefundIsRecordedAsTheEndOfTheContract(@Autowired JdbcClient jdbc) {
		AppStorePurchase renewed = subscribed();
		renewed.notify("DID_FAIL_TO_RENEW", null, now.plusSeconds(1));
		renewed.start = renewed.end;
		renewed.end = renewed.end.plus(Duration.ofDays(30));
		assertThat(renewed.notify("DID_RENEW", "BILLING_RECOVERY", now.plusSeconds(2))).isEqualTo("APPLIED");
		assertThat(endedAt(jdbc, renewed)).as("past due, then renewed: never ended").isNull();

		AppStorePurchase expired = subscribed();
		assertThat(expired.notify("EXPIRED", "BILLING_RETRY", now.plusSeconds(5))).isEqualTo("APPLIED");
		assertThat(expired.subscription().path("status").asString()).isEqualTo("EXPIRED");
		assertThat(endedAt(jdbc, expired)).isEqualTo(now.plusSeconds(5));

		AppStorePurchase refunded = subscribed();
		refunded.revokedAt(now.plusSeconds(60));
		assertThat(refunded.notify("REFUND", null, now.plusSeconds(61))).isEqualTo("APPLIED");
		assertThat(endedAt(jdbc, refunded)).isEqualTo(now.plusSeconds(60));
	}

	/**
	 * An App Store purchase is scheduled to be looked up ({@link StoreLookups}) as a Google Play one is, also here where
	 * the App Store Server API is not configured (it is then not asked: AppStoreLookupsIntegrationTests asks it), so
	 * that a deployment that configures the key later asks about it at once.
	 */
	@Test
	void anAppStorePurchaseIsDueALookupAnHourPastItsPeriodOrItsBillingRetryEvenWithoutTheServerApi(
			@Autowired JdbcClient jdbc, @Autowired AppStoreLookups appStore) {
		assertThat(appStore.asked()).as("no App Store Server API key in this context").isFalse();
		AppStorePurchase p = subscribed();
		AppStorePurchase pastDue = subscribed();
		assertThat(pastDue.notify("DID_FAIL_TO_RENEW", null, now.plusSeconds(1))).isEqualTo("APPLIED");
		AppStorePurchase off = subscribed();
		assertThat(off.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now.plusSeconds(1)))
			.isEqualTo("APPLIED");

		Instant due = p.end.plus(Duration.ofHours(1));
		for (AppStorePurchase each : List.of(p, pastDue, off)) {
			Map<String, Object> row = jdbc
				.sql("SELECT lookup_for, lookup_due_at FROM store_purchases WHERE store = 'APP_STORE' AND purchase_id = :id")
				.param("id", each.originalTransactionId())
				.query()
				.singleRow();
			Object expected = each == off ? null : java.sql.Timestamp.from(due);
			assertThat(row).as("due an hour past the period paid for, unless its end is scheduled")
				.containsEntry("lookup_due_at", expected)
				.containsEntry("lookup_for", expected);
		}
	}

	private static @org.jspecify.annotations.Nullable Instant endedAt(JdbcClient jdbc, AppStorePurchase p) {
		return jdbc.sql("SELECT ended_at FROM subscriptions WHERE id = :id")
			.param("id", p.subscription().path("id").asString())
			.query((rs, n) -> rs.getTimestamp(1) == null ? null : rs.getTimestamp(1).toInstant())
			.optional()
			.orElse(null);
	}

	@Test
	void aStoreRefundEndsItAndShowsAsARefundByTheStore() {
		AppStorePurchase p = subscribed();
		p.revokedAt(now.plusSeconds(60));
		assertThat(p.notify("REFUND", null, now.plusSeconds(61))).isEqualTo("APPLIED");
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(at(s, "cancelledAt")).isEqualTo(Instant.parse(p.revocationDate));
		JsonNode status = p.storeStatus();
		assertThat(status.path("storeState").asString()).isEqualTo("REFUNDED");
		assertThat(status.path("refunded").asBoolean()).isTrue();
		assertThat(Instant.parse(status.path("refundedAt").asString())).isEqualTo(Instant.parse(p.revocationDate));
		assertThat(vendor.get("/accounts/" + p.account + "/charges").json().path("data").size())
			.as("Subdesk charged nothing and refunds nothing: the store did")
			.isZero();
	}

	@Test
	void afterTheAccountClosedTheStoreStillEndsTheSubscriptionItBillsButStartsNoNewOne() {
		AppStorePurchase p = subscribed();
		Api.Response closed = vendor.post("/accounts/" + p.account + "/close", java.util.Map.of());
		assertThat(closed.status()).as(closed.toString()).isEqualTo(200);
		assertThat(p.subscription().path("status").asString()).as("the store bills it: left to the store")
			.isEqualTo("ACTIVE");

		p.revokedAt(now.plusSeconds(60));
		assertThat(p.notify("REFUND", null, now.plusSeconds(61))).isEqualTo("APPLIED");
		assertThat(p.subscription().path("status").asString()).isEqualTo("CANCELLED");
		assertThat(p.storeStatus().path("storeState").asString()).isEqualTo("REFUNDED");

		p.revocationDate = null;
		p.start = now.plusSeconds(120);
		p.end = p.start.plus(Duration.ofDays(30));
		assertThat(p.notify("SUBSCRIBED", "RESUBSCRIBE", now.plusSeconds(120))).as("no new subscription for a closed account")
			.isEqualTo("UNMATCHED");
		assertThat(vendor.get("/accounts/" + p.account + "/subscriptions").json().path("data").values())
			.extracting(s -> s.path("status").asString()).containsExactly("CANCELLED");
	}

	@Test
	void aDowngradeAtTheRenewalAndAnUpgradeAtOnceMoveTheSubscriptionToThePlanTheStoreBills() {
		AppStorePurchase p = purchase();
		p.product = "total-annual";
		assertThat(p.notify("SUBSCRIBED", "INITIAL_BUY", now)).isEqualTo("APPLIED");
		List<String> devices = new java.util.ArrayList<>();
		for (int i = 0; i < 5; i++) {
			Api.Response device = vendor.post("/accounts/" + p.account + "/devices",
					java.util.Map.of("name", "Device " + i, "platform", "WINDOWS"));
			assertThat(device.status()).as(device.toString()).isEqualTo(201);
			devices.add(device.id());
		}
		assertThat(products(p)).contains("vpn", "identity");

		// the customer chose a smaller plan in the store: it applies at the renewal
		p.product = "antivirus-monthly";
		assertThat(p.notify("DID_CHANGE_RENEWAL_PREF", "DOWNGRADE", now.plusSeconds(1))).isEqualTo("IGNORED");
		assertThat(p.subscription().path("planCode").asString()).isEqualTo("total-annual");
		p.start = p.end;
		p.end = p.start.plus(Duration.ofDays(30));
		assertThat(p.notify("DID_RENEW", null, now.plusSeconds(2))).isEqualTo("APPLIED");
		JsonNode downgraded = p.subscription();
		assertThat(downgraded.path("planCode").asString()).isEqualTo("antivirus-monthly");
		assertThat(vendor.get("/accounts/" + p.account + "/entitlements").json().path("data").values())
			.allSatisfy(e -> assertThat(e.path("deviceLimit").asInt()).isEqualTo(3));
		assertThat(products(p)).containsExactly("antivirus");
		JsonNode listed = vendor.get("/accounts/" + p.account + "/devices?limit=100").json().path("data");
		assertThat(listed.values()).filteredOn(d -> d.path("status").asString().equals("ACTIVE"))
			.extracting(d -> d.path("id").asString())
			.as("the three oldest keep their seats")
			.containsExactlyInAnyOrderElementsOf(devices.subList(0, 3));
		assertThat(at(downgraded, "currentPeriodStart")).isEqualTo(p.start);
		assertThat(at(downgraded, "currentPeriodEnd")).as("the store's new period").isEqualTo(p.end);

		// and back up, at once
		p.product = "total-annual";
		p.start = now.plusSeconds(3);
		p.end = p.start.plus(Duration.ofDays(365));
		assertThat(p.notify("DID_CHANGE_RENEWAL_PREF", "UPGRADE", now.plusSeconds(3))).isEqualTo("APPLIED");
		assertThat(p.subscription().path("planCode").asString()).isEqualTo("total-annual");
		assertThat(products(p)).contains("antivirus", "vpn", "utilities", "identity");
	}

	private List<String> products(AppStorePurchase p) {
		return vendor.get("/accounts/" + p.account + "/entitlements").json().path("data").values().stream()
			.map(e -> e.path("product").asString())
			.distinct()
			.toList();
	}

	@Test
	void revokeEndsItCancelledAsRevoked() {
		AppStorePurchase p = subscribed();
		p.revokedAt(now.plusSeconds(30));
		assertThat(p.notify("REVOKE", null, now.plusSeconds(31))).isEqualTo("APPLIED");
		assertThat(p.subscription().path("status").asString()).isEqualTo("CANCELLED");
		JsonNode status = p.storeStatus();
		assertThat(status.path("storeState").asString()).isEqualTo("REVOKED");
		assertThat(status.path("refunded").asBoolean()).isFalse();
	}

	@Test
	void aSubscriptionBoughtAgainAfterItEndedIsANewSubscription() {
		AppStorePurchase p = subscribed();
		p.notify("EXPIRED", "VOLUNTARY", now.plusSeconds(1));
		p.start = now.plusSeconds(2);
		p.end = p.start.plus(Duration.ofDays(30));
		assertThat(p.notify("SUBSCRIBED", "RESUBSCRIBE", now.plusSeconds(2))).isEqualTo("APPLIED");
		JsonNode list = vendor.get("/accounts/" + p.account + "/subscriptions").json().path("data");
		assertThat(list.values()).extracting(s -> s.path("status").asString())
			.containsExactlyInAnyOrder("CANCELLED", "ACTIVE");
	}

	@Test
	void aResubscriptionAfterARefundIsNotRefundedAndTheRefundedSubscriptionStaysRefunded() {
		AppStorePurchase p = subscribed();
		String refundedId = p.subscription().path("id").asString();
		p.revokedAt(now.plusSeconds(60));
		assertThat(p.notify("REFUND", null, now.plusSeconds(61))).isEqualTo("APPLIED");

		p.revocationDate = null;
		p.start = now.plusSeconds(120);
		p.end = p.start.plus(Duration.ofDays(30));
		JsonNode again = p.answer("SUBSCRIBED", "RESUBSCRIBE", now.plusSeconds(120));
		assertThat(again.path("outcome").asString()).isEqualTo("APPLIED");
		String newId = again.path("subscriptionId").asString();
		assertThat(newId).isNotEqualTo(refundedId);

		JsonNode paid = storeStatus(newId);
		assertThat(paid.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(paid.path("storeState").asString()).isEqualTo("ACTIVE");
		assertThat(paid.path("refunded").asBoolean()).as("the new purchase is paid, not refunded").isFalse();
		assertThat(paid.path("refundedAt").isNull()).isTrue();
		JsonNode refunded = storeStatus(refundedId);
		assertThat(refunded.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(refunded.path("storeState").asString()).isEqualTo("REFUNDED");
		assertThat(refunded.path("refunded").asBoolean()).as("the ended subscription keeps its refund").isTrue();
		assertThat(at(refunded, "refundedAt")).isEqualTo(now.plusSeconds(60));
	}

	@Test
	void aReversedRefundIsNoLongerShownAsRefundedButTheSubscriptionStaysEnded() {
		AppStorePurchase p = subscribed();
		p.revokedAt(now.plusSeconds(60));
		assertThat(p.notify("REFUND", null, now.plusSeconds(61))).isEqualTo("APPLIED");

		p.revocationDate = null;
		assertThat(p.notify("REFUND_REVERSED", null, now.plusSeconds(90))).isEqualTo("APPLIED");
		JsonNode status = p.storeStatus();
		assertThat(status.path("refunded").asBoolean()).isFalse();
		assertThat(status.path("refundedAt").isNull()).isTrue();
		assertThat(status.path("storeState").asString()).as("the transaction's period runs").isEqualTo("ACTIVE");
		assertThat(status.path("status").asString()).as("an ended store subscription is never reopened")
			.isEqualTo("CANCELLED");
	}

	@Test
	void aReversalWhileTheSubscriptionThePurchaseBillsIsNotRefundedChangesNothing() {
		AppStorePurchase p = subscribed();
		String before = p.storeStatus().toString();
		assertThat(p.notify("REFUND_REVERSED", null, now.plusSeconds(30))).isEqualTo("IGNORED");
		assertThat(p.storeStatus().toString()).isEqualTo(before);
		assertThat(p.subscription().path("status").asString()).isEqualTo("ACTIVE");
	}

	private JsonNode storeStatus(String subscriptionId) {
		Api.Response answer = vendor.get("/subscriptions/" + subscriptionId + "/store-status");
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		return answer.json();
	}

	@Test
	void twoFirstNotificationsOfOnePurchaseAtOnceMakeOneSubscription() throws Exception {
		AppStorePurchase p = purchase();
		try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
			var bought = pool.submit(() -> p.notify("SUBSCRIBED", "INITIAL_BUY", now));
			var off = pool.submit(() -> p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now.plusSeconds(1)));
			assertThat(java.util.List.of(bought.get(), off.get())).allMatch(o -> o.equals("APPLIED") || o.equals("STALE"));
		}
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(s.path("autoRenew").asBoolean()).as("whichever came first, the later one counts").isFalse();
	}

	@Test
	void anUnknownAccountTokenOpensASupportCaseAndCreatesNoSubscription() {
		AppStorePurchase p = purchase();
		Map<String, Object> transaction = p.transaction();
		transaction.put("appAccountToken", UUID.randomUUID().toString());
		JsonNode outcome = post(signer.sign(p.notification("SUBSCRIBED", "INITIAL_BUY", now, UUID.randomUUID().toString(),
				transaction)), 200).json();
		assertThat(outcome.path("outcome").asString()).isEqualTo("UNMATCHED");
		String caseNumber = outcome.path("caseNumber").asString();
		assertThat(caseNumber).startsWith("CASE-");
		assertThat(vendor.get("/accounts/" + p.account + "/subscriptions").json().path("data").size()).isZero();

		JsonNode again = post(signer.sign(p.notification("DID_RENEW", null, now.plusSeconds(1),
				UUID.randomUUID().toString(), transaction)), 200).json();
		assertThat(again.path("caseNumber").asString()).as("one case per purchase").isEqualTo(caseNumber);
	}

	/**
	 * A store product that is an add-on plan's code (or maps to one) cannot be a store purchase: an add-on needs the
	 * subscription it adds to, which no store names. The notification is answered as the store expects and recorded,
	 * and goes to an internal case of the account; nothing is created or charged, and a base subscription the purchase
	 * bills is not moved onto the add-on plan.
	 */
	@Test
	void aProductThatIsAnAddOnPlanIsRecordedAndGoesToAnInternalCaseNotRefusedForDays(@Autowired JdbcClient jdbc,
			@Autowired dev.subdesk.support.Support support) {
		AppStorePurchase p = purchase();
		p.product = "vpn-addon-monthly";
		JsonNode outcome = p.answer("SUBSCRIBED", "INITIAL_BUY", now);
		assertThat(outcome.path("outcome").asString()).isEqualTo("UNMATCHED");
		String caseNumber = outcome.path("caseNumber").asString();
		var opened = support.find(caseNumber).orElseThrow();
		assertThat(opened.internal()).as("staff's work: the customer is not told").isTrue();
		assertThat(opened.accountId()).isEqualTo(p.account);
		assertThat(opened.subject()).contains("add-on plan vpn-addon-monthly");
		assertThat(vendor.get("/accounts/" + p.account + "/subscriptions").json().path("data").size()).isZero();
		assertThat(vendor.get("/accounts/" + p.account + "/charges").json().path("data").size()).isZero();
		assertThat(jdbc.sql("SELECT outcome FROM store_notifications WHERE store = 'APP_STORE' AND purchase_id = :p")
			.param("p", p.originalTransactionId())
			.query(String.class)
			.list()).containsExactly("UNMATCHED");

		AppStorePurchase base = subscribed();
		base.product = "vpn-addon-monthly";
		base.start = now.plusSeconds(1);
		assertThat(base.notify("DID_CHANGE_RENEWAL_PREF", "UPGRADE", now.plusSeconds(1))).isEqualTo("UNMATCHED");
		assertThat(base.subscription().path("planCode").asString()).isEqualTo("antivirus-monthly");
	}

	/**
	 * The customer moved to a store product that is no plan: that report goes to a case, and the subscription the
	 * purchase bills stays as it was. The store's refund of that purchase still ends it (no token for its devices
	 * any more), and each further report of the unplaced product is a line of the same case.
	 */
	@Test
	void afterAnUpgradeToAnUnmappedProductTheStoresRefundStillEndsTheSubscriptionAndTheCaseGetsEachReport(
			@Autowired dev.subdesk.support.Support support) {
		AppStorePurchase p = subscribed();
		StoreEntitlements entitlements = new StoreEntitlements(vendor);
		String device = entitlements.device(p.account, p.subscription().path("id").asString());
		p.product = "example.acme.suite.unmapped";
		p.start = now.plusSeconds(1);
		p.end = p.start.plus(Duration.ofDays(365));
		JsonNode upgrade = p.answer("DID_CHANGE_RENEWAL_PREF", "UPGRADE", now.plusSeconds(1));
		assertThat(upgrade.path("outcome").asString()).isEqualTo("UNMATCHED");
		String caseNumber = upgrade.path("caseNumber").asString();
		assertThat(p.subscription().path("planCode").asString()).isEqualTo("antivirus-monthly");
		int lines = support.timeline(caseNumber).size();

		JsonNode renewal = p.answer("DID_RENEW", null, now.plusSeconds(2));
		assertThat(renewal.path("outcome").asString()).isEqualTo("UNMATCHED");
		assertThat(renewal.path("caseNumber").asString()).as("one case per purchase").isEqualTo(caseNumber);
		assertThat(support.timeline(caseNumber)).hasSize(lines + 1)
			.last()
			.satisfies(line -> assertThat(line.text()).contains("DID_RENEW").contains("example.acme.suite.unmapped"));

		p.revokedAt(now.plusSeconds(3));
		assertThat(p.notify("REFUND", null, now.plusSeconds(3))).isEqualTo("APPLIED");
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(p.storeStatus().path("storeState").asString()).isEqualTo("REFUNDED");
		entitlements.assertNoToken(device);
	}

	@Test
	void afterAnUpgradeToAnUnmappedProductTheStoresExpiryAndAutoRenewalStillApply() {
		AppStorePurchase p = subscribed();
		p.product = "example.acme.suite.unmapped";
		assertThat(p.notify("DID_CHANGE_RENEWAL_PREF", "UPGRADE", now.plusSeconds(1))).isEqualTo("UNMATCHED");
		assertThat(p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now.plusSeconds(2))).isEqualTo("APPLIED");
		assertThat(at(p.subscription(), "cancelAt")).isEqualTo(p.end);
		assertThat(p.notify("EXPIRED", "VOLUNTARY", now.plusSeconds(3))).isEqualTo("APPLIED");
		assertThat(p.subscription().path("status").asString()).isEqualTo("CANCELLED");
	}

	@Test
	void aNotificationWithoutAnyAccountTokenOpensACaseToo() {
		AppStorePurchase p = purchase();
		Map<String, Object> transaction = p.transaction();
		transaction.remove("appAccountToken");
		JsonNode outcome = post(signer.sign(p.notification("SUBSCRIBED", "INITIAL_BUY", now, UUID.randomUUID().toString(),
				transaction)), 200).json();
		assertThat(outcome.path("outcome").asString()).isEqualTo("UNMATCHED");
		assertThat(outcome.path("caseNumber").isNull()).isFalse();
	}

	@Test
	void aRepeatedNotificationUuidChangesNothing() {
		AppStorePurchase p = subscribed();
		String uuid = UUID.randomUUID().toString();
		assertThat(p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now.plusSeconds(1), uuid))
			.isEqualTo("APPLIED");
		assertThat(p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_ENABLED", now.plusSeconds(2))).isEqualTo("APPLIED");
		String before = p.subscription().toString();
		assertThat(p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now.plusSeconds(3), uuid))
			.isEqualTo("DUPLICATE");
		assertThat(p.subscription().toString()).isEqualTo(before);
		assertThat(p.subscription().path("autoRenew").asBoolean()).isTrue();
	}

	@Test
	void aNotificationSignedBeforeTheLastOneAppliedChangesNothing() {
		AppStorePurchase p = subscribed();
		assertThat(p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now.plusSeconds(10))).isEqualTo("APPLIED");
		String before = p.subscription().toString();
		assertThat(p.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_ENABLED", now.plusSeconds(5))).isEqualTo("STALE");
		assertThat(p.notify("EXPIRED", "BILLING_RETRY", now.plusSeconds(9))).isEqualTo("STALE");
		assertThat(p.subscription().toString()).isEqualTo(before);
		assertThat(p.storeStatus().path("storeState").asString()).isEqualTo("AUTO_RENEW_OFF");
	}

	@Test
	void aChainUpToAnotherRootIsRefusedAndChangesNothing() {
		AppStorePurchase p = subscribed();
		String before = p.subscription().toString();
		AppStoreSigner impostor = AppStoreSigner.impostor();
		String payload = impostor.sign(p.notification("EXPIRED", "BILLING_RETRY", now.plusSeconds(1),
				UUID.randomUUID().toString(), p.transaction()));
		Api.Response answer = post(payload, 401);
		assertThat(answer.code()).isEqualTo("UNAUTHORIZED");
		assertThat(p.subscription().toString()).isEqualTo(before);
	}

	@Test
	void aSignedTransactionFromAnotherChainInsideATrustedPayloadIsRefused() {
		AppStorePurchase p = subscribed();
		String before = p.subscription().toString();
		Map<String, Object> notification = p.notification("EXPIRED", "BILLING_RETRY", now.plusSeconds(1),
				UUID.randomUUID().toString(), p.transaction());
		@SuppressWarnings("unchecked")
		Map<String, Object> data = (Map<String, Object>) notification.get("data");
		data.put("signedTransactionInfo", AppStoreSigner.impostor().sign(p.transaction()));
		post(signer.sign(notification), 401);
		assertThat(p.subscription().toString()).isEqualTo(before);
	}

	@Test
	void aNotificationOrATransactionOfAnotherAppOrOfNoNamedAppIsRefused() {
		AppStorePurchase p = subscribed();
		String before = p.subscription().toString();
		Map<String, Object> otherApp = p.transaction();
		otherApp.put("bundleId", "example.someone-else.app");
		for (int variant = 0; variant < 3; variant++) {
			Map<String, Object> notification = p.notification("REFUND", null, now.plusSeconds(1),
					UUID.randomUUID().toString(), variant == 2 ? otherApp : p.transaction());
			@SuppressWarnings("unchecked")
			Map<String, Object> data = (Map<String, Object>) notification.get("data");
			switch (variant) {
				case 0 -> data.remove("bundleId");
				case 1 -> data.put("bundleId", "example.someone-else.app");
				default -> {
				}
			}
			post(signer.sign(notification), 401);
		}
		assertThat(p.subscription().toString()).isEqualTo(before);
	}

	@Test
	void aNotificationOrATransactionOfTheOtherEnvironmentIsRefused() {
		AppStorePurchase p = subscribed();
		String before = p.subscription().toString();
		Map<String, Object> production = p.transaction();
		production.put("environment", "Production");
		for (int variant = 0; variant < 3; variant++) {
			Map<String, Object> notification = p.notification("REFUND", null, now.plusSeconds(1),
					UUID.randomUUID().toString(), variant == 2 ? production : p.transaction());
			@SuppressWarnings("unchecked")
			Map<String, Object> data = (Map<String, Object>) notification.get("data");
			switch (variant) {
				case 0 -> data.remove("environment");
				case 1 -> data.put("environment", "Production");
				default -> {
				}
			}
			post(signer.sign(notification), 401);
		}
		assertThat(p.subscription().toString()).as("this server takes the sandbox's only").isEqualTo(before);
	}

	@Test
	void aTamperedSignatureIsRefusedAndChangesNothing() {
		AppStorePurchase p = subscribed();
		String before = p.subscription().toString();
		Map<String, Object> harmless = p.notification("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_ENABLED",
				now.plusSeconds(1), UUID.randomUUID().toString(), p.transaction());
		Map<String, Object> harmful = p.notification("REFUND", null, now.plusSeconds(1), UUID.randomUUID().toString(),
				p.transaction());
		post(signer.signTampered(harmless, harmful), 401);
		assertThat(p.subscription().toString()).isEqualTo(before);
	}

	@Test
	void anExpiredLeafCertificateOrOneWithoutTheStoresMarkerIsRefused() {
		AppStorePurchase p = subscribed();
		String before = p.subscription().toString();
		for (AppStoreSigner wrong : new AppStoreSigner[] { AppStoreSigner.expired(), AppStoreSigner.withoutLeafMarker() }) {
			post(wrong.sign(p.notification("EXPIRED", "BILLING_RETRY", now.plusSeconds(1), UUID.randomUUID().toString(),
					p.transaction())), 401);
		}
		assertThat(p.subscription().toString()).isEqualTo(before);
	}

	@Test
	void somethingThatIsNoSignedPayloadIsRefused() {
		post("not.a.jws", 401);
		String unsigned = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes())
				+ "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{}".getBytes()) + ".";
		post(unsigned, 401);
	}

	@Test
	void theEndpointNeedsNoApiKeyButThePathsBesideItStillDo() {
		Api anyone = api.with("Authorization", null);
		assertThat(anyone.get("/channels/apple/notifications").status()).isEqualTo(401);
		assertThat(anyone.post("/channels/apple", Map.of()).status()).isEqualTo(401);
		assertThat(anyone.post("/channels/apple/notifications/x", Map.of()).status()).isEqualTo(401);
		assertThat(anyone.get("/accounts/" + fixtures.account() + "/store-account-token").status()).isEqualTo(401);
		// the API key is no signature: with it, a bad payload is still refused
		assertThat(api.post("/channels/apple/notifications", Map.of("signedPayload", "x.y.z")).status()).isEqualTo(401);
	}

	@Test
	void anAccountKeepsOneStoreTokenWhichTheVendorsAppSetsAsBothStoresIdentifier() {
		String account = fixtures.account();
		JsonNode first = vendor.get("/accounts/" + account + "/store-account-token").json();
		JsonNode second = vendor.get("/accounts/" + account + "/store-account-token").json();
		assertThat(first).isEqualTo(second);
		assertThat(UUID.fromString(first.path("appAccountToken").asString())).isNotNull();
		assertThat(first.path("obfuscatedExternalAccountId").asString()).isEqualTo(first.path("appAccountToken").asString());
		assertThat(vendor.get("/accounts/acc_nope/store-account-token").status()).isEqualTo(404);
	}

	@Test
	void aDirectSubscriptionHasNoStoreStatus() {
		String account = fixtures.accountWithVisa();
		String id = fixtures.subscribe(account, "antivirus-monthly");
		Api.Response answer = vendor.get("/subscriptions/" + id + "/store-status");
		assertThat(answer.status()).isEqualTo(409);
		assertThat(answer.code()).isEqualTo("NOT_STORE_BILLED");
	}
}
