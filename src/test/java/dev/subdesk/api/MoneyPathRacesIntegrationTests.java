package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.billing.Billing;
import dev.subdesk.cancellation.ScheduledEnds;
import dev.subdesk.shared.Money;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Money paths under interleavings, each one forced by holding a lock on a second connection and waiting until the
 * request under test waits for it (pg_stat_activity), never by sleeping: the sweep and a purchase still with the
 * gateway, a purchase whose record committed though its caller saw an error, the invariant-1 sweep against what a
 * watermark misses, "what is left" refunded when another refund took it, and a renewal meeting a charge recorded
 * otherwise for its period.
 */
class MoneyPathRacesIntegrationTests extends ApiIntegrationTest {

	@Autowired
	DataSource dataSource;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Billing billing;

	@Autowired
	Accounts accounts;

	@Autowired
	ScheduledEnds scheduledEnds;

	@Autowired
	PlatformTransactionManager transactions;

	@Test
	void aPurchaseWhoseAttemptTheSweepVoidedDuringItsGatewayCallIsRecordedAndNothingIsGivenBack() throws Exception {
		String account = fixtures.accountWithVisa();

		Api.Response answer;
		String key;
		try (Connection gatewayBusy = dataSource.getConnection()) {
			gatewayBusy.setAutoCommit(false);
			// the gateway's ledger takes no new payment until this transaction ends: the purchase's call is under way
			try (PreparedStatement lock = gatewayBusy.prepareStatement(
					"LOCK TABLE sandbox_gateway_payments IN EXCLUSIVE MODE")) {
				lock.execute();
			}
			CompletableFuture<Api.Response> buying = CompletableFuture
				.supplyAsync(() -> fixtures.buy(account, "antivirus-annual"));
			await().atMost(Duration.ofSeconds(20)).until(() -> buying.isDone() || waiting("%INSERT INTO sandbox_gateway_payments%") > 0);
			assertThat(buying.isDone()).as("the purchase waits in its gateway call").isFalse();
			key = jdbc.sql("SELECT gateway_key FROM purchase_attempts WHERE account_id = :a").param("a", account)
				.query(String.class).single();
			// its record looks older than the grace, as after a test-clock advance or a minute of gateway retries
			jdbc.sql("UPDATE purchase_attempts SET created_at = '1990-01-01T00:00:00Z' WHERE gateway_key = :k")
				.param("k", key).update();
			CompletableFuture<Billing.Reconciliation> sweeping = CompletableFuture.supplyAsync(billing::reconcilePending);
			await().atMost(Duration.ofSeconds(20))
				.until(() -> sweeping.isDone() || !"PENDING".equals(attemptStatus(key))
						|| waiting("%sandbox_gateway_payments%") > 1);
			gatewayBusy.rollback();
			answer = buying.get();
			sweeping.get();
		}

		assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
		assertThat(attemptStatus(key)).isEqualTo("COMPLETED");
		assertThat(billing.charge(fixtures.charges(account).get(0).path("id").asString()).orElseThrow().refundedAmount())
			.isZero();
		assertThat(ledgerHas("reverse_" + key)).as("no money given back for a recorded purchase").isFalse();
	}

	@Test
	void aPurchaseWhoseRecordCommittedIsNotGivenBackWhenItsCallerSawAnError() {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		String key = "purchase_" + subscription;
		assertThat(attemptStatus(key)).isEqualTo("COMPLETED");
		var charge = billing.charge(fixtures.charges(account).get(0).path("id").asString()).orElseThrow();
		PaymentMethod card = accounts.paymentMethod(account, charge.paymentMethodId()).orElseThrow();

		// the record's transaction committed but its COMMIT's answer was lost: the purchase's catch gives the money back
		billing.reverseUnrecordedPayment(card, Money.of(charge.amount(), charge.currency()), key);

		assertThat(attemptStatus(key)).isEqualTo("COMPLETED");
		assertThat(ledgerHas("reverse_" + key)).as("the recorded charge's money stays taken").isFalse();
	}

	@Test
	void anImportedChargeThatQualifiesOnlyOnceALaterCancellationIsMadeIsRefundedInFull() {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		String imported = importNextPeriod(jdbc, account);
		scheduledEnds.sweepChargesAfterCancellation(); // nothing to refund yet: no cancellation
		assertThat(refunded(imported)).isZero();

		Api.Response cancelled = fixtures.cancel(subscription, "END_OF_TERM");
		assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
		scheduledEnds.sweepChargesAfterCancellation();

		assertThat(refunded(imported)).isEqualTo(amount(imported));
	}

