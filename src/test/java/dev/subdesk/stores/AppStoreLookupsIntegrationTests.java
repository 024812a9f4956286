package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * An App Store purchase whose notice never reached the server is looked up at the App Store Server API (Get All
 * Subscription Statuses, played by {@link FakeAppStoreServerApi} on a local port, its answers signed by the tests'
 * App Store chain) by {@link StoreLookups} once its coverage ran out, and Apple's answer is applied as the notice
 * would have been: active covers the devices again, expired ends the subscription, revoked records the refund; a call
 * Apple refuses, fails or does not answer in time changes nothing, is logged and is asked again an interval later.
 */
@ExtendWith(OutputCaptureExtension.class)
class AppStoreLookupsIntegrationTests extends ApiIntegrationTest {

	@AutoClose
	private static final AppStoreServerApiFixture APP_STORE = AppStoreServerApiFixture.start();

	private static final FakeAppStoreServerApi APPLE = APP_STORE.apple();

	@DynamicPropertySource
	static void appStoreServerApi(DynamicPropertyRegistry registry) {
		APP_STORE.configure(registry);
		registry.add("subdesk.stores.lookup-run-limit", () -> "PT5S");
	}

	@Autowired
	Clock clock;

	@Autowired
	StoreLookups lookups;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	ObjectProvider<AppStoreServerApi> appStoreServerApi;

	@Autowired
	AppStoreNotifications appStoreNotifications;

	@Autowired
	AppStoreLookups appStoreLookups;

	@Autowired
	StoreSync storeSync;

	@Autowired
	UnknownPurchases unknownPurchases;

	@Autowired
	dev.subdesk.subscriptions.Subscriptions subscriptions;

	@Autowired
	PlaySubscriptionsApi play;

	@Autowired
	StoresProperties storesProperties;

	@Autowired
	PlatformTransactionManager transactions;

	private Api vendor;

	private StoreEntitlements entitlements;

	@BeforeEach
	void setUp() {
		vendor = api.checkedAgainstTheDescription();
		entitlements = new StoreEntitlements(vendor);
		APPLE.keepTime(clock);
		reachable();
	}

	@AfterEach
	void reachable() {
		APPLE.recover();
	}

	/** A purchase in the App Store, its SUBSCRIBED notice applied, and a device on its seat. */
	final class Purchase {

		final AppStorePurchase store = AppStorePurchase.by(vendor, fixtures.account(),
				clock.instant().truncatedTo(ChronoUnit.SECONDS));
		final String account = store.account;
		final Instant end = store.end;
		final String device;

		Purchase() {
			assertThat(store.notify("SUBSCRIBED", "INITIAL_BUY", clock.instant())).isEqualTo("APPLIED");
			device = entitlements.device(account, store.subscription().path("id").asString());
		}

		/**
		 * What Apple answers about this purchase from now on: {@code status}, of the transaction as it is now, signed
		 * when it is asked (its {@code signedDate} then).
		 */
		void apple(int status) {
			APPLE.put(store.originalTransactionId(), store.statusesSignedWhenAsked(status));
		}

		/** Apple renewed it for another month; its notice is lost. */
		Instant renewed() {
			store.start = end;
			store.end = end.plus(Duration.ofDays(30));
			apple(1);
			return store.end;
		}

		long lookups() {
			return APPLE.asked(store.originalTransactionId());
		}

		JsonNode subscription() {
			return store.subscription();
		}
	}

	private void advanceTo(Instant instant) {
		fixtures.advance(Duration.between(fixtures.now(), instant));
	}

	/** When the purchase is asked about next (null: never). */
	private @Nullable Instant due(Purchase p) {
		return jdbc.sql("SELECT lookup_due_at FROM store_purchases WHERE store = 'APP_STORE' AND purchase_id = :p")
			.param("p", p.store.originalTransactionId())
			.query(java.sql.Timestamp.class)
			.optional()
			.map(java.sql.Timestamp::toInstant)
			.orElse(null);
	}

