package dev.subdesk.stores;

import static dev.subdesk.stores.PlayDeveloperApiFixture.PACKAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A Google Play purchase whose Real-time Developer Notification never reached the server is looked up at the Play
 * Developer API (played by {@link FakeGoogleApis} on a local port) by {@link StoreLookups} once its coverage ran out,
 * and Google's answer is applied as a notice would be: a renewal covers the devices again, an expiry ends the
 * subscription, an unreachable API changes nothing and is asked again an interval later; a purchase whose notice did
 * come is not asked about.
 */
class GooglePlayLookupsIntegrationTests extends ApiIntegrationTest {

	@AutoClose
	private static final PlayDeveloperApiFixture PLAY = PlayDeveloperApiFixture.start();

	private static final FakeGoogleApis GOOGLE = PLAY.google();

	@DynamicPropertySource
	static void playDeveloperApi(DynamicPropertyRegistry registry) {
		PLAY.configure(registry, "PT30S"); // a call held while another one is made waits for it
	}

	@Autowired
	Clock clock;

	@Autowired
	StoreLookups lookups;

	@Autowired
	JdbcClient jdbc;

	private Api vendor;

	private StoreEntitlements entitlements;

	@BeforeEach
	void setUp() {
		vendor = api.checkedAgainstTheDescription();
		entitlements = new StoreEntitlements(vendor);
		GOOGLE.apiStatus.set(0);
	}

	@AfterEach
	void reachable() {
		GOOGLE.apiStatus.set(0);
		GOOGLE.tokenStatus.clear();
		GOOGLE.tokenBody.clear();
	}

	/** A purchase on Google Play, its first notice applied, and a device on its seat. */
	final class Purchase {

		final String account = fixtures.account();
		final String link = vendor.get("/accounts/" + account + "/store-account-token").text("obfuscatedExternalAccountId");
		final String token = "gp-" + UUID.randomUUID();
		final Instant start = clock.instant().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(5));
		final Instant end = start.plus(Duration.ofDays(30));
		final String device;
		private int notices;

		Purchase() {
			google("SUBSCRIPTION_STATE_ACTIVE", end, true, false);
			assertThat(push(4).path("outcome").asString()).isEqualTo("APPLIED");
			device = entitlements.device(account, subscription().path("id").asString());
		}

		/** What the Play Developer API answers about this purchase from now on. */
		void google(String state, Instant expiry, boolean autoRenew, boolean cancelledByUser) {
			GOOGLE.put(PACKAGE, token, PlayDeveloperApiFixture.purchase(link, start, expiry)
				.replace("SUBSCRIPTION_STATE_ACTIVE", state)
				.replace("\"autoRenewEnabled\": true", "\"autoRenewEnabled\": " + autoRenew)
				.replace("\"regionCode\"", cancelledByUser
						? "\"canceledStateContext\": { \"userInitiatedCancellation\": {} }, \"regionCode\"" : "\"regionCode\""));
		}

		/** Pub/Sub pushes notification {@code type} about this purchase, as it happened now. */
		JsonNode push(int type) {
			return push(type, clock.instant());
		}

		/** Pub/Sub pushes notification {@code type} about this purchase now, of an event at {@code eventTime}. */
		JsonNode push(int type, Instant eventTime) {
			notices++; // Google's notices are read from the Play Developer API too
			Instant now = clock.instant();
			Api.Response answer = api
				.with("Authorization", "Bearer " + GooglePushSigner.trusted().sign(GooglePushSigner.claims(now).build()))
				.post("/channels/google/rtdn", GooglePlayNotificationsIntegrationTests.message(PACKAGE, type, token,
						eventTime, UUID.randomUUID().toString()));
			assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
			return answer.json();
		}

		JsonNode subscription() {
			JsonNode list = vendor.get("/accounts/" + account + "/subscriptions").json().path("data");
			assertThat(list.size()).as(list.toString()).isEqualTo(1);
			return list.get(0);
		}