	@Test
	void anImportedChargeWhoseImportCommitsAfterALaterOneWasSweptIsRefundedInFull() throws Exception {
		String first = fixtures.accountWithVisa();
		String second = fixtures.accountWithVisa();
		String firstSubscription = fixtures.subscribe(first, "antivirus-annual");
		String secondSubscription = fixtures.subscribe(second, "antivirus-annual");
		assertThat(fixtures.cancel(firstSubscription, "END_OF_TERM").status()).isEqualTo(200);
		assertThat(fixtures.cancel(secondSubscription, "END_OF_TERM").status()).isEqualTo(200);

		String early;
		String late;
		try (Connection importing = dataSource.getConnection()) {
			importing.setAutoCommit(false);
			// an import takes its sequence number now and commits later
			early = importNextPeriod(JdbcClient.create(new org.springframework.jdbc.datasource.SingleConnectionDataSource(
					importing, true)), first);
			late = importNextPeriod(jdbc, second);
			scheduledEnds.sweepChargesAfterCancellation();
			assertThat(refunded(late)).isEqualTo(amount(late));
			importing.commit();
		}
		scheduledEnds.sweepChargesAfterCancellation();

		assertThat(refunded(early)).isEqualTo(amount(early));
	}

	@Test
	void theInvariantOneSweepReadsNoImportedChargeWhoseStateNothingChangedSinceItsLastRun() {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		// 3,000 imported charges with something left to refund, for years before the subscription's: settled long ago
		// (no cancellation ends them)
		assertThat(jdbc.sql("""
				INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
				                     payment_method_id, gateway_key, created_at)
				SELECT 'ch_OLDIMPORT' || g || '_' || substr(md5(random()::text), 1, 8), account_id, subscription_id, amount,
				       currency, 'SUCCEEDED', period_start - g * interval '1 year', period_end - g * interval '1 year',
				       payment_method_id, 'import', created_at - g * interval '1 year'
				FROM charges, generate_series(1, 3000) g WHERE account_id = :a AND origin = 'PURCHASE'
				""").param("a", account).update()).isEqualTo(3000);
		scheduledEnds.sweepChargesAfterCancellation(); // the imports are changes: read once, nothing to refund
		assertThat(jdbc.sql("SELECT refunded_amount FROM charges WHERE subscription_id = :s").param("s", subscription)
			.query(Long.class).list()).containsOnly(0L);

		// the next run, in a transaction of this test: what it read of charges is what this transaction's counts of
		// rows read grow by meanwhile (the backend's counts not yet reported include earlier transactions': a difference)
		String rowsRead = """
				SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables
				WHERE relid = 'charges'::regclass
				""";
		long read = new TransactionTemplate(transactions).execute(status -> {
			long before = jdbc.sql(rowsRead).query(Long.class).single();
			scheduledEnds.sweepChargesAfterCancellation();
			return jdbc.sql(rowsRead).query(Long.class).single() - before;
		});

		// other test classes' changes queued meanwhile may be read, never the 3,000 that nothing changed
		assertThat(read).as("rows of charges the sweep read").isLessThan(100);
		String imported = importNextPeriod(jdbc, account);
		assertThat(fixtures.cancel(subscription, "END_OF_TERM").status()).isEqualTo(200);
		scheduledEnds.sweepChargesAfterCancellation();
		assertThat(refunded(imported)).as("a change is still read").isEqualTo(amount(imported));
	}

	@Test
	void aDisputeWhoseChargeAnotherRefundEmptiedMeanwhileIsAnsweredRefundedWithNoRefund() throws Exception {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		assertThat(fixtures.cancel(subscription, "END_OF_TERM").status()).isEqualTo(200);
		String imported = importNextPeriod(jdbc, account);

		Api.Response answer;
		try (Connection refunding = emptiedInAnotherTransaction(imported)) {
			CompletableFuture<Api.Response> disputing = CompletableFuture.supplyAsync(() -> api
				.post("/charges/" + imported + "/disputes", Map.of("reason", "CHARGED_AFTER_CANCELLATION")));
			await().atMost(Duration.ofSeconds(20)).until(() -> disputing.isDone() || waiting("%FOR UPDATE OF c%") > 0);
			refunding.commit();
			answer = disputing.get();
		}

		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		assertThat(answer.text("outcome")).isEqualTo("REFUNDED");
		assertThat(answer.json().path("refund").isNull()).as(answer.toString()).isTrue();
	}

