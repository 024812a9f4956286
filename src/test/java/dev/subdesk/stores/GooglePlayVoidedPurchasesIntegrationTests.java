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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Google Play's Voided Purchases API (played by {@link FakeGoogleApis} over HTTP) polled by {@link VoidedPurchases}: a
 * voided order of one of our store subscriptions is recorded as the store's refund, once; the list is read page by
 * page; a token of no subscription of ours is ignored; a failed call keeps the cursor.
 */
class GooglePlayVoidedPurchasesIntegrationTests extends ApiIntegrationTest {

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
	JdbcClient jdbc;

	@Autowired
	VoidedPurchases voidedPurchases;

	@AfterEach
	void googleAnswersAgain() {
		GOOGLE.voidedStatus.set(0);
		GOOGLE.voidedTokenStatus.set(0);
		GOOGLE.voidedBody.set(null);
		GOOGLE.voidedPageSize.set(1000);
		GOOGLE.voided.clear();
	}

	/** A new account's Google Play purchase, applied from its purchase push: an ACTIVE subscription. */
	private final class Purchase {

		final String account = fixtures.account();
		final Api vendor = api.checkedAgainstTheDescription();
		final String link;
		final Instant start;
		final String purchaseToken = "gp-" + UUID.randomUUID();
		/** Its first order, as Google numbers them; its renewals' are this and {@code ..0}, {@code ..1} ... */
		final String order = "GPA." + String.format("%016d", Math.floorMod(UUID.randomUUID().getLeastSignificantBits(),
				10_000_000_000_000_000L)).replaceAll("(\\d{4})(\\d{4})(\\d{4})(\\d{4})", "$1-$2-$3-$4") + "0";

		Purchase() {
			Instant now = now();
			link = vendor.get("/accounts/" + account + "/store-account-token").text("obfuscatedExternalAccountId");
			start = now.minus(Duration.ofMinutes(5));
			GOOGLE.put(PACKAGE, purchaseToken, PlayDeveloperApiFixture.purchase(link, start, start.plus(Duration.ofDays(30)))
				.replace("GPA.3333-4444-5555-66666", order));
			push(4);
			assertThat(subscription().path("status").asString()).isEqualTo("ACTIVE");
		}

		void push(int type) {
			Instant now = now();
			Api pubSub = api.with("Authorization",
					"Bearer " + GooglePushSigner.trusted().sign(GooglePushSigner.claims(now).build()));
			Api.Response answer = pubSub.post("/channels/google/rtdn", GooglePlayNotificationsIntegrationTests
				.message(PACKAGE, type, purchaseToken, now, UUID.randomUUID().toString()));
			assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		}

		/** Google revoked it at {@code at}: its purchase reads EXPIRED then, and its revocation push comes. */
		void revokedAndPushed(Instant at) {
			GOOGLE.put(PACKAGE, purchaseToken, PlayDeveloperApiFixture.purchase(link, start, at)
				.replace("GPA.3333-4444-5555-66666", order)
				.replace("\"SUBSCRIPTION_STATE_ACTIVE\"", "\"SUBSCRIPTION_STATE_EXPIRED\"")
				.replace("\"autoRenewEnabled\": true", "\"autoRenewEnabled\": false")
				.replace("\"regionCode\": \"DE\",",
						"\"regionCode\": \"DE\", \"canceledStateContext\": { \"developerInitiatedCancellation\": {} },"));
			push(12);
		}

		/**
		 * Google now reports {@code state} until {@code expiry}, its latest order {@code orderId} (a renewal's is the
		 * purchase's order id and {@code ..n}), and pushes notification {@code type}.
		 */
		void googleReports(String state, Instant expiry, String orderId, int type) {
			GOOGLE.put(PACKAGE, purchaseToken, PlayDeveloperApiFixture.purchase(link, start, expiry)
				.replace("\"SUBSCRIPTION_STATE_ACTIVE\"", "\"" + state + "\"")
				.replace("GPA.3333-4444-5555-66666", orderId));
			push(type);
		}

		JsonNode subscription(String id) {
			return vendor.get("/subscriptions/" + id).json();
		}

