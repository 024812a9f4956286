package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.billing.Billing;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.GatewayHold;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A renewal attempt whose answer was lost is repeated under its own gateway key (shared/API.md), and that key is only
 * ever sent with the card and amount it was first sent with; what a key took is recorded against the card that paid
 * or given back, never left without a record, whatever the customer or the sweep did while the answer was out.
 */
class RenewalRetriesIntegrationTests extends ApiIntegrationTest {

	/** The advisory lock a test holds to keep a renewal batch at the gateway (see {@link GatewayHold}). */
	private static final long HOLD = 727_001L;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	DataSource dataSource;

	@Autowired
	Billing billing;

	/** The subscriptions of a test: ended after it, so that none stays due at one instant for the next tests. */
	private final java.util.List<String> subscriptions = new java.util.ArrayList<>();

	private String subscribed(String account) {
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		subscriptions.add(sub);
		return sub;
	}

	/**
	 * A card whose every renewal answer is lost keeps its subscription due at one instant: the test clock's advance
	 * stops stepping after 20 tries at it, and another test's advance would jump over its own due work.
	 */
	@AfterEach
	void endTheSubscriptionsLeftDue() {
		for (String sub : subscriptions) {
			jdbc.sql("UPDATE subscriptions SET auto_renew = false, next_attempt_at = NULL WHERE id = :id")
				.param("id", sub).update();
		}
	}

	@Test
	void aLostRenewalRetriedAfterTheCustomerChoseAnotherCardIsRecordedOnTheCardThatPaidAndRefundedToIt() {
		Lost lost = aRenewalWhoseAnswerWasLost();
		String mastercard = fixtures.card(lost.account(), "tok_mastercard");
		api.patch("/subscriptions/" + lost.subscription(), Map.of("paymentMethodId", mastercard));

		api.post("/renewals/run");
		assertThat(chargeOfThePeriod(lost)).as("sent less than the grace ago: left alone, nothing else charged").isEmpty();
		assertThat(ledgerKeys(lost.subscription())).containsExactly(lost.key());
		assertThat(attemptStatus(lost.key())).isEqualTo("PENDING");
		olderThanTheGrace(lost);
		api.post("/renewals/run");

		PeriodCharge charge = chargeOfThePeriod(lost).orElseThrow();
		assertThat(charge.paymentMethodId()).as("the card the gateway took the money from").isEqualTo(lost.card());
		assertThat(charge.gatewayKey()).isEqualTo(lost.key());
		assertThat(charge.amount()).isEqualTo(699);
		assertThat(ledgerToken(lost.key())).contains("tok_renewalUnanswered");
		Api.Response refund = api.post("/charges/" + charge.id() + "/refunds", Map.of("amount", 699, "reason", "goodwill"));
		assertThat(refund.status()).as(refund.toString()).isEqualTo(201);
		assertThat(ledgerToken(refund.id())).as("paid back to the card that paid").contains("tok_renewalUnanswered");
	}

	@Test
	void aLostRenewalWhoseCardWasRemovedIsSettledByItsLedgerEntryNotSentToTheNextCard() {
		Lost lost = aRenewalWhoseAnswerWasLost();
		Api.Response removed = api.delete("/accounts/" + lost.account() + "/payment-methods/" + lost.card());
		assertThat(removed.status()).as(removed.toString()).isEqualTo(204);
		assertThat(fixtures.subscription(lost.subscription()).text("paymentMethodId")).isNotEqualTo(lost.card());
		olderThanTheGrace(lost);

		api.post("/renewals/run");

		PeriodCharge charge = chargeOfThePeriod(lost).orElseThrow();
		assertThat(charge.paymentMethodId()).as("recorded on the removed card that paid").isEqualTo(lost.card());
		assertThat(charge.gatewayKey()).isEqualTo(lost.key());
		assertThat(attemptStatus(lost.key())).isEqualTo("COMPLETED");
		assertThat(ledgerKeys(lost.subscription())).as("nothing else charged").containsExactly(lost.key());
	}

	@Test
	void aLostRenewalTheGatewayNeverTookIsVoidedAndTheNewCardIsChargedUnderTheNextKey() {
		Lost lost = aRenewalWhoseAnswerWasLost();
		// the call never reached the gateway: its ledger holds nothing for the key
		jdbc.sql("DELETE FROM sandbox_gateway_payments WHERE idempotency_key = :k").param("k", lost.key()).update();
		String mastercard = fixtures.card(lost.account(), "tok_mastercard");
		api.patch("/subscriptions/" + lost.subscription(), Map.of("paymentMethodId", mastercard));
		olderThanTheGrace(lost);

		api.post("/renewals/run");

		PeriodCharge charge = chargeOfThePeriod(lost).orElseThrow();
		assertThat(charge.paymentMethodId()).isEqualTo(mastercard);
		assertThat(charge.gatewayKey()).as("a key of its own for the new card").isEqualTo(lost.key() + "_r1");
		assertThat(ledgerToken(lost.key())).as("the old key was never sent with another card").isEmpty();
		assertThat(ledgerToken(lost.key() + "_r1")).contains("tok_mastercard");
		assertThat(attemptStatus(lost.key())).isEqualTo("VOID");
	}