	/** The purchase's lookup schedule: its count, due time and last lookup. */
	private String schedule(Purchase p) {
		return jdbc.sql("""
				SELECT lookups || ' ' || coalesce(lookup_due_at::text, '-') || ' ' || coalesce(last_lookup_at::text, '-')
				FROM store_purchases WHERE store = 'APP_STORE' AND purchase_id = :p
				""").param("p", p.store.originalTransactionId()).query(String.class).single();
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
	private List<String> lookupOutcomes(Purchase p) {
		return jdbc.sql("""
				SELECT outcome FROM store_notifications
				WHERE store = 'APP_STORE' AND purchase_id = :p AND type = 'LOOKUP' ORDER BY signed_at, received_at
				""").param("p", p.store.originalTransactionId()).query(String.class).list();
	}

	private int unknownAnswers(Purchase p) {
		return jdbc.sql("SELECT unknown_answers FROM store_purchases WHERE store = 'APP_STORE' AND purchase_id = :p")
			.param("p", p.store.originalTransactionId())
			.query(Integer.class)
			.single();
	}

	/** The latest end of these purchases' periods (the clock runs on in real time while they are made). */
	private static Instant latestEnd(List<Purchase> purchases) {
		return purchases.stream().map(p -> p.end).max(Instant::compareTo).orElseThrow();
	}

	private List<Purchase> purchases(int n) {
		return java.util.stream.IntStream.range(0, n).mapToObj(i -> new Purchase()).toList();
	}

	@Test
	void aRunLeavesThePurchasesItHadNoTimeForToTheNextRunWhichAsksThemFirst() {
		List<Purchase> slow = purchases(5);
		slow.forEach(p -> {
			p.renewed();
			APPLE.delay(p.store.originalTransactionId(), 1500); // each answer comes 1.5 s late
		});
		advanceTo(latestEnd(slow).plus(Duration.ofMinutes(61)));

		StoreLookups.Run run = lookups.run(); // 7.5 s of answers, and the run's limit is 5 s

		long asked = slow.stream().filter(p -> p.lookups() == 1).count();
		assertThat(asked).as(run.toString()).isBetween(1L, 4L);
		assertThat(run.left()).as(run.toString()).isPositive();
		List<Purchase> left = slow.stream().filter(p -> p.lookups() == 0).toList();
		left.forEach(p -> assertThat(due(p)).as("due still: the next run asks it").isBeforeOrEqualTo(fixtures.now()));

		reachable();
		fixtures.advance(Duration.ofMinutes(5));
		lookups.run();
		slow.forEach(p -> assertThat(p.lookups()).as("each asked once").isEqualTo(1));
		slow.forEach(p -> assertThat(entitlements.tokenExpiry(p.device)).isAfter(fixtures.now()));
	}

	@Test
	void aRunAsksAStoreNoMoreAfterThreeCallsToItFailedInARowAndTheNextRunAsksTheRest() {
		List<Purchase> failing = purchases(5);
		failing.forEach(p -> {
			p.renewed();
			APPLE.fail(p.store.originalTransactionId(), 500);
		});
		advanceTo(latestEnd(failing).plus(Duration.ofMinutes(61)));

		StoreLookups.Run run = lookups.run();

		assertThat(failing.stream().filter(p -> p.lookups() == 1).count()).as(run.toString())
			.isEqualTo(StoreLookups.FAILURES_IN_A_ROW);
		assertThat(run.left()).as(run.toString()).isGreaterThanOrEqualTo(2);
		List<Purchase> left = failing.stream().filter(p -> p.lookups() == 0).toList();
		assertThat(left).hasSize(2);
		left.forEach(p -> assertThat(due(p)).isBeforeOrEqualTo(fixtures.now()));

		reachable();
		fixtures.advance(Duration.ofMinutes(5));
		lookups.run();
		left.forEach(p -> assertThat(p.lookups()).as("asked by the next run").isEqualTo(1));
		left.forEach(p -> assertThat(entitlements.tokenExpiry(p.device)).isAfter(fixtures.now()));
		assertThat(failing.stream().mapToLong(Purchase::lookups).sum()).as("the failed ones wait their interval")
			.isEqualTo(5);
	}

	@Test
	void aRunUnderWayWhenTheNodeStopsGivesThePurchasesItDidNotGetToBackTheirDueTime() throws Exception {
		List<Purchase> slow = purchases(4);
		slow.forEach(p -> {
			p.renewed();
			APPLE.delay(p.store.originalTransactionId(), 1000); // each answer a second late: the stop comes meanwhile
		});
		advanceTo(latestEnd(slow).plus(Duration.ofMinutes(61)));
		Map<Purchase, String> before = new java.util.HashMap<>();
		slow.forEach(p -> before.put(p, schedule(p)));

		CompletableFuture<StoreLookups.Run> running = CompletableFuture
			.supplyAsync(() -> lookups.run(Duration.ofMinutes(5)));
		StoreLookups.Run run;
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> slow.stream().anyMatch(p -> p.lookups() > 0));
			lookups.stop(); // the node is shut down
			run = running.get(30, TimeUnit.SECONDS);
		}
		finally {
			lookups.start();
		}

