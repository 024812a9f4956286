package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.PaymentOutcome;
import dev.subdesk.shared.Money;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * DESIGN invariant 11: no money moves without a record. A refund is recorded before the gateway is asked (outside
 * any transaction: the sandbox gateway refuses a call made inside one), with its own id as the gateway's
 * idempotency key; what the gateway does not answer, and what a purchase leaves unrecorded, the sweep reconciles
 * with the gateway's ledger.
 */
class MoneyRecordsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Billing billing;

	@Autowired
	Accounts accounts;

	@Test
	void aRefundIsPaidBackOnceAtTheGatewayUnderItsOwnIdAndAnsweredSucceeded() {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = firstCharge(account).path("id").asString();

		Api.Response refund = api.post("/charges/" + charge + "/refunds", Map.of("amount", 500, "reason", "goodwill"));

		assertThat(refund.status()).as(refund.toString()).isEqualTo(201);
		assertThat(refund.text("status")).isEqualTo("SUCCEEDED");
		assertThat(ledger(refund.id())).contains(new LedgerEntry("REFUND", 500, "succeeded"));
		assertThat(refundStatus(refund.id())).isEqualTo("SUCCEEDED");
		assertThat(firstCharge(account).path("refundedAmount").asLong()).isEqualTo(500);
	}

	@Test
	void anImmediateCancellationPaysItsRefundBackAfterItsTransactionHasCommitted() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");

		Api.Response cancellation = fixtures.cancel(sub, "IMMEDIATE");

		assertThat(cancellation.status()).as(cancellation.toString()).isEqualTo(200);
		JsonNode refund = cancellation.json().path("refunds").get(0);
		assertThat(refund.path("status").asString()).isEqualTo("SUCCEEDED");
		long amount = refund.path("amount").asLong();
		assertThat(ledger(refund.path("id").asString())).contains(new LedgerEntry("REFUND", amount, "succeeded"));
		JsonNode listed = api.get("/cancellations/" + cancellation.text("confirmationNumber")).json().path("refunds").get(0);
		assertThat(listed.path("status").asString()).isEqualTo("SUCCEEDED");
	}

	@Test
	void refundsThroughTheSandboxAlwaysSucceedEvenToAFlakyCard() {
		String account = fixtures.account();
		fixtures.card(account, "tok_flaky");
		Api.Response bought = fixtures.buy(account, "antivirus-annual");
		for (int i = 0; i < 10 && bought.status() != 201; i++) {
			bought = fixtures.buy(account, "antivirus-annual");
		}
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		String charge = firstCharge(account).path("id").asString();
		for (int i = 0; i < 30; i++) {
			Api.Response refund = api.post("/charges/" + charge + "/refunds", Map.of("amount", 1, "reason", "try " + i));
			assertThat(refund.status()).as(refund.toString()).isEqualTo(201);
			assertThat(refund.text("status")).as(refund.toString()).isEqualTo("SUCCEEDED");
		}
	}

	@Test
	void aRefundTheGatewayDoesNotAnswerStaysPendingUntilTheSweepPaysItBackOnce() {
		String account = fixtures.account();
		fixtures.card(account, "tok_refundUnanswered");
		Api.Response bought = fixtures.buy(account, "antivirus-annual");
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		String charge = firstCharge(account).path("id").asString();

		// the sandbox pays a refund to this card but its answer is lost, however often it is asked
		Api.Response unanswered = api.post("/charges/" + charge + "/refunds", Map.of("amount", 1, "reason", "try"));
		assertThat(unanswered.status()).as(unanswered.toString()).isEqualTo(201);
		assertThat(unanswered.text("status")).isEqualTo("PENDING");
		String id = unanswered.id();
		assertThat(refundStatus(id)).isEqualTo("PENDING");

		for (int run = 0; run < 20 && refundStatus(id).equals("PENDING"); run++) {
			fixtures.advance("PT2M"); // past the grace period; the advance runs the sweep
		}

		assertThat(refundStatus(id)).isEqualTo("SUCCEEDED");
		assertThat(ledger(id)).contains(new LedgerEntry("REFUND", 1, "succeeded"));
		long refunds = jdbc.sql("SELECT count(*) FROM refunds WHERE charge_id = :c").param("c", charge).query(Long.class).single();
		long paidBack = jdbc.sql("""
				SELECT count(*) FROM sandbox_gateway_payments g JOIN refunds r ON r.id = g.idempotency_key WHERE r.charge_id = :c
				""").param("c", charge).query(Long.class).single();
		assertThat(paidBack).as("every refund of the charge once in the gateway's ledger").isEqualTo(refunds);
		assertThat(firstCharge(account).path("refundedAmount").asLong()).isEqualTo(refunds);
	}

	@Test
	void aRefundWhoseSettlementFailsAfterItsRecordCommittedIsAnsweredPendingSoARetryWithItsKeyRefundsNothingMore() {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = firstCharge(account).path("id").asString();
		String reason = "settlement fails " + UUID.randomUUID();
		// the database refuses to mark this refund paid: what a failure between the gateway's answer and its record
		// (a lost connection, a full pool) does
		jdbc.sql("""
				CREATE FUNCTION test_fail_settlement() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				  IF NEW.status = 'SUCCEEDED' AND NEW.reason LIKE 'settlement fails %' THEN
				    RAISE EXCEPTION 'settlement refused for the test';
				  END IF;
				  RETURN NEW;
				END $$""").update();
		jdbc.sql("""
				CREATE TRIGGER test_fail_settlement BEFORE UPDATE ON refunds
				FOR EACH ROW EXECUTE FUNCTION test_fail_settlement()""").update();
		try {
			Api keyed = api.with("Idempotency-Key", "refund-" + UUID.randomUUID());
			Api.Response first = keyed.post("/charges/" + charge + "/refunds", Map.of("amount", 100, "reason", reason));
			Api.Response retry = keyed.post("/charges/" + charge + "/refunds", Map.of("amount", 100, "reason", reason));

			assertThat(first.status()).as(first.toString()).isEqualTo(201);
			assertThat(first.text("status")).isEqualTo("PENDING");
			assertThat(retry.status()).as(retry.toString()).isEqualTo(201);
			assertThat(retry.id()).as("the first answer, replayed").isEqualTo(first.id());
			assertThat(firstCharge(account).path("refundedAmount").asLong()).as("refunded once").isEqualTo(100);
		}
		finally {
			jdbc.sql("DROP TRIGGER test_fail_settlement ON refunds").update();
			jdbc.sql("DROP FUNCTION test_fail_settlement()").update();
		}
	}

	@Test
	void aPurchaseTheGatewayChargedButThatWasNeverRecordedIsGivenBackByTheSweep() {
		String account = fixtures.accountWithVisa();
		PaymentMethod card = accounts.defaultPaymentMethod(account).orElseThrow();
		String key = "purchase_sub_lost" + UUID.randomUUID().toString().substring(0, 8);

		// What a server that dies after the gateway took the money, before recording the purchase, leaves behind.
		PaymentOutcome outcome = billing.chargePurchase(account, "sub_lost", card, Money.of(2999, "EUR"), key);
		assertThat(outcome).isInstanceOf(PaymentOutcome.Paid.class);
		assertThat(attemptStatus(key)).isEqualTo("PENDING");

		fixtures.advance("PT2M");

		assertThat(attemptStatus(key)).isEqualTo("REVERSED");
		assertThat(ledger(key)).contains(new LedgerEntry("CHARGE", 2999, "succeeded"));
		assertThat(ledger("reverse_" + key)).contains(new LedgerEntry("REFUND", 2999, "succeeded"));
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data")).isEmpty();
	}

	@Test
	void aRenewalTheGatewayTookWithoutAnsweringIsRecordedFirstAndGivenBackOnceItsSubscriptionEnded() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", fixtures.card(account, "tok_renewalUnanswered")));
		String periodEnd = fixtures.subscription(sub).text("currentPeriodEnd");
		fixtures.advance(java.time.Duration.between(fixtures.now(), java.time.Instant.parse(periodEnd)).plusMinutes(1));
		String key = "renewal_" + sub + "_p1_a0";
		assertThat(ledger(key)).as("the sandbox took the renewal's money and lost the answer")
			.contains(new LedgerEntry("CHARGE", 699, "succeeded"));
		assertThat(attemptStatus(key)).as("recorded before the gateway was asked").isEqualTo("PENDING");
		assertThat(fixtures.subscription(sub).text("currentPeriodEnd")).as("not renewed without an answer").isEqualTo(periodEnd);

		fixtures.cancel(sub, "END_OF_TERM"); // the customer stops it before any answer came: it will never be retried
		for (int run = 0; run < 20 && !attemptStatus(key).equals("REVERSED"); run++) {
			fixtures.advance("PT2M"); // past the grace period; the advance runs the sweep
		}

		assertThat(attemptStatus(key)).isEqualTo("REVERSED");
		assertThat(ledger("reverse_" + key)).as("the money given back").contains(new LedgerEntry("REFUND", 699, "succeeded"));
		assertThat(firstCharges(account)).as("no charge for a period never renewed").hasSize(1);
	}

	@Test
	void aRenewalWhoseKeyTheSweepGaveBackIsChargedUnderAKeyOfItsOwn() {
		String account = fixtures.accountWithVisa();
		String visa = api.get("/accounts/" + account + "/payment-methods").json().path("data").get(0).path("id").asString();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", fixtures.card(account, "tok_renewalUnanswered")));
		String periodEnd = fixtures.subscription(sub).text("currentPeriodEnd");
		fixtures.advance(java.time.Duration.between(fixtures.now(), java.time.Instant.parse(periodEnd)).plusMinutes(1));
		String key = "renewal_" + sub + "_p1_a0";
		// what the sweep leaves when it gave the money back before the engine came to the key again
		jdbc.sql("UPDATE purchase_attempts SET status = 'REVERSED' WHERE gateway_key = :k").param("k", key).update();
		api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", visa));

		api.post("/renewals/run");

		assertThat(fixtures.subscription(sub).text("currentPeriodStart")).as("renewed").isEqualTo(periodEnd);
		String charged = jdbc.sql("SELECT gateway_key FROM charges WHERE subscription_id = :s AND period_start = :p")
			.param("s", sub).param("p", java.sql.Timestamp.from(java.time.Instant.parse(periodEnd)))
			.query(String.class).single();
		assertThat(charged).as("not the key whose money went back").startsWith(key + "_r").isNotEqualTo(key);
		assertThat(attemptStatus(charged)).isEqualTo("COMPLETED");
		assertThat(attemptStatus(key)).isEqualTo("REVERSED");
	}

	private List<JsonNode> firstCharges(String account) {
		return api.get("/accounts/" + account + "/charges").json().path("data").values().stream().toList();
	}

	@Test
	void aDeclinedPurchaseLeavesADeclinedAttemptAndNoCharge() {
		String account = fixtures.account();
		fixtures.card(account, "tok_chargeDeclined");

		assertThat(fixtures.buy(account, "antivirus-annual").status()).isEqualTo(402);

		assertThat(jdbc.sql("SELECT status FROM purchase_attempts WHERE account_id = :a").param("a", account)
			.query(String.class).list()).containsExactly("DECLINED");
	}

	record LedgerEntry(String kind, long amount, String outcome) {
	}

	private Optional<LedgerEntry> ledger(String key) {
		return jdbc.sql("SELECT kind, amount, outcome FROM sandbox_gateway_payments WHERE idempotency_key = :k")
			.param("k", key)
			.query((rs, n) -> new LedgerEntry(rs.getString(1), rs.getLong(2), rs.getString(3)))
			.optional();
	}

	private String refundStatus(String id) {
		return jdbc.sql("SELECT status FROM refunds WHERE id = :id").param("id", id).query(String.class).single();
	}

	private String attemptStatus(String key) {
		return jdbc.sql("SELECT status FROM purchase_attempts WHERE gateway_key = :k").param("k", key).query(String.class).single();
	}

	private JsonNode firstCharge(String account) {
		return api.get("/accounts/" + account + "/charges").json().path("data").get(0);
	}
}