		JsonNode storeStatus(String id) {
			return vendor.get("/subscriptions/" + id + "/store-status").json();
		}

		List<String> events(String id) {
			return vendor.get("/events?limit=100&subjectId=" + id).json().path("data").values().stream()
				.map(e -> e.path("type").asString())
				.toList();
		}

		String id() {
			return subscription().path("id").asString();
		}

		JsonNode subscription() {
			return vendor.get("/accounts/" + account + "/subscriptions").json().path("data").get(0);
		}

		JsonNode storeStatus() {
			return vendor.get("/subscriptions/" + id() + "/store-status").json();
		}

		List<String> events() {
			return vendor.get("/events?limit=100&subjectId=" + id()).json().path("data").values().stream()
				.map(e -> e.path("type").asString())
				.toList();
		}

		@Nullable Instant refundedAt() {
			return jdbc.sql("SELECT refunded_at FROM store_purchases WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
				.param("p", purchaseToken)
				.query(Timestamp.class)
				.optional()
				.map(Timestamp::toInstant)
				.orElse(null);
		}
	}

	private Instant now() {
		return clock.instant().truncatedTo(ChronoUnit.SECONDS);
	}

	/** Google saw {@code token}'s order voided (at {@code voidedAt}) just now; the clock moves past the window's lag. */
	private void voided(String token, String orderId, Instant voidedAt) {
		GOOGLE.voided(PACKAGE, token, orderId, now(), voidedAt);
	}

	private void windowPassesIt() {
		fixtures.advance(Duration.ofMinutes(5));
	}

	private Instant seenUntil() {
		return jdbc.sql("SELECT seen_until FROM store_voided_cursors WHERE package_name = :p")
			.param("p", PACKAGE)
			.query(Timestamp.class)
			.single()
			.toInstant();
	}

	private @Nullable String pageToken() {
		return jdbc.sql("SELECT page_token FROM store_voided_cursors WHERE package_name = :p")
			.param("p", PACKAGE)
			.query(String.class)
			.optional()
			.orElse(null);
	}