		List<Purchase> left = slow.stream().filter(p -> p.lookups() == 0).toList();
		assertThat(left).as("the call in flight is answered, no other is made (%s)", run).isNotEmpty();
		assertThat(run.left()).as(run.toString()).isGreaterThanOrEqualTo(left.size());
		left.forEach(p -> assertThat(schedule(p)).as("its due time, count and last lookup as before the run")
			.isEqualTo(before.get(p)));

		reachable();
		lookups.run();
		slow.forEach(p -> assertThat(p.lookups()).as("the next run asks the rest").isEqualTo(1));
	}

	@Test
	void aRunEndedByAnErrorGivesThePurchasesItDidNotGetToBackTheirDueTime() {
		List<Purchase> purchases = purchases(3);
		purchases.forEach(Purchase::renewed);
		advanceTo(latestEnd(purchases).plus(Duration.ofMinutes(61)));
		Map<Purchase, String> before = new java.util.HashMap<>();
		purchases.forEach(p -> before.put(p, schedule(p)));
		String failing = purchases.get(1).store.originalTransactionId();
		AppStoreLookups breaking = new AppStoreLookups(appStoreServerApi, appStoreNotifications, storeSync,
				unknownPurchases) {

			@Override
			StoreLookups.Asked lookUp(String originalTransactionId, Instant asked) {
				if (originalTransactionId.equals(failing)) {
					throw new IllegalStateException("a bug while asking");
				}
				return appStoreLookups.lookUp(originalTransactionId, asked);
			}
		};
		StoreLookups broken = new StoreLookups(jdbc, subscriptions, play, breaking, storeSync, unknownPurchases,
				storesProperties, clock, transactions, 100, Duration.ofMinutes(5));

		assertThatThrownBy(broken::run).hasMessage("a bug while asking");

		assertThat(purchases.get(0).lookups()).as("asked before the error").isEqualTo(1);
		assertThat(schedule(purchases.get(1))).as("the one being asked keeps its interval")
			.isNotEqualTo(before.get(purchases.get(1)));
		Purchase notReached = purchases.get(2);
		assertThat(notReached.lookups()).isZero();
		assertThat(schedule(notReached)).as("its due time, count and last lookup as before the run")
			.isEqualTo(before.get(notReached));

		lookups.run();
		assertThat(notReached.lookups()).as("asked by the next run").isEqualTo(1);
	}

	@ParameterizedTest
	@ValueSource(ints = { FakeAppStoreServerApi.TRICKLE, FakeAppStoreServerApi.HUGE })
	void anAnswerThatTricklesOrIsTooLargeIsNoAnswerAndAskedAgainLater(int failure, CapturedOutput output) {
		Purchase p = new Purchase();
		p.renewed();
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		APPLE.fail(p.store.originalTransactionId(), failure);

		StoreLookups.Run run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> lookups.run());

		assertThat(run.failed()).as(run.toString()).isPositive();
		assertThat(output.getAll()).contains("The App Store could not be asked about purchase "
				+ p.store.originalTransactionId())
			.contains(failure == FakeAppStoreServerApi.TRICKLE ? "timed out" : "larger than " + StoreHttp.MAX_BODY);
		assertThat(lookupOutcomes(p)).as("no answer, none recorded").isEmpty();
		assertThat(unknownAnswers(p)).isZero();
		assertThat(due(p)).isAfter(fixtures.now());
	}

	/** AppNotFoundError (our bundle id or environment is not Apple's), and retryable ones. */
	@ParameterizedTest
	@ValueSource(longs = { 4040003, 4040002, 4040004, 4040006 })
	void a404ThatDoesNotSayTheTransactionIsUnknownIsNeverCountedAndAskedAboutOn(long errorCode) {
		Purchase p = new Purchase();
		APPLE.notFound(p.store.originalTransactionId(), errorCode);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		runWhileDue(p, 10); // 1, 2, 4 ... hours, a day apart: over 4 days

		assertThat(p.lookups()).isEqualTo(10);
		assertThat(lookupOutcomes(p)).as("no answer, none recorded").isEmpty();
		assertThat(unknownAnswers(p)).isZero();
		assertThat(due(p)).isAfter(fixtures.now());
	}

	@Test
	void anAnswerWithoutThePurchaseIsNeverCountedAndAskedAboutOn() {
		Purchase p = new Purchase();
		Map<String, Object> answer = new java.util.HashMap<>(p.store.statuses(1));
		answer.put("data", List.of()); // a 200 with no status of it
		APPLE.put(p.store.originalTransactionId(), answer);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		runWhileDue(p, 10);

		assertThat(p.lookups()).isEqualTo(10);
		assertThat(lookupOutcomes(p)).isEmpty();
		assertThat(unknownAnswers(p)).isZero();
		assertThat(due(p)).isAfter(fixtures.now());
	}

	/** TransactionIdNotFoundError, OriginalTransactionIdNotFoundError. */
	@ParameterizedTest
	@ValueSource(longs = { 4040010, 4040005 })
	void a404ThatSaysTheTransactionIsUnknownIsCounted(long errorCode) {
		Purchase p = new Purchase();
		APPLE.notFound(p.store.originalTransactionId(), errorCode);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		lookups.run();

		assertThat(lookupOutcomes(p)).containsExactly("UNKNOWN");
		assertThat(unknownAnswers(p)).isEqualTo(1);
	}

	@Test
	void aPurchaseAppleDoesNotKnowWhileItAnswersOthersIsNoMoreAskedAboutAfterThreeDays() {
		Purchase p = new Purchase(); // Apple does not know it: 404 4040010
		Purchase known = new Purchase();
		known.apple(1); // Apple knows it, still in its period: asked on with the back-off, its answers applied
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		runWhileDue(p, 30);

		assertThat(due(p)).as("no longer asked about").isNull();
		assertThat(p.lookups()).isEqualTo(8);
		assertThat(lookupOutcomes(p)).containsExactly("UNKNOWN", "UNKNOWN", "UNKNOWN", "UNKNOWN", "UNKNOWN",
				"UNKNOWN", "UNKNOWN", "STOPPED");
		assertThat(lookupOutcomes(known)).isNotEmpty().doesNotContain("UNKNOWN", "STOPPED");
	}

	@Test
	void whenAppleKnowsNoneOfThePurchasesAskedAboutNoneIsStopped() {
		Purchase p = new Purchase();
		Purchase q = new Purchase();
		q.apple(1);
		APPLE.everyCallNotFound = 4040010; // a bundle id or environment not Apple's: nothing is known
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		runWhileDue(p, 12); // over 6 days

		assertThat(p.lookups()).isEqualTo(12);
		assertThat(lookupOutcomes(p)).hasSize(12).containsOnly("UNKNOWN");
		assertThat(lookupOutcomes(q)).hasSizeGreaterThanOrEqualTo(8).containsOnly("UNKNOWN");
		assertThat(due(p)).as("asked about on, a day apart").isAfter(fixtures.now());
		assertThat(due(q)).isAfter(fixtures.now());
	}

	@Test
	void aRenewalWhoseNoticeNeverCameIsLookedUpAndCoversTheDevicesAgain() {
		Purchase p = new Purchase();
		Instant renewedEnd = p.renewed();
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		entitlements.assertNoToken(p.device);

		lookups.run();

		assertThat(p.lookups()).isEqualTo(1);
		assertThat(entitlements.tokenExpiry(p.device)).as("covered again").isAfter(fixtures.now());
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(Instant.parse(s.path("currentPeriodStart").asString())).isEqualTo(p.end);
		assertThat(Instant.parse(s.path("currentPeriodEnd").asString())).isEqualTo(renewedEnd);
		assertThat(jdbc.sql("""
				SELECT type || ' ' || subtype || ' ' || outcome FROM store_notifications
				WHERE store = 'APP_STORE' AND purchase_id = :id AND type = 'LOOKUP'
				""").param("id", p.store.originalTransactionId()).query(String.class).list())
			.containsExactly("LOOKUP ACTIVE APPLIED");

		lookups.run();
		advanceTo(renewedEnd.minus(Duration.ofHours(1)));
		lookups.run();
		assertThat(p.lookups()).as("not asked again before the renewed period's end").isEqualTo(1);
	}

	/**
	 * The customer turned auto-renewal off 30 s before the lookup and on again 10 s before it (that notice lost, so the
	 * purchase was looked up); Apple answers auto-renewal on, then delivers the first notice again. It is older news
	 * than the answer, by Apple's own clock: stale, and the end is not scheduled. A change Apple signed after its answer
	 * still applies.
	 */
	@Test
	void aNoticeAppleSignedBeforeALookupsAnswerIsStaleAndOneSignedAfterItApplies() {
		Purchase p = new Purchase();
		Instant renewedEnd = p.renewed();
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		Instant asked = fixtures.now();
		p.store.signedDate = asked; // Apple signs its answer when asked (the tests' App Store keeps our clock)
		p.apple(1);

		lookups.run();

		assertThat(lookupOutcomes(p)).containsExactly("APPLIED");
		p.store.autoRenewStatus = 0;
		p.store.signedDate = asked.minusSeconds(30);
		assertThat(p.store.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", asked.minusSeconds(30)))
			.as("signed 30 s before Apple's answer").isEqualTo("STALE");
		JsonNode s = p.subscription();
		assertThat(s.path("autoRenew").asBoolean()).isTrue();
		assertThat(s.path("cancelAt").isNull()).as("no end scheduled: the store renews it").isTrue();
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);

		p.store.signedDate = asked.plusSeconds(5);
		assertThat(p.store.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", asked.plusSeconds(5)))
			.as("signed after Apple's answer").isEqualTo("APPLIED");
		JsonNode off = p.subscription();
		assertThat(off.path("autoRenew").asBoolean()).isFalse();
		assertThat(Instant.parse(off.path("cancelAt").asString())).isEqualTo(renewedEnd);
	}

	/**
	 * An answer whose transaction and renewal info say no {@code signedDate} (Apple sets both; the fallback) counts as
	 * signed a minute before it was asked, by our clock: a notice signed before that is stale, one signed after it
	 * (within the minute before the call) applies.
	 */
	@Test
	void anAnswerWithNoSignedDateCountsAsSignedAMinuteBeforeItWasAsked() {
		Purchase p = new Purchase();
		p.store.start = p.end;
		p.store.end = p.end.plus(Duration.ofDays(30));
		Instant renewedEnd = p.store.end;
		APPLE.put(p.store.originalTransactionId(), p.store.statuses(1)); // as it is: no signedDate
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		Instant before = fixtures.now();

		lookups.run();

		Instant after = fixtures.now();
		assertThat(lookupOutcomes(p)).containsExactly("APPLIED");
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
		Instant signed = lookupSignedAt(p);
		assertThat(signed).isBetween(before.minus(StoreLookups.CLOCK_SKEW), after.minus(StoreLookups.CLOCK_SKEW));

		p.store.autoRenewStatus = 0;
		assertThat(p.store.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", signed.minusSeconds(1)))
			.as("signed before the answer counts as signed").isEqualTo("STALE");
		assertThat(p.subscription().path("cancelAt").isNull()).isTrue();
		assertThat(p.store.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", signed.plusSeconds(30)))
			.as("signed after it, before the call").isEqualTo("APPLIED");
		assertThat(Instant.parse(p.subscription().path("cancelAt").asString())).isEqualTo(renewedEnd);
	}

	/** Apple signs its answer when asked (the fake's default): the answer counts as signed then. */
	@Test
	void anAnswerCountsAsSignedWhenAppleSignedIt() {
		Purchase p = new Purchase();
		Instant renewedEnd = p.renewed();
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		Instant before = fixtures.now();

		lookups.run();

		Instant after = fixtures.now();
		assertThat(lookupOutcomes(p)).containsExactly("APPLIED");
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
		assertThat(lookupSignedAt(p)).as("when Apple answered").isBetween(before, after);
	}

	/** When the purchase's one recorded lookup counts as signed. */
	private Instant lookupSignedAt(Purchase p) {
		return jdbc.sql("""
				SELECT signed_at FROM store_notifications WHERE store = 'APP_STORE' AND purchase_id = :p AND type = 'LOOKUP'
				""").param("p", p.store.originalTransactionId()).query(java.sql.Timestamp.class).single().toInstant();
	}

	@Test
	void anExpiryAppleReportsEndsTheSubscriptionAndItIsNotAskedAgain() {
		Purchase p = new Purchase();
		p.store.expirationIntent = 2; // billing error
		p.store.autoRenewStatus = 0;
		p.apple(2);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		lookups.run();

		assertThat(p.lookups()).isEqualTo(1);
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("EXPIRED");
		entitlements.assertNoToken(p.device);
		assertThat(entitlements.of(p.account).values()).isEmpty();
		JsonNode status = p.store.storeStatus();
		assertThat(status.path("storeState").asString()).isEqualTo("EXPIRED");
		assertThat(status.path("refunded").asBoolean()).isFalse();

		fixtures.advance(Duration.ofDays(3));
		lookups.run();
		assertThat(p.lookups()).as("an ended subscription awaits nothing from the store").isEqualTo(1);
	}

	@Test
	void aRevokedAnswerEndsTheSubscriptionAndRecordsTheRefund() {
		Purchase p = new Purchase();
		Instant revoked = p.end.minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
		p.store.revokedAt(revoked);
		p.store.revocationReason = 0;
		p.apple(5);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		lookups.run();

		assertThat(p.lookups()).isEqualTo(1);
		JsonNode s = p.subscription();
		assertThat(s.path("status").asString()).isEqualTo("CANCELLED");
		JsonNode status = p.store.storeStatus();
		assertThat(status.path("storeState").asString()).isEqualTo("REFUNDED");
		assertThat(status.path("refunded").asBoolean()).isTrue();
		assertThat(Instant.parse(status.path("refundedAt").asString())).isEqualTo(revoked);
		entitlements.assertNoToken(p.device);
	}

	@Test
	void aGracePeriodAppleReportsServesTheDevicesUntilItsEnd() {
		Purchase p = new Purchase();
		Instant graceEnd = p.end.plus(Duration.ofDays(16));
		p.store.gracePeriodExpires = graceEnd;
		p.apple(4);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		lookups.run();

		assertThat(p.lookups()).isEqualTo(1);
		assertThat(p.subscription().path("status").asString()).isEqualTo("PAST_DUE");
		assertThat(p.store.storeStatus().path("storeState").asString()).isEqualTo("GRACE_PERIOD");
		assertThat(entitlements.until(p.account)).isEqualTo(graceEnd);
		assertThat(entitlements.tokenExpiry(p.device)).isAfter(fixtures.now());
	}

	/** 401 refused, 500 failed, 0: no answer before the client's timeout. */
	@ParameterizedTest
	@ValueSource(ints = { 401, 500, 0 })
	void whileAppleCannotBeAskedNothingChangesItIsLoggedAndAskedAgainAnIntervalLater(int failure,
			CapturedOutput output) {
		Purchase p = new Purchase();
		Instant renewedEnd = p.renewed();
		advanceTo(p.end.plus(Duration.ofMinutes(61)));
		String before = p.subscription().toString();
		APPLE.fail(p.store.originalTransactionId(), failure);

		StoreLookups.Run run = lookups.run(); // returns: a failed call never fails the job

		assertThat(run.failed()).as(run.toString()).isPositive();
		assertThat(p.lookups()).isEqualTo(1);
		assertThat(output.getAll()).contains("The App Store could not be asked about purchase "
				+ p.store.originalTransactionId())
			.contains(failure == 0 ? "timed out" : "answered " + failure);
		assertThat(p.subscription().toString()).isEqualTo(before);
		entitlements.assertNoToken(p.device);
		fixtures.advance(Duration.ofMinutes(30));
		lookups.run();
		assertThat(p.lookups()).as("once per interval, not at every run").isEqualTo(1);

		reachable();
		fixtures.advance(Duration.ofMinutes(31));
		lookups.run();
		assertThat(p.lookups()).isEqualTo(2);
		assertThat(entitlements.until(p.account)).isEqualTo(renewedEnd);
		assertThat(entitlements.tokenExpiry(p.device)).isAfter(fixtures.now());
	}

	@Test
	void theJwtAppleGetsIsSignedByTheKeyWithAppleHeaderAndClaims() throws Exception {
		Purchase p = new Purchase();
		p.renewed();
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		lookups.run();

		List<FakeAppStoreServerApi.Call> calls = APPLE.calls.stream()
			.filter(c -> c.transactionId().equals(p.store.originalTransactionId()))
			.toList();
		assertThat(calls).hasSize(1);
		assertThat(calls.get(0).accepted()).as("verified by the fake with the public key").isTrue();
		var jwt = com.nimbusds.jwt.SignedJWT.parse(calls.get(0).jwt());
		assertThat(jwt.verify(new com.nimbusds.jose.crypto.ECDSAVerifier((ECPublicKey) APPLE.key.getPublic()))).isTrue();
		assertThat(jwt.getHeader().toJSONObject()).containsEntry("alg", "ES256")
			.containsEntry("kid", FakeAppStoreServerApi.KEY_ID)
			.containsEntry("typ", "JWT");
		var claims = jwt.getJWTClaimsSet();
		assertThat(claims.getIssuer()).isEqualTo(FakeAppStoreServerApi.ISSUER_ID);
		assertThat(claims.getAudience()).containsExactly("appstoreconnect-v1");
		assertThat(claims.getClaim("bid")).isEqualTo("example.acme.app");
		Duration lifetime = Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant());
		assertThat(lifetime).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(10));
		assertThat(Duration.between(claims.getIssueTime().toInstant(), Instant.now()).abs())
			.as("issued in real time, which Apple checks (the test clock was moved a month on)")
			.isLessThan(Duration.ofMinutes(5));
	}

	@Test
	void anAnswerSignedByAnotherChainChangesNothing() {
		Purchase p = new Purchase();
		p.store.start = p.end;
		p.store.end = p.end.plus(Duration.ofDays(30));
		AppStorePurchase forged = new AppStorePurchase(vendor, vendor.with("Authorization", null),
				AppStoreSigner.impostor(), p.account, p.store.start);
		Map<String, Object> answer = new java.util.HashMap<>(p.store.statuses(1));
		// the impostor signs the same transaction: its chain does not lead to the trusted root
		answer.put("data", List.of(Map.of("subscriptionGroupIdentifier", "21000001", "lastTransactions",
				List.of(Map.of("originalTransactionId", p.store.originalTransactionId(), "status", 1,
						"signedTransactionInfo", forged.signWith(p.store.transaction()), "signedRenewalInfo",
						forged.signWith(p.store.renewal()))))));
		APPLE.put(p.store.originalTransactionId(), answer);
		advanceTo(p.end.plus(Duration.ofMinutes(61)));

		StoreLookups.Run run = lookups.run();

		assertThat(run.failed()).as(run.toString()).isPositive();
		assertThat(p.lookups()).isEqualTo(1);
		entitlements.assertNoToken(p.device);
		assertThat(Instant.parse(p.subscription().path("currentPeriodEnd").asString())).isEqualTo(p.end);
	}
}