	@Test
	void theInvariantOneSweepLeavesAChargeAnotherNodeRefundedMeanwhileWithoutFailing() throws Exception {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		assertThat(fixtures.cancel(subscription, "END_OF_TERM").status()).isEqualTo(200);
		String imported = importNextPeriod(jdbc, account);

		CompletableFuture<Integer> sweeping;
		try (Connection otherNode = emptiedInAnotherTransaction(imported)) {
			sweeping = CompletableFuture.supplyAsync(scheduledEnds::sweepChargesAfterCancellation);
			await().atMost(Duration.ofSeconds(20)).until(() -> sweeping.isDone() || waiting("%FOR UPDATE OF c%") > 0);
			otherNode.commit();
		}

		assertThat(sweeping).succeedsWithin(Duration.ofSeconds(20));
		assertThat(jdbc.sql("SELECT count(*) FROM refunds WHERE charge_id = :c").param("c", imported).query(Long.class)
			.single()).as("no refund beyond the other node's").isZero();
		assertThat(refunded(imported)).isEqualTo(amount(imported));
	}

	@Test
	void aRenewalMeetingAChargeImportedForItsPeriodGivesItsPaymentBackAndHoldsBackNoOtherJob() {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-monthly");
		String imported = importNextPeriod(jdbc, account);
		Instant periodEnd = Instant.parse(fixtures.subscription(subscription).text("currentPeriodEnd"));

		fixtures.advance(Duration.between(fixtures.now(), periodEnd).plusMinutes(1));

		String renewalKey = jdbc.sql("""
				SELECT gateway_key FROM purchase_attempts WHERE subscription_id = :s AND gateway_key LIKE 'renewal_%'
				""").param("s", subscription).query(String.class).single();
		assertThat(attemptStatus(renewalKey)).as("the renewal's payment is given back").isEqualTo("REVERSED");
		assertThat(ledgerHas("reverse_" + renewalKey)).isTrue();
		assertThat(jdbc.sql("""
				SELECT count(*) FROM charges WHERE subscription_id = :s AND period_start = :start AND status <> 'FAILED'
				""").param("s", subscription).param("start", java.sql.Timestamp.from(periodEnd)).query(Long.class).single())
			.as("the imported charge alone pays the period").isEqualTo(1);
		assertThat(refunded(imported)).isZero();
		assertThat(Instant.parse(fixtures.subscription(subscription).text("currentPeriodEnd"))).isAfter(periodEnd);
	}

	/** A charge for the period after the account's only charge, imported (origin IMPORT), as an import would. */
	private static String importNextPeriod(JdbcClient on, String account) {
		return on.sql("""
				INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
				                     payment_method_id, gateway_key, created_at)
				SELECT 'ch_IMPORTED' || substr(md5(random()::text), 1, 12), account_id, subscription_id, amount, currency,
				       'SUCCEEDED', period_end, period_end + (period_end - period_start), payment_method_id, 'import', created_at
				FROM charges WHERE account_id = :a AND origin = 'PURCHASE'
				RETURNING id
				""").param("a", account).query(String.class).single();
	}

	/** A transaction, left open, that refunded all of the charge (another node's sweep, an agent's refund). */
	private Connection emptiedInAnotherTransaction(String charge) throws Exception {
		Connection other = dataSource.getConnection();
		other.setAutoCommit(false);
		try (PreparedStatement empty = other.prepareStatement(
				"UPDATE charges SET refunded_amount = amount, status = 'REFUNDED' WHERE id = ?")) {
			empty.setString(1, charge);
			assertThat(empty.executeUpdate()).isEqualTo(1);
		}
		return other;
	}

	private long waiting(String query) {
		return jdbc.sql("""
				SELECT count(*) FROM pg_stat_activity
				WHERE wait_event_type = 'Lock' AND query LIKE :q AND pid <> pg_backend_pid()
				""").param("q", query).query(Long.class).single();
	}

	private String attemptStatus(String key) {
		return jdbc.sql("SELECT status FROM purchase_attempts WHERE gateway_key = :k").param("k", key)
			.query(String.class).single();
	}

	private boolean ledgerHas(String key) {
		return jdbc.sql("SELECT EXISTS (SELECT 1 FROM sandbox_gateway_payments WHERE idempotency_key = :k)")
			.param("k", key).query(Boolean.class).single();
	}

	private long refunded(String charge) {
		return jdbc.sql("SELECT refunded_amount FROM charges WHERE id = :c").param("c", charge).query(Long.class).single();
	}

	private long amount(String charge) {
		return jdbc.sql("SELECT amount FROM charges WHERE id = :c").param("c", charge).query(Long.class).single();
	}
}