	@Test
	void aFollowUpChargeWhoseAnswerIsLostIsRepeatedUnderTheSameKeyAtTheNextRun() {
		Lost lost = aRenewalWhoseAnswerWasLost();
		// the sweep gave the key's money back before the engine came to it again
		jdbc.sql("UPDATE purchase_attempts SET status = 'REVERSED' WHERE gateway_key = :k").param("k", lost.key()).update();

		api.post("/renewals/run");
		fixtures.advance("PT5S");
		api.post("/renewals/run");
		fixtures.advance("PT5S");

		assertThat(ledgerKeys(lost.subscription())).as("one follow-up key, repeated, never a second one")
			.containsExactlyInAnyOrder(lost.key(), lost.key() + "_r1");
		assertThat(attemptStatus(lost.key() + "_r1")).isEqualTo("PENDING");
	}

	@Test
	void theSweepLeavesAnAttemptThatALiveRunStillHoldsHoweverLongItsBatchTakes() throws Exception {
		String account = fixtures.accountWithVisa();
		String sub = subscribed(account);
		String periodEnd = fixtures.subscription(sub).text("currentPeriodEnd");
		String key = "renewal_" + sub + "_p1_a0";
		try (GatewayHold hold = new GatewayHold(jdbc, dataSource, "test_hold_gateway", HOLD, "renewal_" + sub)) {
			CompletableFuture<Void> run = advancePast(periodEnd);
			hold.awaitHeld("the renewal batch reaches the gateway");
			assertThat(attemptStatus(key)).isEqualTo("PENDING");
			// the batch has been with the gateway longer than the grace: by its age the attempt looks abandoned
			jdbc.sql("UPDATE purchase_attempts SET created_at = created_at - interval '5 minutes' WHERE gateway_key = :k")
				.param("k", key).update();

			billing.reconcilePending();

			assertThat(attemptStatus(key)).as("not voided while its run holds it").isEqualTo("PENDING");
			hold.release();
			run.get(60, TimeUnit.SECONDS);
		}
		assertThat(fixtures.subscription(sub).text("currentPeriodStart")).isEqualTo(periodEnd);
		assertThat(attemptStatus(key)).isEqualTo("COMPLETED");
		assertThat(jdbc.sql("SELECT gateway_key FROM charges WHERE subscription_id = :s AND period_start = :p")
			.param("s", sub).param("p", Timestamp.from(Instant.parse(periodEnd))).query(String.class).list())
			.containsExactly(key);
	}

	@Test
	void aPaymentTakenUnderAKeyVoidedWhileItWasAtTheGatewayIsGivenBackWhenItCannotBeRecorded() throws Exception {
		String account = fixtures.accountWithVisa();
		String sub = subscribed(account);
		String periodEnd = fixtures.subscription(sub).text("currentPeriodEnd");
		String key = "renewal_" + sub + "_p1_a0";
		try (GatewayHold hold = new GatewayHold(jdbc, dataSource, "test_hold_gateway", HOLD, "renewal_" + sub)) {
			CompletableFuture<Void> run = advancePast(periodEnd);
			hold.awaitHeld("the renewal batch reaches the gateway");
			// what a sweep that looked the key up before the batch reached the gateway leaves
			jdbc.sql("UPDATE purchase_attempts SET status = 'VOID' WHERE gateway_key = :k").param("k", key).update();
			Api.Response cancel = fixtures.cancel(sub, "END_OF_TERM");
			assertThat(cancel.status()).as(cancel.toString()).isEqualTo(200);
			hold.release();
			run.get(60, TimeUnit.SECONDS);
		}
		assertThat(ledgerToken(key)).as("the gateway took the renewal").contains("tok_visa");
		assertThat(attemptStatus(key)).isEqualTo("REVERSED");
		assertThat(ledgerToken("reverse_" + key)).as("and the money went back").contains("tok_visa");
		assertThat(fixtures.charges(account)).as("no charge for a period never renewed").hasSize(1);
	}