	@Test
	void aVoidedSubscriptionEndsAsTheStoresRefundWithItsEventAndASecondPollChangesNothing() {
		Purchase p = new Purchase();
		Instant voidedAt = now().minusSeconds(30);
		voided(p.purchaseToken, p.order, voidedAt);
		windowPassesIt();

		VoidedPurchases.Run run = voidedPurchases.run();

		assertThat(run.result()).as(run.toString()).isEqualTo("CAUGHT_UP");
		assertThat(run.refunded()).as(run.toString()).isEqualTo(1);
		JsonNode subscription = p.subscription();
		assertThat(subscription.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(Instant.parse(subscription.path("cancelledAt").asString())).isEqualTo(voidedAt);
		JsonNode status = p.storeStatus();
		assertThat(status.path("storeState").asString()).isEqualTo("REFUNDED");
		assertThat(status.path("refunded").asBoolean()).isTrue();
		assertThat(Instant.parse(status.path("refundedAt").asString())).isEqualTo(voidedAt);
		assertThat(p.events()).containsOnlyOnce("subscription.cancelled");
		Map<String, String> asked = GOOGLE.voidedQueries.getLast();
		assertThat(asked).containsEntry("type", "1").containsEntry("maxResults", "1000").containsKeys("startTime", "endTime");
		assertThat(Long.parseLong(asked.get("startTime")))
			.isGreaterThanOrEqualTo(now().minus(Duration.ofDays(30)).toEpochMilli());

		// the same entry again (the window's overlap reads it once more), and another order of the same purchase
		voided(p.purchaseToken, p.order + "..1", now());
		List<String> events = p.events();
		windowPassesIt();
		VoidedPurchases.Run again = voidedPurchases.run();

		assertThat(again.refunded()).as(again.toString()).isZero();
		assertThat(again.repeated()).as(again.toString()).isEqualTo(2);
		assertThat(p.events()).isEqualTo(events);
		assertThat(p.refundedAt()).isEqualTo(voidedAt);
		assertThat(p.subscription().path("status").asString()).isEqualTo("CANCELLED");
	}

	@Test
	void aRevocationThePushEndedAsAnExpiryGetsItsRefundRecordedAndKeepsItsEnd() {
		Purchase p = new Purchase();
		Instant revoked = now().minusSeconds(20);
		p.revokedAndPushed(revoked);
		assertThat(p.subscription().path("status").asString()).isEqualTo("EXPIRED");
		assertThat(p.storeStatus().path("refunded").asBoolean()).isFalse();
		List<String> events = p.events();
		voided(p.purchaseToken, p.order, revoked);
		windowPassesIt();

		VoidedPurchases.Run run = voidedPurchases.run();

		assertThat(run.refunded()).as(run.toString()).isEqualTo(1);
		JsonNode status = p.storeStatus();
		assertThat(status.path("storeState").asString()).isEqualTo("REFUNDED");
		assertThat(status.path("refunded").asBoolean()).isTrue();
		assertThat(Instant.parse(status.path("refundedAt").asString())).isEqualTo(revoked);
		assertThat(p.subscription().path("status").asString()).as("an ended subscription keeps its end").isEqualTo("EXPIRED");
		assertThat(p.events()).as("nothing ended now: no event, as for a store refund after an expiry").isEqualTo(events);
	}

	/**
	 * Google voids one order: a voided order of an earlier period (the purchase's first order, once it renewed) is not
	 * the order of the period the subscription runs now, and ends nothing; the order of the period it runs now ends it
	 * as the store's refund.
	 */
	@Test
	void aVoidedOrderOfAnEarlierPeriodEndsNothingAndTheCurrentPeriodsOrderEndsIt() {
		Purchase p = new Purchase();
		String order = p.order;
		Instant renewedUntil = p.start.plus(Duration.ofDays(60));
		p.googleReports("SUBSCRIPTION_STATE_ACTIVE", renewedUntil, order + "..0", 2);
		assertThat(Instant.parse(p.subscription().path("currentPeriodEnd").asString())).isEqualTo(renewedUntil);
		List<String> events = p.events();
		voided(p.purchaseToken, order, now().minusSeconds(30));
		windowPassesIt();

		VoidedPurchases.Run run = voidedPurchases.run();

		assertThat(run.refunded()).as(run.toString()).isZero();
		assertThat(p.subscription().path("status").asString()).as("the live period's order was not voided")
			.isEqualTo("ACTIVE");
		assertThat(p.storeStatus().path("refunded").asBoolean()).isFalse();
		assertThat(p.storeStatus().path("storeState").asString()).isEqualTo("ACTIVE");
		assertThat(p.events()).isEqualTo(events);

		Instant voidedAt = now().minusSeconds(5);
		voided(p.purchaseToken, order + "..0", voidedAt);
		windowPassesIt();
		VoidedPurchases.Run current = voidedPurchases.run();

		assertThat(current.refunded()).as(current.toString()).isEqualTo(1);
		assertThat(p.subscription().path("status").asString()).isEqualTo("CANCELLED");
		assertThat(Instant.parse(p.storeStatus().path("refundedAt").asString())).isEqualTo(voidedAt);
		assertThat(p.events()).containsOnlyOnce("subscription.cancelled");
	}

	/**
	 * A purchase token that came back from an account hold bills a new subscription. A voided order of the one it
	 * billed before (its last order) is that subscription's refund: recorded on it, and the new subscription runs on,
	 * unrefunded.
	 */
	@Test
	void aVoidedOrderOfTheSubscriptionAPurchaseBilledBeforeItMovedIsThatOnesRefundAndTheNewOneRunsOn() {
		Purchase p = new Purchase();
		String order = p.order;
		Instant paidUntil = now().minusSeconds(60);
		String before = p.id();
		p.googleReports("SUBSCRIPTION_STATE_ON_HOLD", paidUntil, order, 5);
		assertThat(p.subscription(before).path("status").asString()).isEqualTo("EXPIRED");
		Instant recoveredUntil = now().plus(Duration.ofDays(30));
		p.googleReports("SUBSCRIPTION_STATE_ACTIVE", recoveredUntil, order + "..0", 1);
		String after = vendor(p).path("data").values().stream()
			.map(s -> s.path("id").asString())
			.filter(id -> !id.equals(before))
			.findFirst()
			.orElseThrow();
		assertThat(p.subscription(after).path("status").asString()).isEqualTo("ACTIVE");
		List<String> events = p.events(after);
		Instant voidedAt = now().minusSeconds(10);
		voided(p.purchaseToken, order, voidedAt);
		windowPassesIt();

		VoidedPurchases.Run run = voidedPurchases.run();

		assertThat(run.refunded()).as(run.toString()).isEqualTo(1);
		assertThat(p.subscription(after).path("status").asString()).as("the new subscription's order was not voided")
			.isEqualTo("ACTIVE");
		assertThat(p.storeStatus(after).path("refunded").asBoolean()).isFalse();
		assertThat(p.storeStatus(after).path("storeState").asString()).isEqualTo("ACTIVE");
		assertThat(p.events(after)).isEqualTo(events);
		assertThat(p.refundedAt()).isNull();
		JsonNode old = p.storeStatus(before);
		assertThat(old.path("refunded").asBoolean()).isTrue();
		assertThat(Instant.parse(old.path("refundedAt").asString())).isEqualTo(voidedAt);
		assertThat(old.path("storeState").asString()).isEqualTo("REFUNDED");
		assertThat(p.subscription(before).path("status").asString()).as("it keeps its end").isEqualTo("EXPIRED");
	}

	/** A purchase that moved to a new subscription, with no order recorded for either (rows read before V750). */
	private record Moved(Purchase p, String before, String after) {
	}

	private Moved movedWithNoOrderRecorded() {
		Purchase p = new Purchase();
		String before = p.id();
		p.googleReports("SUBSCRIPTION_STATE_ON_HOLD", now().minusSeconds(60), p.order, 5);
		p.googleReports("SUBSCRIPTION_STATE_ACTIVE", now().plus(Duration.ofDays(30)), p.order + "..0", 1);
		String after = vendor(p).path("data").values().stream()
			.map(s -> s.path("id").asString())
			.filter(id -> !id.equals(before))
			.findFirst()
			.orElseThrow();
		assertThat(p.subscription(after).path("status").asString()).isEqualTo("ACTIVE");
		// as rows read before V750 are: no order recorded
		jdbc.sql("UPDATE store_purchases SET latest_order_id = NULL WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
			.param("p", p.purchaseToken)
			.update();
		jdbc.sql("UPDATE store_past_subscriptions SET latest_order_id = NULL "
				+ "WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
			.param("p", p.purchaseToken)
			.update();
		return new Moved(p, before, after);
	}

	/**
	 * A purchase token that moved to a new subscription, with no order recorded for it nor for the one it billed before
	 * (rows read before V750): a voided order of it cannot be placed. Neither subscription changes, and a support case
	 * on the purchase's account asks an agent to find out with Google which one it paid for, telling the customer
	 * nothing (no CASE_UPDATE notice) and naming the purchase by no token; reading the same entry again adds nothing.
	 */
	@Test
	void aVoidedOrderOfAMovedPurchaseWithNoOrderRecordedChangesNothingAndOpensOneCaseOnTheAccountForAnAgent() {
		Moved m = movedWithNoOrderRecorded();
		Purchase p = m.p();
		String order = p.order;
		List<String> events = p.events(m.after());
		voided(p.purchaseToken, order + "..0", now().minusSeconds(10));
		windowPassesIt();

		VoidedPurchases.Run run = voidedPurchases.run();

		assertThat(run.refunded()).as(run.toString()).isZero();
		assertThat(run.earlier()).as(run.toString()).isZero();
		assertThat(run.unplaced()).as(run.toString()).isEqualTo(1);
		assertThat(p.subscription(m.after()).path("status").asString()).isEqualTo("ACTIVE");
		assertThat(p.storeStatus(m.after()).path("refunded").asBoolean()).isFalse();
		assertThat(p.storeStatus(m.before()).path("refunded").asBoolean()).isFalse();
		assertThat(p.subscription(m.before()).path("status").asString()).isEqualTo("EXPIRED");
		assertThat(p.events(m.after())).isEqualTo(events);
		List<Map<String, Object>> cases = casesAbout(m.after());
		assertThat(cases).as("one case for an agent").hasSize(1);
		Map<String, Object> c = cases.getFirst();
		assertThat((String) c.get("detail")).contains(order + "..0").contains(m.after()).contains(m.before());
		assertThat(c.get("account_id")).as("the purchase's account's case").isEqualTo(p.account);
		JsonNode shown = p.vendor.get("/cases/" + c.get("case_number")).json();
		assertThat(shown.path("accountId").asString()).isEqualTo(p.account);
		assertThat(shown.path("status").asString()).isEqualTo("OPEN");
		assertThat((String) c.get("subject") + c.get("detail")).as("no purchase token in the case's text")
			.doesNotContain(p.purchaseToken);
		assertThat(caseUpdateNotices(p)).as("the customer is told nothing").isEmpty();

		// the overlap reads the same entry again
		windowPassesIt();
		VoidedPurchases.Run again = voidedPurchases.run();

		assertThat(again.repeated()).as(again.toString()).isEqualTo(1);
		assertThat(again.unplaced()).as(again.toString()).isZero();
		assertThat(casesAbout(m.after())).hasSize(1);
		assertThat(p.subscription(m.after()).path("status").asString()).isEqualTo("ACTIVE");
		assertThat(caseUpdateNotices(p)).isEmpty();
	}

	/**
	 * Two voided orders of the same purchase that cannot be placed, seen by two polls: one case for the purchase, which
	 * names both orders, not a case per order.
	 */
	@Test
	void twoUnplacedOrdersOfOnePurchaseGoToOneCaseNamingBoth() {
		Moved m = movedWithNoOrderRecorded();
		Purchase p = m.p();
		voided(p.purchaseToken, p.order + "..0", now().minusSeconds(10));
		windowPassesIt();
		VoidedPurchases.Run first = voidedPurchases.run();
		assertThat(first.unplaced()).as(first.toString()).isEqualTo(1);

		voided(p.purchaseToken, p.order + "..1", now().minusSeconds(5));
		windowPassesIt();
		VoidedPurchases.Run second = voidedPurchases.run();

		assertThat(second.unplaced()).as(second.toString()).isEqualTo(1);
		List<Map<String, Object>> cases = casesAbout(m.after());
		assertThat(cases).as("one case per purchase").hasSize(1);
		assertThat((String) cases.getFirst().get("detail")).contains(p.order + "..0").contains(p.order + "..1");
		assertThat(cases.getFirst().get("account_id")).isEqualTo(p.account);
		assertThat(caseUpdateNotices(p)).as("the customer is told nothing").isEmpty();
	}

	/** A purchase already recorded as refunded: an order of it that cannot be placed leaves an agent nothing to do. */
	@Test
	void anUnplacedOrderOfAPurchaseRecordedAsRefundedOpensNoCase() {
		Moved m = movedWithNoOrderRecorded();
		Purchase p = m.p();
		Instant refunded = now().minusSeconds(30);
		// its refund recorded as a revocation's push records it
		jdbc.sql("UPDATE store_purchases SET refunded_at = :at, store_state = 'REFUNDED' "
				+ "WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
			.param("at", Timestamp.from(refunded))
			.param("p", p.purchaseToken)
			.update();
		voided(p.purchaseToken, p.order + "..0", now().minusSeconds(10));
		windowPassesIt();

		VoidedPurchases.Run run = voidedPurchases.run();

		assertThat(run.unplaced()).as(run.toString()).isZero();
		assertThat(casesAbout(m.after())).as("no case: nothing for an agent to do").isEmpty();
		assertThat(p.refundedAt()).isEqualTo(refunded);
		assertThat(p.subscription(m.after()).path("status").asString()).isEqualTo("ACTIVE");
	}

	/** Closing the account erases the case's detail as it does its other cases' (the case is the account's). */
	@Test
	void closingTheAccountErasesTheUnplacedOrdersCaseDetail() {
		Moved m = movedWithNoOrderRecorded();
		Purchase p = m.p();
		voided(p.purchaseToken, p.order + "..0", now().minusSeconds(10));
		windowPassesIt();
		voidedPurchases.run();
		List<Map<String, Object>> cases = casesAbout(m.after());
		assertThat(cases).hasSize(1);
		String number = (String) cases.getFirst().get("case_number");

		Api.Response closed = p.vendor.post("/accounts/" + p.account + "/close", Map.of());
		assertThat(closed.status()).as(closed.toString()).isEqualTo(200);

		assertThat(jdbc.sql("SELECT detail FROM support_cases WHERE case_number = :n").param("n", number)
			.query(String.class).single()).isEqualTo("Erased when the account was closed");
	}

	/** The cases whose detail names the subscription (the one the purchase bills now). */
	private List<Map<String, Object>> casesAbout(String subscriptionId) {
		return jdbc.sql("SELECT case_number, subject, detail, account_id FROM support_cases WHERE detail LIKE :s")
			.param("s", "%" + subscriptionId + "%")
			.query()
			.listOfRows();
	}

	/** The CASE_UPDATE notices of the purchase's account (its outbox: what would be mailed). */
	private List<JsonNode> caseUpdateNotices(Purchase p) {
		return p.vendor.get("/accounts/" + p.account + "/notices").json().path("data").values().stream()
			.filter(n -> "CASE_UPDATE".equals(n.path("type").asString()))
			.toList();
	}

	private static JsonNode vendor(Purchase p) {
		return p.vendor.get("/accounts/" + p.account + "/subscriptions").json();
	}

	@Test
	void theListIsReadPageByPageAndATokenOfNoSubscriptionOfOursIsIgnored() {
		GOOGLE.voidedPageSize.set(2);
		Purchase a = new Purchase();
		Purchase b = new Purchase();
		Purchase c = new Purchase();
		String unknown = "gp-unknown-" + UUID.randomUUID();
		Instant at = now().minusSeconds(10);
		voided(a.purchaseToken, a.order, at);
		voided(unknown, "GPA.1000-0000-0000-00002", at);
		voided(b.purchaseToken, b.order, at);
		voided("gp-unknown-" + UUID.randomUUID(), "GPA.1000-0000-0000-00004", at);
		voided(c.purchaseToken, c.order, at);
		windowPassesIt();
		int calls = GOOGLE.voidedQueries.size();

		VoidedPurchases.Run run = voidedPurchases.run();

		assertThat(run.result()).as(run.toString()).isEqualTo("CAUGHT_UP");
		assertThat(run.pages()).as(run.toString()).isEqualTo(3);
		assertThat(run.refunded()).as(run.toString()).isEqualTo(3);
		assertThat(run.unknown()).as(run.toString()).isEqualTo(2);
		for (Purchase p : List.of(a, b, c)) {
			assertThat(p.storeStatus().path("refunded").asBoolean()).isTrue();
			assertThat(p.subscription().path("status").asString()).isEqualTo("CANCELLED");
		}
		List<Map<String, String>> queries = GOOGLE.voidedQueries.subList(calls, GOOGLE.voidedQueries.size());
		assertThat(queries).hasSize(3);
		assertThat(queries.get(0)).doesNotContainKey("token");
		assertThat(queries.get(1)).containsKey("token");
		assertThat(queries.get(2)).containsKey("token");
		assertThat(pageToken()).as("the window was read to its end").isNull();
		assertThat(jdbc.sql("SELECT count(*) FROM store_purchases WHERE purchase_id = :p").param("p", unknown)
			.query(Integer.class).single()).as("an unknown token makes no purchase (and no case)").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM store_notifications WHERE purchase_id = :p").param("p", unknown)
			.query(Integer.class).single()).isZero();
	}

	@Test
	void anErrorOrABodyThatIsNoListKeepsTheCursorAndTheNextRunReadsFromIt() {
		voidedPurchases.run(); // the cursor exists, caught up
		Instant before = seenUntil();
		Purchase p = new Purchase();
		Instant at = now().minusSeconds(10);
		voided(p.purchaseToken, p.order, at);
		windowPassesIt();

		GOOGLE.voidedStatus.set(500);
		VoidedPurchases.Run failed = voidedPurchases.run();
		assertThat(failed.result()).as(failed.toString()).isEqualTo("FAILED");
		assertThat(seenUntil()).isEqualTo(before);
		GOOGLE.voidedStatus.set(0);
		GOOGLE.voidedBody.set("<html>Service Unavailable</html>");
		VoidedPurchases.Run bad = voidedPurchases.run();
		assertThat(bad.result()).as(bad.toString()).isEqualTo("FAILED");
		GOOGLE.voidedBody.set("{\"voidedPurchases\": {\"not\": \"a list\"}}");
		assertThat(voidedPurchases.run().result()).isEqualTo("FAILED");
		assertThat(seenUntil()).isEqualTo(before);
		assertThat(p.storeStatus().path("refunded").asBoolean()).isFalse();

		GOOGLE.voidedBody.set(null);
		VoidedPurchases.Run run = voidedPurchases.run();

		assertThat(run.result()).as(run.toString()).isEqualTo("CAUGHT_UP");
		assertThat(run.refunded()).isEqualTo(1);
		assertThat(p.storeStatus().path("refunded").asBoolean()).isTrue();
		assertThat(seenUntil()).isAfter(before);
	}

	@Test
	void aPageThatFailsKeepsItsTokenAndTheNextRunGoesOnFromIt() {
		voidedPurchases.run();
		Instant before = seenUntil();
		GOOGLE.voidedPageSize.set(1);
		Purchase a = new Purchase();
		Purchase b = new Purchase();
		Instant at = now().minusSeconds(10);
		voided(a.purchaseToken, a.order, at);
		voided(b.purchaseToken, b.order, at);
		windowPassesIt();

		GOOGLE.voidedTokenStatus.set(503);
		VoidedPurchases.Run failed = voidedPurchases.run();

		assertThat(failed.result()).as(failed.toString()).isEqualTo("FAILED");
		assertThat(failed.refunded()).isEqualTo(1);
		assertThat(a.storeStatus().path("refunded").asBoolean()).isTrue();
		assertThat(b.storeStatus().path("refunded").asBoolean()).isFalse();
		assertThat(pageToken()).as("the next page's token is kept").isNotNull();
		assertThat(seenUntil()).isEqualTo(before);

		GOOGLE.voidedTokenStatus.set(0);
		VoidedPurchases.Run run = voidedPurchases.run();

		assertThat(run.result()).as(run.toString()).isEqualTo("CAUGHT_UP");
		assertThat(run.refunded()).as(run.toString()).isEqualTo(1);
		assertThat(GOOGLE.voidedQueries.getLast()).containsKey("token");
		assertThat(b.storeStatus().path("refunded").asBoolean()).isTrue();
		assertThat(pageToken()).isNull();
		assertThat(seenUntil()).isAfter(before);
	}

	@Test
	void anEntryThatCannotBeKeptIsLeftOutAndTheOthersApply() {
		Purchase p = new Purchase();
		Instant at = now().minusSeconds(10);
		GOOGLE.voidedBody.set("""
				{"voidedPurchases": [
				  {"kind": "androidpublisher#voidedPurchase", "orderId": "GPA.4000-0000-0000-00001",
				   "voidedTimeMillis": "%d"},
				  {"kind": "androidpublisher#voidedPurchase", "purchaseToken": "%s", "orderId": "GPA.4000-0000-0000-00002",
				   "voidedTimeMillis": "-5"},
				  {"kind": "androidpublisher#voidedPurchase", "purchaseToken": "%s", "purchaseTimeMillis": "%d",
				   "voidedTimeMillis": %d, "orderId": "%s", "voidedSource": 2, "voidedReason": 7,
				   "refundType": 1}
				]}""".formatted(at.toEpochMilli(), p.purchaseToken, p.purchaseToken, p.start.toEpochMilli(),
				at.toEpochMilli(), p.order));
		windowPassesIt();

		VoidedPurchases.Run run = voidedPurchases.run();

		assertThat(run.result()).as(run.toString()).isEqualTo("CAUGHT_UP");
		assertThat(run.unreadable()).as(run.toString()).isEqualTo(2);
		assertThat(run.refunded()).as(run.toString()).isEqualTo(1);
		assertThat(p.refundedAt()).isEqualTo(at);
	}
}
