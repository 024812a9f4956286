package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.subdesk.billing.Billing;
import dev.subdesk.clock.TestClock;
import dev.subdesk.payments.PaymentResult;
import dev.subdesk.renewals.Jobs;
import dev.subdesk.renewals.RenewalEngine;
import dev.subdesk.shared.Money;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.DelegatingGateway;
import dev.subdesk.testing.ProblemAssertions;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * DESIGN invariant 11 when the gateway's adapter misbehaves: an exception from one record's gateway call does not end
 * the sweep of pending money records (each record is reconciled on its own), a refund or reversal the gateway
 * declines is shown to operations rather than asked again in silence, and a purchase whose charge call throws is
 * answered {@code 503 PAYMENT_GATEWAY_UNAVAILABLE} with its attempt left to the sweep.
 */
@Import(GatewayFaultsIntegrationTests.FaultyGateway.class)
// a sweep reads at most 3 records of each kind here (1000 by default), so that a test fills a run with a few records
@TestPropertySource(properties = "subdesk.billing.reconcile-batch=3")
class GatewayFaultsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	FaultyGateway gateway;

	@Autowired
	Billing billing;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	MeterRegistry meters;

	/** Moved directly: advancing through the API would run the sweep itself. */
	@Autowired
	TestClock clock;

	/** The sandbox, with faults a test switches on: calls that throw, refunds unanswered or declined. */
	@Primary
	static final class FaultyGateway extends DelegatingGateway {

		/** Keys whose look-up throws (an adapter's bug, a reference the gateway's client cannot parse). */
		final Set<String> lookupThrows = ConcurrentHashMap.newKeySet();

		/** Keys whose refund the gateway declines. */
		final Set<String> refundDeclined = ConcurrentHashMap.newKeySet();

		/** How many times each key's refund was asked for. */
		final Map<String, java.util.concurrent.atomic.AtomicInteger> refundCalls = new ConcurrentHashMap<>();

		/** Refunds get no answer while set. */
		final AtomicBoolean refundsUnanswered = new AtomicBoolean();

		/** A purchase's charge call throws while set. */
		final AtomicBoolean purchaseChargeThrows = new AtomicBoolean();

		/** A key whose look-up waits, once it has begun, until {@link #lookupReleased} (the sweep caught in its middle). */
		final java.util.concurrent.atomic.AtomicReference<String> lookupHeld = new java.util.concurrent.atomic.AtomicReference<>();

		final java.util.concurrent.CountDownLatch lookupBegun = new java.util.concurrent.CountDownLatch(1);

		final java.util.concurrent.CountDownLatch lookupReleased = new java.util.concurrent.CountDownLatch(1);

		@Override
		public PaymentResult charge(String token, Money amount, String idempotencyKey) {
			if (idempotencyKey.startsWith("purchase_") && purchaseChargeThrows.get()) {
				throw new IllegalStateException("the adapter failed to read the gateway's answer");
			}
			return super.charge(token, amount, idempotencyKey);
		}

		@Override
		public PaymentResult refund(String token, Money amount, String idempotencyKey) {
			refundCalls.computeIfAbsent(idempotencyKey, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
			if (refundDeclined.contains(idempotencyKey)) {
				return new PaymentResult.Declined("refund_not_allowed");
			}
			if (refundsUnanswered.get()) {
				return new PaymentResult.Unknown("time-out");
			}
			return super.refund(token, amount, idempotencyKey);
		}

		@Override
		public Optional<PaymentResult> lookup(String idempotencyKey) {
			if (lookupThrows.contains(idempotencyKey)) {
				throw new IllegalStateException("the adapter failed to read the gateway's ledger");
			}
			if (idempotencyKey.equals(lookupHeld.get())) {
				lookupBegun.countDown();
				try {
					if (!lookupReleased.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
						throw new IllegalStateException("the held look-up was never released");
					}
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(e);
				}
			}
			return super.lookup(idempotencyKey);
		}
	}

	@Autowired
	DataSource dataSource;

	@Autowired
	Jobs jobs;

	@Autowired
	RenewalEngine engine;

	private final ExecutorService runner = Executors.newSingleThreadExecutor();

	@AfterEach
	void gatewayWorksAgain() {
		engine.start();
		runner.shutdownNow();
		gateway.lookupHeld.set(null);
		gateway.lookupReleased.countDown();
		gateway.lookupThrows.clear();
		gateway.refundDeclined.clear();
		gateway.refundsUnanswered.set(false);
		gateway.purchaseChargeThrows.set(false);
	}

	@Test
	void recordsTheGatewayKeepsDecliningDoNotHoldBackTheRecordsAfterThemRunAfterRun() {
		// more records the gateway keeps declining than one sweep reads, of each kind, older than a healthy one
		List<String> stuckRefunds = List.of(declinedRefund(Duration.ofMinutes(12)), declinedRefund(Duration.ofMinutes(11)),
				declinedRefund(Duration.ofMinutes(10)));
		List<String> stuckReversals = List.of(declinedReversal(Duration.ofMinutes(12)),
				declinedReversal(Duration.ofMinutes(11)), declinedReversal(Duration.ofMinutes(10)));
		String healthyRefund = pendingRefund(Duration.ofMinutes(5));
		String healthyAttempt = stalePurchaseAttempt(Duration.ofMinutes(5));

		Billing.Reconciliation first = billing.reconcilePending();
		assertThat(first.refundsDeclined()).as("the first run meets the declined refunds: %s", first).isEqualTo(3);
		assertThat(refundStatus(healthyRefund)).as("past the first run's batch").isEqualTo("PENDING");

		// the next run, a minute later
		clock.moveTo(clock.instant().plus(Duration.ofMinutes(1)));
		Billing.Reconciliation next = billing.reconcilePending();

		assertThat(refundStatus(healthyRefund)).as("the refund behind the declined ones is reached: %s", next)
			.isEqualTo("SUCCEEDED");
		assertThat(attemptStatus(healthyAttempt)).as("the attempt behind the declined reversals is reached")
			.isEqualTo("VOID");
		assertThat(gauge("subdesk.reconciliation.declined", "refund")).as("still open, still counted").isEqualTo(3);
		assertThat(gauge("subdesk.reconciliation.declined", "reversal")).isEqualTo(3);

		// the gateway lets them through: each is asked again once its wait is over, and all are settled
		gateway.refundDeclined.clear();
		clock.moveTo(clock.instant().plus(Duration.ofMinutes(5)));
		billing.reconcilePending();
		assertThat(stuckRefunds).allSatisfy(id -> assertThat(refundStatus(id)).isEqualTo("SUCCEEDED"));
		assertThat(stuckReversals).allSatisfy(key -> assertThat(attemptStatus(key)).isEqualTo("REVERSED"));
		assertThat(gauge("subdesk.reconciliation.declined", "refund")).isZero();
		assertThat(gauge("subdesk.reconciliation.declined", "reversal")).isZero();
	}

	@Test
	void aDeclinedRefundIsAskedAgainAfterAWaitThatGrowsWithEachTry() {
		String refund = declinedRefund(Duration.ofMinutes(5));
		billing.reconcilePending();
		assertThat(gateway.refundCalls.get(refund)).as("asked by the first run").hasValue(1);

		billing.reconcilePending();
		assertThat(gateway.refundCalls.get(refund)).as("not asked again before its wait is over").hasValue(1);
		assertThat(gauge("subdesk.reconciliation.declined", "refund")).as("counted meanwhile").isEqualTo(1);

		clock.moveTo(clock.instant().plus(Duration.ofMinutes(1)));
		billing.reconcilePending();
		assertThat(gateway.refundCalls.get(refund)).as("asked again after a minute").hasValue(2);

		clock.moveTo(clock.instant().plus(Duration.ofMinutes(1)));
		billing.reconcilePending();
		assertThat(gateway.refundCalls.get(refund)).as("the second wait is two minutes").hasValue(2);

		gateway.refundDeclined.clear();
		clock.moveTo(clock.instant().plus(Duration.ofMinutes(1)));
		billing.reconcilePending();
		assertThat(gateway.refundCalls.get(refund)).hasValue(3);
		assertThat(refundStatus(refund)).as("paid back once the gateway lets it through").isEqualTo("SUCCEEDED");
		assertThat(gauge("subdesk.reconciliation.declined", "refund")).isZero();
	}

	/**
	 * A voided attempt whose look-up again throws keeps no recheck due every run (one such attempt after another would
	 * hold back the rechecks after them, as the records above would): its recheck is put off as a look-up that found
	 * nothing puts it off.
	 */
	@Test
	void aVoidedAttemptWhoseRecheckThrowsIsLookedUpAgainLaterNotEveryRun() {
		String attempt = stalePurchaseAttempt(Duration.ofMinutes(5));
		billing.reconcilePending();
		assertThat(attemptStatus(attempt)).isEqualTo("VOID");
		Instant firstRecheck = recheckAt(attempt);
		clock.moveTo(firstRecheck);
		gateway.lookupThrows.add(attempt);

		Throwable thrown = catchThrowable(billing::reconcilePending);

		assertThat(thrown).isNull();
		assertThat(attemptStatus(attempt)).isEqualTo("VOID");
		assertThat(recheckAt(attempt)).as("put off, not due again at the next run").isAfter(clock.instant());

		// its last look-up (a day and more after its void) meets the gateway down: it is looked up again all the same
		clock.moveTo(clock.instant().plus(Duration.ofDays(2)));
		billing.reconcilePending();
		assertThat(attemptStatus(attempt)).isEqualTo("VOID");
		assertThat(recheckAt(attempt)).as("still to be looked up, within the hour").isAfter(clock.instant())
			.isBeforeOrEqualTo(clock.instant().plus(Duration.ofHours(1)));
		gateway.lookupThrows.clear();
		clock.moveTo(recheckAt(attempt));
		billing.reconcilePending();
		assertThat(jdbc.sql("SELECT recheck_at FROM purchase_attempts WHERE gateway_key = :k").param("k", attempt)
			.query(java.sql.Timestamp.class).optional()).as("found nothing after its day: no further look-up").isEmpty();
	}

	/**
	 * A voided attempt whose look-up again throws is counted in {@code subdesk.reconciliation.failed}, as any record
	 * whose reconciliation threw, until a look-up of it works again.
	 */
	@Test
	void aVoidedAttemptWhoseRecheckThrowsIsCountedWithTheRecordsThatFailed() {
		String attempt = stalePurchaseAttempt(Duration.ofMinutes(5));
		billing.reconcilePending();
		assertThat(attemptStatus(attempt)).isEqualTo("VOID");
		double before = gauge("subdesk.reconciliation.failed", null);
		clock.moveTo(recheckAt(attempt));
		gateway.lookupThrows.add(attempt);

		Billing.Reconciliation failing = billing.reconcilePending();

		assertThat(failing.failed()).as("met by the run: %s", failing).isGreaterThanOrEqualTo(1);
		assertThat(gauge("subdesk.reconciliation.failed", null))
			.as("the void whose look-up threw, counted with the records that failed").isEqualTo(before + 1);

		gateway.lookupThrows.clear();
		clock.moveTo(recheckAt(attempt));
		billing.reconcilePending();
		assertThat(attemptStatus(attempt)).isEqualTo("VOID");
		assertThat(gauge("subdesk.reconciliation.failed", null)).as("its look-up found nothing: no longer counted")
			.isEqualTo(before);
	}

	/**
	 * Attempts whose subscriptions a renewal run holds are left to it, untouched (not put off: due again as soon as the
	 * run lets go), and take no place in the sweep's batch: the attempt after them is reconciled in the same run.
	 */
	@Test
	void attemptsARenewalRunHoldsDoNotCrowdTheAttemptsAfterThemOutOfTheRun() throws Exception {
		// more held attempts than one sweep reads, older than a free one
		List<String> held = List.of(stalePurchaseAttempt(Duration.ofMinutes(12)),
				stalePurchaseAttempt(Duration.ofMinutes(11)), stalePurchaseAttempt(Duration.ofMinutes(10)));
		String free = stalePurchaseAttempt(Duration.ofMinutes(5));

		try (java.sql.Connection run = dataSource.getConnection()) {
			run.setAutoCommit(true);
			for (String key : held) {
				try (var claim = run.prepareStatement("SELECT pg_advisory_lock(hashtextextended(?, 0))")) {
					claim.setString(1, key.substring("purchase_".length()));
					claim.execute();
				}
			}
			Billing.Reconciliation done = billing.reconcilePending();

			assertThat(attemptStatus(free)).as("the attempt after the held ones, in the same run: %s", done)
				.isEqualTo("VOID");
			assertThat(held).allSatisfy(key -> {
				assertThat(attemptStatus(key)).as("left to the renewal run").isEqualTo("PENDING");
				assertThat(jdbc.sql("SELECT failed_tries = 0 AND next_try_at IS NULL AND last_try IS NULL "
						+ "FROM purchase_attempts WHERE gateway_key = :k").param("k", key).query(Boolean.class).single())
					.as("untouched: no try counted, not put off").isTrue();
			});
		}

		// the run lets go: the next sweep, at the same instant, takes them up
		billing.reconcilePending();
		assertThat(held).allSatisfy(key -> assertThat(attemptStatus(key)).isEqualTo("VOID"));
	}

	/**
	 * A node that begins to stop while the sweep reconciles a record ({@link RenewalEngine#stop}, as the context's close
	 * does): the record in hand is finished, and the sweep takes up no other; they stay due, untouched, for the next
	 * run after the node starts again.
	 */
	@Test
	void aStopDuringTheSweepLetsTheRecordInHandEndAndTakesUpNoOther() throws Exception {
		String inHand = pendingRefund(Duration.ofMinutes(50));
		String laterRefund = pendingRefund(Duration.ofMinutes(49));
		String laterAttempt = stalePurchaseAttempt(Duration.ofMinutes(48));
		gateway.lookupHeld.set(inHand);

		Future<?> run = runner.submit(jobs::runDue);
		assertThat(gateway.lookupBegun.await(60, TimeUnit.SECONDS)).as("the sweep reached the first refund").isTrue();
		engine.stop();
		gateway.lookupReleased.countDown();
		run.get(60, TimeUnit.SECONDS);

		assertThat(refundStatus(inHand)).as("the record in hand when the stop began, finished").isEqualTo("SUCCEEDED");
		assertThat(refundStatus(laterRefund)).as("a later refund, while the node stops").isEqualTo("PENDING");
		assertThat(attemptStatus(laterAttempt)).as("a later attempt, while the node stops").isEqualTo("PENDING");
		assertThat(jdbc.sql("""
				SELECT (SELECT failed_tries = 0 AND next_try_at IS NULL FROM refunds WHERE id = :r)
				   AND (SELECT failed_tries = 0 AND next_try_at IS NULL FROM purchase_attempts WHERE gateway_key = :a)
				""").param("r", laterRefund).param("a", laterAttempt).query(Boolean.class).single())
			.as("the later records untouched: no try counted, not put off").isTrue();

		engine.start();
		jobs.runDue();

		assertThat(refundStatus(laterRefund)).as("after the restart").isEqualTo("SUCCEEDED");
		assertThat(attemptStatus(laterAttempt)).as("after the restart").isEqualTo("VOID");
	}

	private Instant recheckAt(String key) {
		return jdbc.sql("SELECT recheck_at FROM purchase_attempts WHERE gateway_key = :k").param("k", key)
			.query(java.sql.Timestamp.class).single().toInstant();
	}

	@Test
	void aRecordWhoseGatewayCallThrowsDoesNotHoldBackTheRecordsAfterIt() {
		String olderRefund = pendingRefund(Duration.ofMinutes(10));
		String newerRefund = pendingRefund(Duration.ofMinutes(5));
		String olderAttempt = stalePurchaseAttempt(Duration.ofMinutes(10));
		String newerAttempt = stalePurchaseAttempt(Duration.ofMinutes(5));
		gateway.lookupThrows.add(olderRefund);
		gateway.lookupThrows.add(olderAttempt);

		Throwable thrown = catchThrowable(billing::reconcilePending);

		assertThat(refundStatus(newerRefund)).as("the refund after the failing one is paid back").isEqualTo("SUCCEEDED");
		assertThat(attemptStatus(newerAttempt)).as("the attempt after the failing one is settled").isEqualTo("VOID");
		assertThat(refundStatus(olderRefund)).isEqualTo("PENDING");
		assertThat(attemptStatus(olderAttempt)).isEqualTo("PENDING");
		assertThat(thrown).as("the sweep goes on past a failing record").isNull();
		assertThat(gauge("subdesk.reconciliation.failed", null)).as("the records that failed, for operations")
			.isGreaterThanOrEqualTo(2);

		// once the adapter works again, the next run after their wait (a minute after the first try) finishes them
		gateway.lookupThrows.clear();
		clock.moveTo(clock.instant().plus(Duration.ofMinutes(1)));
		Billing.Reconciliation next = billing.reconcilePending();
		assertThat(refundStatus(olderRefund)).isEqualTo("SUCCEEDED");
		assertThat(attemptStatus(olderAttempt)).isEqualTo("VOID");
		assertThat(next.failed()).isZero();
	}

	@Test
	void aRefundOrReversalTheGatewayDeclinesStaysOpenAndIsCountedForOperations() {
		String refund = pendingRefund(Duration.ofMinutes(5));
		gateway.refundDeclined.add(refund);
		String attempt = stalePurchaseAttempt(Duration.ofMinutes(5));
		assertThat(gateway.charge("tok_visa", Money.of(5999, "USD"), attempt))
			.as("the gateway took the unrecorded purchase").isInstanceOf(PaymentResult.Succeeded.class);
		gateway.refundDeclined.add("reverse_" + attempt);

		Billing.Reconciliation done = billing.reconcilePending();

		assertThat(refundStatus(refund)).as("never marked paid").isEqualTo("PENDING");
		assertThat(attemptStatus(attempt)).as("still to be given back").isEqualTo("REVERSING");
		assertThat(done.refundsDeclined()).isGreaterThanOrEqualTo(1);
		assertThat(done.reversalsDeclined()).isGreaterThanOrEqualTo(1);
		assertThat(gauge("subdesk.reconciliation.declined", "refund")).isGreaterThanOrEqualTo(1);
		assertThat(gauge("subdesk.reconciliation.declined", "reversal")).isGreaterThanOrEqualTo(1);

		// the gateway lets them through: the next run after their wait settles both, and no decline is counted any more
		gateway.refundDeclined.clear();
		clock.moveTo(clock.instant().plus(Duration.ofMinutes(1)));
		billing.reconcilePending();
		assertThat(refundStatus(refund)).isEqualTo("SUCCEEDED");
		assertThat(attemptStatus(attempt)).isEqualTo("REVERSED");
		assertThat(gauge("subdesk.reconciliation.declined", "refund")).isZero();
		assertThat(gauge("subdesk.reconciliation.declined", "reversal")).isZero();
	}

	@Test
	void aPurchaseWhoseChargeCallThrowsIsAnswered503AndItsAttemptIsLeftToTheSweep() {
		String account = fixtures.accountWithVisa();
		gateway.purchaseChargeThrows.set(true);
		Api.Response refused;
		try {
			refused = api.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-annual", "consent",
					fixtures.consent(account, "antivirus-annual", null)));
		}
		finally {
			gateway.purchaseChargeThrows.set(false);
		}

		ProblemAssertions.assertProblem(refused, 503, "PAYMENT_GATEWAY_UNAVAILABLE");
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size())
			.as("nothing created").isZero();
		assertThat(fixtures.charges(account)).as("nothing charged").isEmpty();
		String key = jdbc.sql("SELECT gateway_key FROM purchase_attempts WHERE account_id = :a").param("a", account)
			.query(String.class).single();
		assertThat(attemptStatus(key)).as("left to the sweep").isEqualTo("PENDING");

		jdbc.sql("UPDATE purchase_attempts SET created_at = created_at - interval '2 minutes' WHERE gateway_key = :k")
			.param("k", key).update();
		billing.reconcilePending();
		assertThat(attemptStatus(key)).as("the gateway took nothing under its key").isEqualTo("VOID");
	}

	/** A refund of a new purchase's charge that the gateway did not answer, recorded {@code age} ago; its id. */
	private String pendingRefund(Duration age) {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = fixtures.charges(account).getFirst().path("id").asString();
		String refund;
		gateway.refundsUnanswered.set(true);
		try {
			refund = billing.refund(charge, 100L, "test refund").id();
		}
		finally {
			gateway.refundsUnanswered.set(false);
		}
		assertThat(refundStatus(refund)).isEqualTo("PENDING");
		jdbc.sql("UPDATE refunds SET created_at = :at WHERE id = :id")
			.param("at", java.sql.Timestamp.from(fixtures.now().minus(age))).param("id", refund).update();
		return refund;
	}

	/** A pending refund the gateway declines, recorded {@code age} ago; its id. */
	private String declinedRefund(Duration age) {
		String refund = pendingRefund(age);
		gateway.refundDeclined.add(refund);
		gateway.refundCalls.remove(refund); // the calls of its recording, not the sweep's
		return refund;
	}

	/** A purchase attempt the gateway took the money of but whose reversal it declines, recorded {@code age} ago. */
	private String declinedReversal(Duration age) {
		String attempt = stalePurchaseAttempt(age);
		assertThat(gateway.charge("tok_visa", Money.of(5999, "USD"), attempt)).isInstanceOf(PaymentResult.Succeeded.class);
		gateway.refundDeclined.add("reverse_" + attempt);
		return attempt;
	}

	/** What a purchase records before its gateway calls, as if sent {@code age} ago and never answered; its key. */
	private String stalePurchaseAttempt(Duration age) {
		String account = fixtures.accountWithVisa();
		String method = api.get("/accounts/" + account + "/payment-methods").json().path("data").get(0).path("id")
			.asString();
		String key = "purchase_sub_" + UUID.randomUUID().toString().replace("-", "");
		Instant at = fixtures.now().minus(age);
		jdbc.sql("""
				INSERT INTO purchase_attempts (gateway_key, account_id, subscription_id, payment_method_id, amount, currency,
				                               status, created_at)
				VALUES (:key, :account, :sub, :pm, 5999, 'USD', 'PENDING', :at)""")
			.param("key", key).param("account", account).param("sub", key.substring("purchase_".length()))
			.param("pm", method).param("at", java.sql.Timestamp.from(at))
			.update();
		return key;
	}

	private double gauge(String name, @org.jspecify.annotations.Nullable String kind) {
		var search = meters.find(name);
		if (kind != null) {
			search = search.tag("kind", kind);
		}
		var found = search.gauge();
		assertThat(found).as(name + " " + kind).isNotNull();
		return found.value();
	}

	private String refundStatus(String id) {
		return jdbc.sql("SELECT status FROM refunds WHERE id = :id").param("id", id).query(String.class).single();
	}

	private String attemptStatus(String key) {
		return jdbc.sql("SELECT status FROM purchase_attempts WHERE gateway_key = :k").param("k", key)
			.query(String.class).single();
	}
}
