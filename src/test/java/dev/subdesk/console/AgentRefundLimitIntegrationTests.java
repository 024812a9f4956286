package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.support.AgentRefunds;
import dev.subdesk.testing.ApiIntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The agent's refund limit is the support module's rule, not the console's: {@link AgentRefunds} refuses an amount
 * above what the written policy gives back, and any refund once the policy gives nothing, whoever calls it.
 */
class AgentRefundLimitIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AgentRefunds refunds;

	@Autowired
	Billing billing;

	@Autowired
	org.springframework.jdbc.core.simple.JdbcClient jdbc;

	@Autowired
	javax.sql.DataSource dataSource;

	private Callers callers;

	@BeforeEach
	void callers() {
		callers = new Callers(api);
	}

	@Test
	void anAgentRefundsAtMostWhatThePolicyGivesBack() {
		Callers.Caller caller = callers.withVpn("10115");
		Charge charge = billing.charge(callers.firstCharge(caller.account()).path("id").asString()).orElseThrow();
		long limit = refunds.limit(charge).amount();
		assertThat(limit).isPositive();

		assertThatThrownBy(() -> refunds.refund(charge, limit + 1)).isInstanceOfSatisfying(SubdeskException.class,
				e -> assertThat(e.status()).isEqualTo(400));
		assertThatThrownBy(() -> refunds.refund(charge, 0)).isInstanceOf(SubdeskException.class);
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isZero();

		assertThat(refunds.refund(charge, 1000).amount()).isEqualTo(1000);
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(1000);
	}

	/** V265: the reasons, events and notices stored before it lose the console username they named. */
	@Test
	void reasonsStoredBeforeNamedTheStaffUserAndLoseTheName() throws Exception {
		Callers.Caller caller = callers.withVpn("10115");
		Charge charge = billing.charge(callers.firstCharge(caller.account()).path("id").asString()).orElseThrow();
		String refund = refunds.refund(charge, 500).id();
		String second = refunds.refund(charge, 200).id();
		for (String[] old : new String[][] { { refund, "Refund under the policy, by agent alice" },
				{ second, "Goodwill refund rfa_0001, approved by bob.supervisor" } }) {
			jdbc.sql("UPDATE refunds SET reason = :old WHERE id = :id").param("old", old[1]).param("id", old[0]).update();
			jdbc.sql("""
					UPDATE domain_event SET data = CAST(jsonb_set(CAST(data AS jsonb), '{reason}', to_jsonb(CAST(:old AS text))) AS json)
					WHERE type = 'refund.issued' AND data->>'id' = :id""").param("old", old[1]).param("id", old[0]).update();
			jdbc.sql("UPDATE notices SET body = 'Amount: $5.00\nReason: ' || :old || '\nThanks' WHERE related_id = :id")
				.param("old", old[1]).param("id", old[0]).update();
		}

		jdbc.sql(new org.springframework.core.io.ClassPathResource("db/migration/V265__refund_reasons_without_usernames.sql")
			.getContentAsString(java.nio.charset.StandardCharsets.UTF_8)).update();

		java.util.List<String> stored = jdbc.sql("""
				SELECT reason FROM refunds WHERE id IN (:ids)
				UNION ALL SELECT data->>'reason' FROM domain_event WHERE type = 'refund.issued' AND data->>'id' IN (:ids)
				UNION ALL SELECT body FROM notices WHERE related_id IN (:ids)""")
			.param("ids", java.util.List.of(refund, second)).query(String.class).list();
		assertThat(stored).as("two refunds, their events and notices").hasSize(6)
			.noneMatch(text -> text.contains("alice") || text.contains("bob"))
			.anyMatch(text -> text.contains("Refund under the policy, by an Acme support agent"))
			.anyMatch(text -> text.contains("Goodwill refund rfa_0001, approved by an Acme support supervisor"));
	}

	/**
	 * The limit is decided in the refund's own transaction, under the locks of the account and then the subscription:
	 * a renewal charge whose recording is under way (its transaction holds the subscription's row, as the renewal
	 * engine's move to the next period does, and commits the new charge with it) is waited for, and once it has
	 * committed the older charge is no longer the one the money-back window counts from: the policy gives nothing back
	 * on it, and the refund is refused. Before, the limit was read first, without a lock, and the refund went through.
	 */
	@Test
	void aRenewalChargeRecordedWhileTheRefundIsDecidedLeavesNothingToRefundOnTheOlderCharge() throws Exception {
		Callers.Caller caller = callers.withVpn("10115");
		Charge charge = billing.charge(callers.firstCharge(caller.account()).path("id").asString()).orElseThrow();
		assertThat(refunds.limit(charge).positive()).as("the agent's quote").isTrue();
		java.util.concurrent.ExecutorService agent = java.util.concurrent.Executors.newSingleThreadExecutor();
		java.util.concurrent.Future<?> refunding;
		try (java.sql.Connection renewal = dataSource.getConnection()) {
			renewal.setAutoCommit(false);
			// the renewal engine's recording transaction: the subscription moved to its next period, and its charge
			try (java.sql.PreparedStatement move = renewal.prepareStatement("""
					UPDATE subscriptions SET period_index = period_index + 1, current_period_start = current_period_end,
					    current_period_end = current_period_end + (current_period_end - current_period_start),
					    next_attempt_at = current_period_end + (current_period_end - current_period_start),
					    version = version + 1
					WHERE id = ?""");
					java.sql.PreparedStatement record = renewal.prepareStatement("""
							INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start,
							                     period_end, payment_method_id, gateway_key, created_at, origin)
							SELECT 'ch_RENEWAL' || substr(md5(random()::text), 1, 12), account_id, subscription_id, amount,
							       currency, 'SUCCEEDED', period_end, period_end + (period_end - period_start),
							       payment_method_id, 'renewal_' || id, created_at + interval '1 second', 'RENEWAL'
							FROM charges WHERE id = ?""")) {
				move.setString(1, caller.subscription());
				assertThat(move.executeUpdate()).isEqualTo(1);
				refunding = agent.submit(() -> refunds.refund(charge, 1000));
				org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
					.until(() -> refunding.isDone() || waitingForALock() > 0);
				// the charge inserted only now, with the refund holding the account and waiting for the subscription:
				// its foreign key key-shares the account, which a full lock of the account would hold off (a deadlock)
				record.setString(1, charge.id());
				assertThat(record.executeUpdate()).isEqualTo(1);
			}
			renewal.commit();
		}
		finally {
			agent.shutdown();
		}
		assertThatThrownBy(() -> refunding.get(20, java.util.concurrent.TimeUnit.SECONDS))
			.as("the refund decided after the renewal charge").hasCauseInstanceOf(SubdeskException.class)
			.cause().satisfies(e -> assertThat(((SubdeskException) e).code()).isEqualTo("NOTHING_TO_REFUND"));
		assertThat(billing.charge(charge.id()).orElseThrow().refundedAmount()).isZero();
	}

	private long waitingForALock() {
		return jdbc.sql("""
				SELECT count(*) FROM pg_stat_activity
				WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%' AND pid <> pg_backend_pid()
				""").query(Long.class).single();
	}

	@Test
	void nothingOnceThePolicyGivesNothingBack() {
		Callers.Caller caller = callers.withVpn("10115");
		fixtures.advance("P61D"); // the 60-day money-back window has closed
		Charge charge = billing.charge(callers.firstCharge(caller.account()).path("id").asString()).orElseThrow();

		assertThat(refunds.limit(charge).positive()).isFalse();
		assertThatThrownBy(() -> refunds.refund(charge, 100)).isInstanceOfSatisfying(SubdeskException.class,
				e -> assertThat(e.code()).isEqualTo("NOTHING_TO_REFUND"));
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isZero();
	}
}
