package dev.subdesk.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.testing.ModuleTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Billing boots with the accounts, the payment gateway and the clock only: a purchase is recorded before the gateway
 * is called, completed by its charge, never twice for one period; a refund is recorded, paid back after its
 * transaction commits, and never more than what is left of the charge.
 */
@ModuleTest(extraIncludes = { "clock", "payments", "accounts" })
class BillingModuleTests {

	@Autowired
	Billing billing;

	@Autowired
	Accounts accounts;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	@Test
	void aPurchaseIsRecordedChargedOncePerPeriodAndRefundedNoFurtherThanItsAmount() {
		Account account = accounts.open("billing-" + UUID.randomUUID() + "@example.com", "Billing Module", "US", null);
		PaymentMethod card = accounts.addPaymentMethod(account.id(), "tok_visa");
		String subscription = "sub_billingmodule" + UUID.randomUUID().toString().substring(0, 8);
		String key = "purchase_" + UUID.randomUUID();
		Money price = Money.of(5999, "USD");

		assertThat(billing.chargePurchase(account.id(), subscription, card, price, key))
			.isEqualTo(new PaymentOutcome.Paid(key));
		// the attempt was written before the gateway was asked, and waits for its charge
		assertThat(jdbc.sql("SELECT status FROM purchase_attempts WHERE gateway_key = :key").param("key", key)
			.query(String.class).single()).isEqualTo("PENDING");

		Instant start = clock.instant();
		Instant end = start.plus(Duration.ofDays(30));
		Charge charge = transactions.execute(tx -> billing.recordSuccessfulCharge(account.id(), subscription, price,
				start, end, card.id(), key, start));
		assertThat(charge.status()).isEqualTo(Charge.Status.SUCCEEDED);
		assertThat(charge.amount()).isEqualTo(5999);
		assertThat(billing.hasSuccessfulCharge(subscription, start)).isTrue();
		assertThat(jdbc.sql("SELECT status FROM purchase_attempts WHERE gateway_key = :key").param("key", key)
			.query(String.class).single()).isEqualTo("COMPLETED");
		// the same attempt cannot complete a second charge
		assertThatThrownBy(() -> transactions.executeWithoutResult(tx -> billing.recordSuccessfulCharge(account.id(),
				subscription, price, start, end, card.id(), key, start)))
			.isInstanceOf(SubdeskException.class);

		Refund refund = billing.refund(charge.id(), 2000L, "module test");
		assertThat(refund.amount()).isEqualTo(2000);
		assertThat(refund.status()).isEqualTo("SUCCEEDED");
		assertThat(billing.charge(charge.id()).orElseThrow().status()).isEqualTo(Charge.Status.PARTIALLY_REFUNDED);
		assertThatThrownBy(() -> billing.refund(charge.id(), 4000L, "more than is left"))
			.isInstanceOfSatisfying(SubdeskException.class, e -> assertThat(e.code()).isEqualTo("REFUND_EXCEEDS_CHARGE"));
		assertThat(billing.charge(charge.id()).orElseThrow().refundedAmount()).isEqualTo(2000);
		assertThat(billing.refund(charge.id(), null, "the rest").amount()).isEqualTo(3999);
		assertThat(billing.charge(charge.id()).orElseThrow().status()).isEqualTo(Charge.Status.REFUNDED);
	}

	@Test
	void aPurchaseIsNeverRecordedWithAnotherAmountOrCurrencyThanItsAttemptWasChargedAndThenGoesBack() {
		Account account = accounts.open("mismatch-" + UUID.randomUUID() + "@example.com", "Billing Module", "DE", null);
		PaymentMethod card = accounts.addPaymentMethod(account.id(), "tok_visa");
		String subscription = "sub_mismatch" + UUID.randomUUID().toString().substring(0, 8);
		String key = "purchase_" + UUID.randomUUID();
		Money charged = Money.of(5999, "USD");
		assertThat(billing.chargePurchase(account.id(), subscription, card, charged, key))
			.isEqualTo(new PaymentOutcome.Paid(key));
		Instant start = clock.instant();
		Instant end = start.plus(Duration.ofDays(365));

		for (Money other : java.util.List.of(Money.of(6999, "USD"), Money.of(5999, "EUR"))) {
			assertThatThrownBy(() -> transactions.executeWithoutResult(tx -> billing.recordSuccessfulCharge(account.id(),
					subscription, other, start, end, card.id(), key, start)))
				.as("recorded as %s", other)
				.isInstanceOfSatisfying(SubdeskException.class,
						e -> assertThat(e.code()).isEqualTo("PAYMENT_GATEWAY_UNAVAILABLE"));
			assertThat(attemptStatus(key)).as("not completed").isEqualTo("PENDING");
			assertThat(billing.hasSuccessfulCharge(subscription, start)).as("nothing recorded").isFalse();
		}

		billing.reverseUnrecordedPayment(card, charged, key);
		assertThat(attemptStatus(key)).isEqualTo("REVERSED");
		assertThat(jdbc.sql("SELECT amount FROM sandbox_gateway_payments WHERE idempotency_key = :k")
			.param("k", "reverse_" + key).query(Long.class).single()).as("what was taken goes back").isEqualTo(5999L);
	}