	@Test
	void aPaymentTakenForAPeriodAnImportPaysIsGivenBackWhenItsSubscriptionWasSetToEndWhileItWasAtTheGateway()
			throws Exception {
		String account = fixtures.accountWithVisa();
		String sub = subscribed(account);
		String periodEnd = fixtures.subscription(sub).text("currentPeriodEnd");
		String key = "renewal_" + sub + "_p1_a0";
		// a charge for the period the renewal is about to pay, recorded otherwise (an import: origin IMPORT)
		String imported = jdbc.sql("""
				INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
				                     payment_method_id, gateway_key, created_at)
				SELECT 'ch_IMPORTED' || substr(md5(random()::text), 1, 12), account_id, subscription_id, amount, currency,
				       'SUCCEEDED', period_end, period_end + (period_end - period_start), payment_method_id, 'import', created_at
				FROM charges WHERE subscription_id = :s AND origin = 'PURCHASE'
				RETURNING id
				""").param("s", sub).query(String.class).single();
		try (GatewayHold hold = new GatewayHold(jdbc, dataSource, "test_hold_gateway", HOLD, "renewal_" + sub)) {
			CompletableFuture<Void> run = advancePast(periodEnd);
			hold.awaitHeld("the renewal batch reaches the gateway");
			// the subscription moves on (set to end) while the gateway has its renewal: the batch finds it stale
			Api.Response cancel = fixtures.cancel(sub, "END_OF_TERM");
			assertThat(cancel.status()).as(cancel.toString()).isEqualTo(200);
			hold.release();
			run.get(60, TimeUnit.SECONDS);
		}
		assertThat(ledgerToken(key)).as("the gateway took the renewal").contains("tok_visa");
		assertThat(jdbc.sql("SELECT count(*) FROM charges WHERE gateway_key = :k").param("k", key).query(Long.class)
			.single()).as("no charge records the renewal's payment").isZero();
		assertThat(attemptStatus(key)).as("a payment no charge records goes back, the import paying the period")
			.isEqualTo("REVERSED");
		assertThat(ledgerToken("reverse_" + key)).as("and the money went back").contains("tok_visa");
		assertThat(jdbc.sql("SELECT count(*) FROM charges WHERE id = :c").param("c", imported).query(Long.class).single())
			.isEqualTo(1);
	}

	/** A subscription whose first renewal the gateway took under {@code key} on {@code card}, its answer lost. */
	private record Lost(String account, String subscription, String card, String key, Instant periodEnd) {
	}

	private Lost aRenewalWhoseAnswerWasLost() {
		String account = fixtures.accountWithVisa();
		String sub = subscribed(account);
		String card = fixtures.card(account, "tok_renewalUnanswered");
		api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", card));
		Instant periodEnd = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(fixtures.now(), periodEnd).plusMinutes(1));
		String key = "renewal_" + sub + "_p1_a0";
		assertThat(ledgerToken(key)).as("the sandbox took the renewal and lost the answer").contains("tok_renewalUnanswered");
		assertThat(attemptStatus(key)).isEqualTo("PENDING");
		assertThat(fixtures.subscription(sub).text("currentPeriodStart")).isNotEqualTo(periodEnd.toString());
		return new Lost(account, sub, card, key, periodEnd);
	}

	/**
	 * The key was sent longer ago than the sweep's grace (without running the sweep, which advancing the clock would):
	 * a look-up that finds nothing may now be trusted.
	 */
	private void olderThanTheGrace(Lost lost) {
		jdbc.sql("UPDATE purchase_attempts SET created_at = created_at - interval '2 minutes' WHERE gateway_key = :k")
			.param("k", lost.key()).update();
	}

	private record PeriodCharge(String id, String paymentMethodId, String gatewayKey, long amount) {
	}

	private Optional<PeriodCharge> chargeOfThePeriod(Lost lost) {
		return jdbc.sql("""
				SELECT id, payment_method_id, gateway_key, amount FROM charges
				WHERE subscription_id = :s AND period_start = :p AND status <> 'FAILED'
				""").param("s", lost.subscription()).param("p", Timestamp.from(lost.periodEnd()))
			.query((rs, n) -> new PeriodCharge(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)))
			.optional();
	}

	private Optional<String> ledgerToken(String key) {
		return jdbc.sql("SELECT gateway_token FROM sandbox_gateway_payments WHERE idempotency_key = :k").param("k", key)
			.query(String.class).optional();
	}

	/** The renewal keys the gateway's ledger holds for a subscription's charges. */
	private List<String> ledgerKeys(String subscription) {
		return jdbc.sql("SELECT idempotency_key FROM sandbox_gateway_payments WHERE idempotency_key LIKE :p AND kind = 'CHARGE'")
			.param("p", "renewal_" + subscription + "_%").query(String.class).list();
	}

	private String attemptStatus(String key) {
		return jdbc.sql("SELECT status FROM purchase_attempts WHERE gateway_key = :k").param("k", key).query(String.class).single();
	}

	/** Advances the test clock just past {@code periodEnd} on another thread: its renewal run can be held meanwhile. */
	private CompletableFuture<Void> advancePast(String periodEnd) {
		Duration until = Duration.between(fixtures.now(), Instant.parse(periodEnd)).plusMinutes(1);
		return CompletableFuture.runAsync(() -> fixtures.advance(until));
	}
}