		/** How many times the Play Developer API was asked about this purchase other than for a notice. */
		long lookups() {
			return GOOGLE.asked.stream().filter(token::equals).count() - notices;
		}
	}

	/** When the purchase is asked about next (null: never). */
	private @Nullable Instant due(Purchase p) {
		return jdbc.sql("SELECT lookup_due_at FROM store_purchases WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
			.param("p", p.token)
			.query(java.sql.Timestamp.class)
			.optional()
			.map(java.sql.Timestamp::toInstant)
			.orElse(null);
	}

	/** Runs the lookups at each of the purchase's due times, at most {@code runs} times or until it is due no more. */
	private void runWhileDue(Purchase p, int runs) {
		for (int i = 0; i < runs; i++) {
			Instant due = due(p);
			if (due == null) {
				return;
			}
			if (due.isAfter(fixtures.now())) {
				advanceTo(due);
			}
			lookups.run();
		}
	}

	/** The outcomes of the lookups of this purchase recorded among the store's notifications, oldest first. */
	private java.util.List<String> lookupOutcomes(Purchase p) {
		return jdbc.sql("""
				SELECT outcome FROM store_notifications
				WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p AND type = 'LOOKUP' ORDER BY signed_at, received_at
				""").param("p", p.token).query(String.class).list();
	}

	private int unknownAnswers(Purchase p) {
		return jdbc.sql("SELECT unknown_answers FROM store_purchases WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p")
			.param("p", p.token)
			.query(Integer.class)
			.single();
	}

	private void advanceTo(Instant instant) {
		fixtures.advance(Duration.between(fixtures.now(), instant));
	}

	@Test
	void aRenewalWhoseNoticeNeverCameIsLookedUpAndCoversTheDevicesAgain() {
		Purchase p = new Purchase();
		Instant renewedEnd = p.end.plus(Duration.ofDays(30));
		p.google("SUBSCRIPTION_STATE_ACTIVE", renewedEnd, true, false); // renewed at Google; its notice is lost
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		entitlements.assertNoToken(p.device);

		lookups.run();

		assertThat(entitlements.tokenExpiry(p.device)).as("covered again").isAfter(fixtures.now());
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
		assertThat(p.lookups()).isEqualTo(1);
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(Instant.parse(s.path("currentPeriodStart").asString())).isEqualTo(p.end);
		assertThat(Instant.parse(s.path("currentPeriodEnd").asString())).isEqualTo(renewedEnd);

		lookups.run();
		advanceTo(renewedEnd.minus(Duration.ofHours(1)));
		lookups.run();
		assertThat(p.lookups()).as("not asked again before the renewed period's end").isEqualTo(1);
	}

	@Test
	void anExpiryGoogleReportsEndsTheSubscriptionAndItIsNotAskedAgain() {
		Purchase p = new Purchase();
		p.google("SUBSCRIPTION_STATE_EXPIRED", p.end, false, false);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		lookups.run();

		assertThat(p.lookups()).isEqualTo(1);
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("EXPIRED");
		entitlements.assertNoToken(p.device);
		assertThat(entitlements.of(p.account).values()).isEmpty();
		String storeState = vendor.get("/subscriptions/" + s.path("id").asString() + "/store-status").text("storeState");
		assertThat(storeState).isEqualTo("EXPIRED");

		fixtures.advance(Duration.ofDays(3));
		lookups.run();
		assertThat(p.lookups()).as("an ended subscription awaits nothing from the store").isEqualTo(1);
	}

	@Test
	void whileGoogleCannotBeAskedNothingChangesAndItIsAskedAgainAnIntervalLater() {
		Purchase p = new Purchase();
		Instant renewedEnd = p.end.plus(Duration.ofDays(30));
		p.google("SUBSCRIPTION_STATE_ACTIVE", renewedEnd, true, false);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		String before = p.subscription().toString();
		GOOGLE.tokenStatus.put(p.token, 503); // only it: a run leaves the rest of a store failing every call

		lookups.run();

		assertThat(p.lookups()).isEqualTo(1);
		assertThat(p.subscription().toString()).isEqualTo(before);
		entitlements.assertNoToken(p.device);
		fixtures.advance(Duration.ofMinutes(30));
		lookups.run();
		assertThat(p.lookups()).as("once per interval, not at every run").isEqualTo(1);

		GOOGLE.tokenStatus.remove(p.token);
		fixtures.advance(Duration.ofMinutes(31));
		lookups.run();
		assertThat(p.lookups()).isEqualTo(2);
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
		assertThat(entitlements.tokenExpiry(p.device)).isAfter(fixtures.now());
	}

	@Test
	void aPurchaseWhoseRenewalNoticeCameIsNotAskedAbout() {
		Purchase p = new Purchase();
		Instant renewedEnd = p.end.plus(Duration.ofDays(30));
		advanceTo(p.end.minus(Duration.ofMinutes(10)));
		p.google("SUBSCRIPTION_STATE_ACTIVE", renewedEnd, true, false);
		assertThat(p.push(2).path("outcome").asString()).isEqualTo("APPLIED");
		advanceTo(p.end.plus(Duration.ofHours(3)));

		lookups.run();

		assertThat(p.lookups()).isZero();
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
	}

	/**
	 * Google revokes a purchase while the server is down; the lookup applies what Google answers (expired at the
	 * revocation); the revocation's notice, pushed again later, changes nothing: the type is the unsigned body's, and
	 * {@code subscriptionsv2} reports no refund (GooglePlayNotifications#changeOf).
	 */
	@Test
	void aRevocationWhoseNoticeComesAfterTheLookupChangesNothingTheLookupApplied() {
		Purchase p = new Purchase();
		Instant revoked = p.end.minus(Duration.ofMinutes(5));
		p.google("SUBSCRIPTION_STATE_EXPIRED", revoked, false, false);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		lookups.run(); // the server is back: the lookup runs before Pub/Sub pushes the revocation again
		assertThat(p.lookups()).isEqualTo(1);
		assertThat(p.subscription().path("status").asString()).isEqualTo("EXPIRED");

		// Pub/Sub's retry: the revocation (type 12), its event time the moment Google revoked it
		assertThat(p.push(12, revoked).path("outcome").asString()).isEqualTo("APPLIED");

		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("EXPIRED");
		JsonNode status = vendor.get("/subscriptions/" + s.path("id").asString() + "/store-status").json();
		assertThat(status.path("storeState").asString()).isEqualTo("EXPIRED");
		assertThat(status.path("refunded").asBoolean()).isFalse();
		entitlements.assertNoToken(p.device);
	}

	/**
	 * An answer read after the last notice's read is applied, though it came within the same second (a minute before
	 * its time, by the rule before Google's reads were numbered, it was stale and waited for the next lookup).
	 */
	@Test
	void anAnswerReadAfterTheLastNoticesReadIsAppliedThoughItCameTheSameSecond() {
		Purchase p = new Purchase();
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		// a notice comes as Google still reports the old period (its renewal not billed yet): still awaiting the store
		assertThat(p.push(1).path("outcome").asString()).isEqualTo("APPLIED");
		Instant renewedEnd = p.end.plus(Duration.ofDays(30));
		p.google("SUBSCRIPTION_STATE_ACTIVE", renewedEnd, true, false);

		lookups.run(); // the clock has not moved: only the order of the reads tells them apart

		assertThat(p.lookups()).isEqualTo(1);
		assertThat(lookupOutcomes(p)).containsExactly("APPLIED");
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
		assertThat(entitlements.tokenExpiry(p.device)).as("covered again").isAfter(fixtures.now());
	}

	/**
	 * A push whose read Google answered just before a lookup's, applied just after the lookup's answer, is stale: the
	 * lookup read later, and its state stands (before, the push was applied, dated by its event time, and undid it).
	 */
	@Test
	void aPushReadJustBeforeALookupAndAppliedAfterItIsStaleAndTheLookupsLaterReadStands() {
		Purchase p = new Purchase();
		Instant renewedEnd = p.end.plus(Duration.ofDays(30));
		advanceTo(p.end.plus(Duration.ofMinutes(61))); // the renewal's notice is late: the purchase is due
		// Google renewed it, and the renewal's notice comes: its read is answered, the answer held on its way
		p.google("SUBSCRIPTION_STATE_ACTIVE", renewedEnd, true, false);
		FakeGoogleApis.Held held = GOOGLE.hold(p.token);
		CompletableFuture<JsonNode> renewal = CompletableFuture.supplyAsync(() -> p.push(2));
		held.awaitAsked();
		// the customer turns auto-renewal off at once; the lookup reads that, and is applied first
		p.google("SUBSCRIPTION_STATE_CANCELED", renewedEnd, false, true);
		lookups.run();
		assertThat(lookupOutcomes(p)).containsExactly("APPLIED");

		held.release();

		assertThat(renewal.join().path("outcome").asString()).as("read before the lookup's read").isEqualTo("STALE");
		JsonNode s = p.subscription();
		assertThat(Instant.parse(s.path("currentPeriodEnd").asString())).isEqualTo(renewedEnd);
		assertThat(s.path("autoRenew").asBoolean()).as("auto-renewal off, as the later read says").isFalse();
		assertThat(Instant.parse(s.path("cancelAt").asString())).isEqualTo(renewedEnd);
		assertThat(vendor.get("/subscriptions/" + s.path("id").asString() + "/store-status").text("storeState"))
			.isEqualTo("AUTO_RENEW_OFF");
	}

	/** The other way round: a lookup's read answered just before a push's, applied after it, is stale. */
	@Test
	void aLookupReadJustBeforeAPushAndAppliedAfterItIsStaleAndThePushsLaterReadStands() {
		Purchase p = new Purchase();
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		// the lookup reads the old period (the renewal not billed yet); its answer is held on its way
		FakeGoogleApis.Held held = GOOGLE.hold(p.token);
		CompletableFuture<StoreLookups.Run> run = CompletableFuture.supplyAsync(lookups::run);
		held.awaitAsked();
		Instant renewedEnd = p.end.plus(Duration.ofDays(30));
		p.google("SUBSCRIPTION_STATE_ACTIVE", renewedEnd, true, false);
		assertThat(p.push(2).path("outcome").asString()).isEqualTo("APPLIED");

		held.release();
		run.join();

		assertThat(lookupOutcomes(p)).as("read before the push's read").containsExactly("STALE");
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
		assertThat(entitlements.tokenExpiry(p.device)).isAfter(fixtures.now());
		assertThat(Instant.parse(p.subscription().path("currentPeriodEnd").asString())).isEqualTo(renewedEnd);
	}

	@Test
	void aPurchaseGoogleDoesNotKnowIsAskedAboutForThreeDaysThenNoMoreTillTheStoreReportsAgain() {
		Purchase p = new Purchase();
		Purchase known = new Purchase(); // Google knows it, still in its period: asked on, its answers applied
		GOOGLE.forget(PACKAGE, p.token); // 404 from now on
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		Instant first = fixtures.now();

		runWhileDue(p, 30);

		assertThat(due(p)).as("no longer asked about").isNull();
		// asked an hour past the period, then 1, 2, 4, 8, 16, 24, 24 hours later: 8 answers over 79 hours
		assertThat(p.lookups()).isEqualTo(8);
		assertThat(Duration.between(first, fixtures.now())).isBetween(Duration.ofHours(79),
				Duration.ofHours(79).plusMinutes(1));
		assertThat(lookupOutcomes(p)).containsExactly("UNKNOWN", "UNKNOWN", "UNKNOWN", "UNKNOWN", "UNKNOWN",
				"UNKNOWN", "UNKNOWN", "STOPPED");
		var stopped = jdbc.sql("""
				SELECT lookup_stopped_reason, lookup_stopped_at, unknown_answers, unknown_since FROM store_purchases
				WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p""").param("p", p.token).query().singleRow();
		assertThat(stopped.get("lookup_stopped_reason")).isEqualTo("UNKNOWN_TO_STORE");
		assertThat(((java.sql.Timestamp) stopped.get("lookup_stopped_at")).toInstant())
			.isBetween(fixtures.now().minus(Duration.ofMinutes(1)), fixtures.now());
		assertThat(stopped.get("unknown_answers")).isEqualTo(8);
		assertThat(((java.sql.Timestamp) stopped.get("unknown_since")).toInstant()).isBetween(first,
				first.plus(Duration.ofMinutes(1)));
		assertThat(p.subscription().path("status").asString()).as("left to the store's next notice")
			.isEqualTo("ACTIVE");

		assertThat(lookupOutcomes(known)).isNotEmpty().doesNotContain("UNKNOWN", "STOPPED");

		fixtures.advance(Duration.ofDays(10));
		lookups.run();
		assertThat(p.lookups()).as("not asked again").isEqualTo(8);
	}

	@Test
	void whenGoogleKnowsNoneOfThePurchasesAskedAboutNoneIsStopped() {
		Purchase p = new Purchase();
		Purchase q = new Purchase();
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		GOOGLE.apiStatus.set(404); // every token unknown (purchaseTokenNotFound), as if they were another app's

		runWhileDue(p, 12); // over 6 days

		assertThat(p.lookups()).isEqualTo(12);
		assertThat(lookupOutcomes(p)).hasSize(12).containsOnly("UNKNOWN");
		assertThat(lookupOutcomes(q)).hasSizeGreaterThanOrEqualTo(8).containsOnly("UNKNOWN");
		assertThat(due(p)).as("asked about on, a day apart").isAfter(fixtures.now());
		assertThat(due(q)).isAfter(fixtures.now());
		assertThat(jdbc.sql("""
				SELECT count(*) FROM store_purchases
				WHERE store = 'GOOGLE_PLAY' AND purchase_id IN (:p, :q) AND lookup_stopped_at IS NOT NULL""")
			.param("p", p.token)
			.param("q", q.token)
			.query(Integer.class)
			.single()).isZero();
	}

	@Test
	void aPurchaseGoogleNoLongerHasIsNoMoreAskedAboutAndANoticeThatMovesItOnStartsTheLookupsAgain() {
		Purchase p = new Purchase();
		new Purchase(); // Google knows it, still in its period: asked on, its answers applied
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		GOOGLE.tokenStatus.put(p.token, 410);

		runWhileDue(p, 30);

		assertThat(due(p)).isNull();
		assertThat(p.lookups()).isEqualTo(8);

		// the store reports again: a renewal
		GOOGLE.tokenStatus.remove(p.token);
		Instant renewedEnd = p.end.plus(Duration.ofDays(30));
		p.google("SUBSCRIPTION_STATE_ACTIVE", renewedEnd, true, false);
		assertThat(p.push(2).path("outcome").asString()).isEqualTo("APPLIED");
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
		assertThat(due(p)).isEqualTo(renewedEnd.plus(StoreLookups.NOTICE_LAG));
		var purchase = jdbc.sql("""
				SELECT lookup_stopped_reason, unknown_answers, unknown_since FROM store_purchases
				WHERE store = 'GOOGLE_PLAY' AND purchase_id = :p""").param("p", p.token).query().singleRow();
		assertThat(purchase.get("lookup_stopped_reason")).isNull();
		assertThat(purchase.get("unknown_answers")).isEqualTo(0);
		assertThat(purchase.get("unknown_since")).isNull();
	}

	@Test
	void aNoticeOfAStoppedPurchaseThatLeavesItAwaitingTheStoreStartsTheLookupsAgainAtOnce() {
		Purchase p = new Purchase();
		new Purchase(); // Google knows it, still in its period: asked on, its answers applied
		GOOGLE.forget(PACKAGE, p.token);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		runWhileDue(p, 30);
		assertThat(due(p)).isNull();

		// Google knows it again and notifies a change that leaves it in its old period: still awaiting the store
		p.google("SUBSCRIPTION_STATE_ACTIVE", p.end, true, false);
		assertThat(p.push(4).path("outcome").asString()).isEqualTo("APPLIED");
		assertThat(due(p)).as("due at once").isEqualTo(p.end.plus(StoreLookups.NOTICE_LAG));
		Instant renewedEnd = p.end.plus(Duration.ofDays(30));
		p.google("SUBSCRIPTION_STATE_ACTIVE", renewedEnd, true, false); // its renewal's notice is lost
		fixtures.advance(Duration.ofMinutes(5)); // the next run, not an hour or a day later

		lookups.run();

		assertThat(p.lookups()).isEqualTo(9);
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
		assertThat(entitlements.tokenExpiry(p.device)).isAfter(fixtures.now());
	}

	@Test
	void onlyUnknownAnswersInARowCountAndAnAnswerBetweenThemStartsTheCountAgain() {
		Purchase p = new Purchase();
		new Purchase(); // Google knows it, still in its period: asked on, its answers applied
		GOOGLE.forget(PACKAGE, p.token);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		runWhileDue(p, 3); // unknown at +0, +1 h, +3 h
		// Google knows it again, still in its old period (awaiting the store): the back-off goes on
		p.google("SUBSCRIPTION_STATE_ACTIVE", p.end, true, false);
		runWhileDue(p, 1); // +7 h
		GOOGLE.forget(PACKAGE, p.token);

		runWhileDue(p, 30);

		// unknown again from +15 h: 5 answers over at least 3 days take till +103 h
		assertThat(p.lookups()).isEqualTo(9);
		assertThat(due(p)).isNull();
		assertThat(lookupOutcomes(p)).containsExactly("UNKNOWN", "UNKNOWN", "UNKNOWN", "APPLIED", "UNKNOWN",
				"UNKNOWN", "UNKNOWN", "UNKNOWN", "STOPPED");
	}

	@Test
	void whileGoogleFailsItIsAskedAgainAtEveryIntervalForDays() {
		Purchase p = new Purchase();
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		Instant first = fixtures.now();
		GOOGLE.tokenStatus.put(p.token, 503); // only it: a run leaves the rest of a store failing every call

		runWhileDue(p, 12);

		assertThat(p.lookups()).isEqualTo(12);
		// 1, 2, 4, 8, 16 hours, then a day apart: 31 hours + 6 days, and due again a day later
		Duration asking = Duration.ofHours(31).plus(Duration.ofDays(6));
		assertThat(Duration.between(first, fixtures.now())).isBetween(asking, asking.plusMinutes(1));
		assertThat(due(p)).isBetween(fixtures.now().plus(Duration.ofDays(1)).minus(Duration.ofMinutes(1)),
				fixtures.now().plus(Duration.ofDays(1)));
		assertThat(lookupOutcomes(p)).as("no answer, none recorded").isEmpty();
	}

	/**
	 * A 404 about the package (applicationNotFound: a package name not Google's, or an app the service account is not
	 * linked to), the API reference's generic notFound (any identifier), one without a reason or not Google's JSON, a
	 * 410 of another reason: none says Google does not know the purchase token.
	 */
	static Stream<Arguments> answersNotAboutThePurchase() {
		return Stream.of(Arguments.of(404, FakeGoogleApis.APPLICATION_NOT_FOUND),
				Arguments.of(404, FakeGoogleApis.NOT_FOUND),
				Arguments.of(404, "{\"error\":{\"code\":404,\"message\":\"Not Found\",\"status\":\"NOT_FOUND\"}}"),
				Arguments.of(404, "<html><body>Not Found</body></html>"),
				Arguments.of(404, ""),
				Arguments.of(410, FakeGoogleApis.error(410, null, "deleted", "packageName", "The app was deleted.")));
	}

	@ParameterizedTest
	@MethodSource("answersNotAboutThePurchase")
	void aNotFoundThatDoesNotSayThePurchaseTokenIsUnknownIsNeverCountedAndAskedAboutOn(int status, String body) {
		Purchase p = new Purchase();
		new Purchase(); // Google knows it, still in its period: asked on, its answers applied
		GOOGLE.answer(p.token, status, body);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		runWhileDue(p, 10); // 1, 2, 4 ... hours, a day apart: over 4 days

		assertThat(p.lookups()).isEqualTo(10);
		assertThat(lookupOutcomes(p)).as("no answer, none recorded").isEmpty();
		assertThat(unknownAnswers(p)).isZero();
		assertThat(due(p)).isAfter(fixtures.now());
	}

	/** purchaseTokenNotFound; a subscription expired too long ago (410, with its reason, the older one, or none). */
	static Stream<Arguments> answersThatGoogleDoesNotKnowThePurchase() {
		return Stream.of(Arguments.of(404, FakeGoogleApis.TOKEN_NOT_FOUND),
				Arguments.of(410, FakeGoogleApis.NO_LONGER_AVAILABLE),
				Arguments.of(410, FakeGoogleApis.error(410, null, "purchaseTokenNoLongerValid", "token",
						"The purchase token is no longer valid.")),
				Arguments.of(410, ""));
	}

	@ParameterizedTest
	@MethodSource("answersThatGoogleDoesNotKnowThePurchase")
	void aNotFoundOrGoneThatSaysThePurchaseTokenIsUnknownIsCounted(int status, String body) {
		Purchase p = new Purchase();
		GOOGLE.answer(p.token, status, body);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		lookups.run();

		assertThat(lookupOutcomes(p)).containsExactly("UNKNOWN");
		assertThat(unknownAnswers(p)).isEqualTo(1);
	}
}