	@Test
	void aRenewalAttemptCompletesOnlyWithTheAmountItWasSentWithElseItGoesBack() {
		Account account = accounts.open("renewal-" + UUID.randomUUID() + "@example.com", "Billing Module", "US", null);
		PaymentMethod card = accounts.addPaymentMethod(account.id(), "tok_visa");
		String same = "renewal_sub_same" + UUID.randomUUID().toString().substring(0, 8) + "_p1_a1";
		String other = "renewal_sub_other" + UUID.randomUUID().toString().substring(0, 8) + "_p1_a1";
		Money sent = Money.of(5999, "USD");
		billing.recordRenewalAttempts(java.util.List.of(
				new Billing.RenewalAttempt(same, account.id(), "sub_same", card.id(), card.gatewayToken(), sent),
				new Billing.RenewalAttempt(other, account.id(), "sub_other", card.id(), card.gatewayToken(), sent)));

		java.util.Set<String> completed = transactions.execute(tx -> billing.completeRenewalAttempts(
				java.util.Map.of(same, sent, other, Money.of(6999, "USD"))));

		assertThat(completed).containsExactly(same);
		assertThat(attemptStatus(same)).isEqualTo("COMPLETED");
		assertThat(attemptStatus(other)).as("sent with another amount than its charge records").isEqualTo("PENDING");
		java.util.Set<String> back = transactions.execute(tx -> billing.markUncompletedForReversal(java.util.List.of(other)));
		assertThat(back).as("given back after the commit").containsExactly(other);
		assertThat(attemptStatus(other)).isEqualTo("REVERSING");
	}

	@Test
	void aRecordedPaymentIsNeverGivenBackAsAnUnrecordedRenewal() {
		Account account = accounts.open("recorded-" + UUID.randomUUID() + "@example.com", "Billing Module", "US", null);
		PaymentMethod card = accounts.addPaymentMethod(account.id(), "tok_visa");
		String subscription = "sub_recorded" + UUID.randomUUID().toString().substring(0, 8);
		String key = "purchase_" + UUID.randomUUID();
		Money price = Money.of(5999, "USD");
		assertThat(billing.chargePurchase(account.id(), subscription, card, price, key))
			.isEqualTo(new PaymentOutcome.Paid(key));
		Instant start = clock.instant();
		transactions.execute(tx -> billing.recordSuccessfulCharge(account.id(), subscription, price, start,
				start.plus(Duration.ofDays(30)), card.id(), key, start));
		assertThat(attemptStatus(key)).isEqualTo("COMPLETED");

		billing.reverseUnrecordedPayment(card.gatewayToken(), price, key);

		assertThat(attemptStatus(key)).as("its charge is recorded: nothing to give back").isEqualTo("COMPLETED");
		assertThat(jdbc.sql("SELECT count(*) FROM sandbox_gateway_payments WHERE idempotency_key = :k")
			.param("k", "reverse_" + key).query(Long.class).single()).as("no money went back").isZero();
		assertThat(billing.charges(account.id(), dev.subdesk.shared.Page.Request.first(10)).data())
			.singleElement().satisfies(c -> assertThat(c.refundedAmount()).isZero());
	}

	private String attemptStatus(String key) {
		return jdbc.sql("SELECT status FROM purchase_attempts WHERE gateway_key = :key").param("key", key)
			.query(String.class).single();
	}

	@Test
	void aDeclinedPurchaseIsRecordedAsDeclinedAndMakesNoCharge() {
		Account account = accounts.open("declined-" + UUID.randomUUID() + "@example.com", "Billing Module", "US", null);
		PaymentMethod card = accounts.addPaymentMethod(account.id(), "tok_chargeDeclined");
		String key = "purchase_" + UUID.randomUUID();
		assertThat(billing.chargePurchase(account.id(), "sub_declinedmodule", card, Money.of(999, "USD"), key))
			.isEqualTo(new PaymentOutcome.Declined("card_declined"));
		assertThat(jdbc.sql("SELECT status FROM purchase_attempts WHERE gateway_key = :key").param("key", key)
			.query(String.class).single()).isEqualTo("DECLINED");
		assertThat(billing.charges(account.id(), dev.subdesk.shared.Page.Request.first(10)).data()).isEmpty();
	}
}
