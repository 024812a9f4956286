package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.billing.Billing;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.GatewayHold;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * DESIGN invariant 11: a purchase's key voided while its payment was still on its way to the gateway (the sweep
 * looked it up after its grace, before the payment reached the gateway): the gateway's later answer to the purchase, that it took the money, is the later word, and the purchase is
 * recorded with its charge, not failed with its money given back; a payment that lands under a voided key after its
 * purchase gave up is given back.
 */
class PurchaseVoidedAtTheGatewayIntegrationTests extends ApiIntegrationTest {

	/** The advisory lock this test holds to keep a purchase's charge at the gateway. */
	private static final long HOLD = 727_323L;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	DataSource dataSource;

	@Autowired
	Billing billing;

	@Test
	void aPurchaseWhoseKeyTheSweepVoidedBeforeItsPaymentLandedIsRecordedWithItsCharge() throws Exception {
		String account = fixtures.accountWithVisa();
		var body = java.util.Map.of("accountId", account, "planCode", "antivirus-annual", "consent",
				fixtures.consent(account, "antivirus-annual", null));
		Api.Response purchase;
		String key;
		try (GatewayHold hold = new GatewayHold(jdbc, dataSource, "test_hold_purchase", HOLD, "purchase_")) {
			CompletableFuture<Api.Response> request = CompletableFuture.supplyAsync(() -> api.post("/subscriptions", body));
			hold.awaitHeld("the purchase reaches the gateway");
			key = jdbc.sql("SELECT gateway_key FROM purchase_attempts WHERE account_id = :a AND status = 'PENDING'")
				.param("a", account).query(String.class).single();
			// the request has been at the gateway longer than the sweep's grace (without advancing the shared clock)
			jdbc.sql("UPDATE purchase_attempts SET created_at = created_at - interval '2 minutes' WHERE gateway_key = :k")
				.param("k", key).update();
			billing.reconcilePending();
			assertThat(attemptStatus(key)).as("the sweep found nothing at the gateway yet").isEqualTo("VOID");
			hold.release();
			purchase = request.get(60, TimeUnit.SECONDS);
		}
		assertThat(ledgerToken(key)).as("the gateway took the purchase").contains("tok_visa");
		assertThat(purchase.status()).as(purchase.toString()).isEqualTo(201);
		assertThat(attemptStatus(key)).isEqualTo("COMPLETED");
		assertThat(ledgerToken("reverse_" + key)).as("nothing given back").isEmpty();
		assertThat(jdbc.sql("SELECT count(*) FROM charges WHERE gateway_key = :k AND status = 'SUCCEEDED'")
			.param("k", key).query(Long.class).single()).as("the charge is recorded").isEqualTo(1);
	}

	/**
	 * A purchase that gave up on the gateway (no answer in five attempts: 503, nothing created) while one of its calls
	 * was still on its way; the sweep found nothing under its key and voided it; then the call landed and the gateway
	 * took the money. The sweep looks recently voided keys up again and gives that money back.
	 */
	@Test
	void aPaymentThatLandsAfterTheSweepVoidedItsKeyIsGivenBack(@Autowired dev.subdesk.payments.PaymentGateway gateway) {
		String key = stalePurchaseAttempt();
		billing.reconcilePending();
		assertThat(attemptStatus(key)).as("nothing at the gateway under the key yet").isEqualTo("VOID");

		billing.reconcilePending();
		assertThat(attemptStatus(key)).as("looked up again only when due").isEqualTo("VOID");

		assertThat(gateway.charge("tok_visa", dev.subdesk.shared.Money.of(5999, "USD"), key))
			.as("the call on its way lands").isInstanceOf(dev.subdesk.payments.PaymentResult.Succeeded.class);
		fixtures.advance(Duration.ofMinutes(1)); // the run it makes due looks the key up again
		billing.reconcilePending();

		assertThat(attemptStatus(key)).isEqualTo("REVERSED");
		assertThat(ledgerToken("reverse_" + key)).as("the money went back").contains("tok_visa");
	}

	/**
	 * A voided key still unknown to the gateway is looked up again after as long as it has been void (1, 2, 4, 8
	 * minutes...), not at every run, and no more once subdesk.billing.void-recheck (a day) has passed.
	 */
	@Test
	void aVoidedKeyIsLookedUpAgainLessAndLessOftenAndNotAfterADay() {
		String key = stalePurchaseAttempt();
		billing.reconcilePending();
		java.time.Instant voidedAt = settledAt(key);
		assertThat(recheckAt(key)).as("first look-up again").contains(voidedAt.plus(Duration.ofMinutes(1)));

		fixtures.advance(Duration.ofMinutes(1));
		billing.reconcilePending();
		java.time.Instant second = recheckAt(key).orElseThrow();
		assertThat(Duration.between(voidedAt, second)).as("then after as long again as it has been void")
			.isBetween(Duration.ofMinutes(2), Duration.ofMinutes(3));

		// the look-up due once it has been void a day or more (at most two days: each waits as long as the void) is
		// the last
		fixtures.advance(Duration.ofDays(2));
		billing.reconcilePending();
		assertThat(recheckAt(key)).as("no look-up after a day").isEmpty();
		assertThat(attemptStatus(key)).isEqualTo("VOID");
	}

	/** What chargePurchase records before its calls, as if sent longer ago than the sweep's grace; its key. */
	private String stalePurchaseAttempt() {
		String account = fixtures.accountWithVisa();
		String method = api.get("/accounts/" + account + "/payment-methods").json().path("data").get(0).path("id")
			.asString();
		String key = "purchase_sub_" + UUID.randomUUID().toString().replace("-", "");
		jdbc.sql("""
				INSERT INTO purchase_attempts (gateway_key, account_id, subscription_id, payment_method_id, amount, currency,
				                               status, created_at)
				VALUES (:key, :account, :sub, :pm, 5999, 'USD', 'PENDING', :at)""")
			.param("key", key).param("account", account).param("sub", key.substring("purchase_".length()))
			.param("pm", method).param("at", java.sql.Timestamp.from(fixtures.now().minus(Duration.ofMinutes(2))))
			.update();
		return key;
	}

	private Optional<java.time.Instant> recheckAt(String key) {
		return jdbc.sql("SELECT recheck_at FROM purchase_attempts WHERE gateway_key = :k").param("k", key)
			.query((rs, n) -> Optional.ofNullable(rs.getTimestamp(1)).map(java.sql.Timestamp::toInstant)).single();
	}

	private java.time.Instant settledAt(String key) {
		return jdbc.sql("SELECT settled_at FROM purchase_attempts WHERE gateway_key = :k").param("k", key)
			.query(java.sql.Timestamp.class).single().toInstant();
	}

	private Optional<String> ledgerToken(String key) {
		return jdbc.sql("SELECT gateway_token FROM sandbox_gateway_payments WHERE idempotency_key = :k").param("k", key)
			.query(String.class).optional();
	}

	private String attemptStatus(String key) {
		return jdbc.sql("SELECT status FROM purchase_attempts WHERE gateway_key = :k").param("k", key).query(String.class).single();
	}
}
