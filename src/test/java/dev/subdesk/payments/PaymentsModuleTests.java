package dev.subdesk.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.shared.Money;
import dev.subdesk.testing.ModuleTest;
import java.sql.Connection;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The sandbox gateway boots with the clock alone: the contract's test cards charge or decline, and a call repeated
 * with its idempotency key answers what the first did without moving money again.
 */
@ModuleTest(extraIncludes = "clock")
class PaymentsModuleTests {

	@Autowired
	PaymentGateway gateway;

	@Test
	void testCardsChargeOrDeclineAndARepeatedKeyNeverMovesMoneyTwice() {
		assertThat(gateway.describe("tok_visa")).isPresent();
		assertThat(gateway.describe("tok_unknown")).isEmpty();

		String key = "module_" + UUID.randomUUID();
		Money amount = Money.of(5999, "USD");
		PaymentResult first = gateway.charge("tok_visa", amount, key);
		assertThat(first).isInstanceOf(PaymentResult.Succeeded.class);
		assertThat(gateway.charge("tok_visa", amount, key)).isEqualTo(first);
		assertThat(gateway.lookup(key)).contains(first);

		assertThat(gateway.charge("tok_chargeDeclined", amount, "module_" + UUID.randomUUID()))
			.isEqualTo(new PaymentResult.Declined("card_declined"));
		assertThat(gateway.lookup("module_never_" + UUID.randomUUID())).isEmpty();

		List<PaymentResult> batch = gateway.chargeAll(List.of(
				new PaymentGateway.ChargeRequest("tok_mastercard", amount, "module_" + UUID.randomUUID()),
				new PaymentGateway.ChargeRequest("tok_chargeDeclined", amount, "module_" + UUID.randomUUID())));
		assertThat(batch.get(0)).isInstanceOf(PaymentResult.Succeeded.class);
		assertThat(batch.get(1)).isInstanceOf(PaymentResult.Declined.class);

		String refundKey = "module_refund_" + UUID.randomUUID();
		PaymentResult refund = gateway.refund("tok_visa", Money.of(1000, "USD"), refundKey);
		assertThat(refund).isInstanceOf(PaymentResult.Succeeded.class);
		assertThat(gateway.refund("tok_visa", Money.of(1000, "USD"), refundKey)).isEqualTo(refund);
	}

	@Autowired
	org.springframework.transaction.support.TransactionTemplate transactions;

	/**
	 * DESIGN invariant 11, enforced: every call of the gateway made inside a database transaction (read-only ones too)
	 * fails at once, before the gateway is reached, so a caller that would hold row locks across it fails its tests.
	 */
	@Test
	void everyCallOfTheGatewayInsideATransactionFailsBeforeReachingIt() {
		String key = "module_intx_" + UUID.randomUUID();
		Money amount = Money.of(999, "USD");
		List<java.util.function.Consumer<PaymentGateway>> calls = List.of(
				g -> g.describe("tok_visa"),
				g -> g.charge("tok_visa", amount, key),
				g -> g.chargeAll(List.of(new PaymentGateway.ChargeRequest("tok_visa", amount, key))),
				g -> g.refund("tok_visa", amount, key),
				g -> g.lookup(key));
		for (int i = 0; i < calls.size(); i++) {
			java.util.function.Consumer<PaymentGateway> call = calls.get(i);
			assertThatThrownBy(() -> transactions.executeWithoutResult(tx -> call.accept(gateway)))
				.as("call %d", i)
				.isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("never called inside a database transaction");
			org.springframework.transaction.support.TransactionTemplate readOnly =
					new org.springframework.transaction.support.TransactionTemplate(transactions.getTransactionManager());
			readOnly.setReadOnly(true);
			assertThatThrownBy(() -> readOnly.executeWithoutResult(tx -> call.accept(gateway)))
				.as("call %d, read-only", i)
				.isInstanceOf(IllegalStateException.class);
		}
		assertThat(gateway.lookup(key)).as("no money moved").isEmpty();
		// outside a transaction, and inside one suspended for the call, the gateway is reached
		assertThat(gateway.describe("tok_visa")).isPresent();
		org.springframework.transaction.support.TransactionTemplate suspended =
				new org.springframework.transaction.support.TransactionTemplate(transactions.getTransactionManager());
		suspended.setPropagationBehavior(org.springframework.transaction.TransactionDefinition.PROPAGATION_NOT_SUPPORTED);
		Optional<CardDetails> described = transactions.execute(outer -> suspended.execute(tx -> gateway.describe("tok_visa")));
		assertThat(described).isPresent();
	}

	@Autowired
	DataSource dataSource;

	@Test
	void aRefundsLedgerRowCommitsWithoutWaitingForTheDiskAndLeavesTheConnectionAsItWas() throws Exception {
		try (Connection connection = dataSource.getConnection()) {
			SingleConnectionDataSource one = new SingleConnectionDataSource(connection, true);
			JdbcClient jdbc = JdbcClient.create(one);
			SandboxGateway sandbox = new SandboxGateway(jdbc, Clock.systemUTC(), new DataSourceTransactionManager(one));
			String before = jdbc.sql("SHOW synchronous_commit").query(String.class).single();

			String key = "module_refund_" + UUID.randomUUID();
			assertThat(sandbox.refund("tok_visa", Money.of(1000, "USD"), key)).isInstanceOf(PaymentResult.Succeeded.class);

			assertThat(before).isEqualTo("on");
			assertThat(jdbc.sql("SHOW synchronous_commit").query(String.class).single())
				.as("the setting was the refund's own transaction's").isEqualTo(before);
			assertThat(connection.getAutoCommit()).isTrue();
			assertThat(gateway.lookup(key)).as("committed, seen from another connection")
				.contains(new PaymentResult.Succeeded("sbx_" + key));
		}
	}
}
