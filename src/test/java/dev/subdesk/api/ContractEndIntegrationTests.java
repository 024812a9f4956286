package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every path that ends a contract records when it ended ({@code subscriptions.ended_at}, R-US-2's "1 year after the
 * contract ends"): the instant the end took effect by the server's clock, as its records are stamped (a scheduled end
 * and a lapse with the instant their job was due), and nothing while the contract runs.
 */
class ContractEndIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	private Optional<Instant> endedAt(String subscriptionId) {
		return jdbc.sql("SELECT ended_at FROM subscriptions WHERE id = :id")
			.param("id", subscriptionId)
			.query((rs, n) -> Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant))
			.single();
	}

	@Test
	void anImmediateCancellationEndsTheContractAndItsAddOnsAtTheClocksNow() {
		String account = fixtures.accountWithVisa();
		String base = fixtures.subscribe(account, "antivirus-monthly");
		String addOn = fixtures.addOn(account, "vpn-addon-monthly", base);
		assertThat(endedAt(base)).as("a running contract has not ended").isEmpty();

		Api.Response cancelled = fixtures.cancel(base, "IMMEDIATE");
		assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
		Instant effective = Instant.parse(fixtures.subscription(base).text("cancelledAt"));
		assertThat(effective).isBeforeOrEqualTo(fixtures.now());

		assertThat(endedAt(base)).contains(effective);
		assertThat(endedAt(addOn)).contains(effective);
	}

	@Test
	void aScheduledEndEndsTheContractAtThePeriodEndItWasScheduledFor() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		Instant periodEnd = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));
		assertThat(fixtures.cancel(sub, "END_OF_TERM").status()).isEqualTo(200);
		assertThat(endedAt(sub)).as("scheduled, not ended yet").isEmpty();

		fixtures.advance(Duration.between(fixtures.now(), periodEnd).plusHours(2));

		assertThat(fixtures.subscription(sub).text("status")).isEqualTo("CANCELLED");
		assertThat(endedAt(sub)).contains(periodEnd);
	}

	@Test
	void aLapseAfterTheLastDeclinedRetryEndsTheContractAndItsAddOnsAtThatRetry() {
		String account = fixtures.accountWithVisa();
		String base = fixtures.subscribe(account, "antivirus-monthly");
		String addOn = fixtures.addOn(account, "vpn-addon-monthly", base);
		String declining = fixtures.card(account, "tok_chargeDeclined");
		api.patch("/subscriptions/" + base, Map.of("paymentMethodId", declining));
		Instant end = Instant.parse(fixtures.subscription(base).text("currentPeriodEnd"));

		fixtures.advance(Duration.between(fixtures.now(), end).plusHours(12));
		assertThat(fixtures.subscription(base).text("status")).isEqualTo("PAST_DUE");
		assertThat(endedAt(base)).as("past due is not ended").isEmpty();

		fixtures.advance("P6D");
		assertThat(fixtures.subscription(base).text("status")).isEqualTo("EXPIRED");
		Instant lastRetry = end.plus(Duration.ofDays(5));
		assertThat(endedAt(base)).contains(lastRetry);
		assertThat(endedAt(addOn)).contains(lastRetry);
	}

	@Test
	void closingTheAccountEndsItsContractsAtTheClocksNow() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		Instant before = fixtures.now();

		Api.Response closed = api.post("/accounts/" + account + "/close", Map.of());
		assertThat(closed.status()).as(closed.toString()).isEqualTo(200);

		assertThat(endedAt(sub)).hasValueSatisfying(at -> assertThat(at).isBetween(before, fixtures.now()))
			.contains(Instant.parse(fixtures.subscription(sub).text("cancelledAt")));
	}


	/** The database refuses an end that does not say when, and a running contract that says it ended (V441). */
	@Test
	void anEndWithoutItsInstantOrALiveContractWithOneIsRefused() {
		String account = fixtures.accountWithVisa();
		String live = fixtures.subscribe(account, "antivirus-monthly");
		assertThatThrownBy(() -> jdbc.sql("UPDATE subscriptions SET status = 'EXPIRED' WHERE id = :id").param("id", live)
			.update()).isInstanceOf(DataIntegrityViolationException.class).hasMessageContaining("subscriptions_ended_at_check");
		assertThatThrownBy(() -> jdbc.sql("UPDATE subscriptions SET ended_at = now() WHERE id = :id").param("id", live)
			.update()).isInstanceOf(DataIntegrityViolationException.class).hasMessageContaining("subscriptions_ended_at_check");
		assertThat(fixtures.subscription(live).text("status")).isEqualTo("ACTIVE");
		assertThat(endedAt(live)).isEmpty();
	}

	/**
	 * V403 (and V440, its repetition for what nodes of the release before it ended meanwhile) fills in the end of the
	 * subscriptions that ended before it: a cancelled one's {@code cancelled_at}; an
	 * expired one billed here, its last declined retry (5 days after the period it was not paid for, or its base's
	 * when the base expired with it); a store's, the end of its last period, never later than now. Run here against
	 * copies of real rows in a temporary table of the same name (which hides the real one in this transaction), rolled
	 * back.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "V403__subscriptions_ended_at_backfill.sql", "V440__subscriptions_ended_at_backfill_again.sql" })
	void theBackfillTakesTheBestInstantThereIsForEachSubscriptionThatEndedBeforeIt(String migration,
			@Autowired PlatformTransactionManager txManager) throws Exception {
		String account = fixtures.accountWithVisa();
		String cancelled = fixtures.subscribe(account, "antivirus-monthly");
		assertThat(fixtures.cancel(cancelled, "IMMEDIATE").status()).isEqualTo(200);
		Instant cancelledAt = Instant.parse(fixtures.subscription(cancelled).text("cancelledAt"));
		String lapsed = fixtures.subscribe(account, "antivirus-monthly");
		String base = fixtures.subscribe(account, "antivirus-monthly");
		String addOn = fixtures.addOn(account, "vpn-addon-monthly", base);
		String storeEnded = fixtures.subscribe(account, "antivirus-monthly");
		String storeEarly = fixtures.subscribe(account, "antivirus-monthly");
		String live = fixtures.subscribe(account, "antivirus-monthly");
		// the migration runs by the database's clock, which the test clock may be ahead of
		Instant now = jdbc.sql("SELECT now()").query(Timestamp.class).single().toInstant();
		Instant unpaid = now.minus(Duration.ofDays(40));
		String script = new org.springframework.core.io.ClassPathResource(
				"db/migration/" + migration)
			.getContentAsString(java.nio.charset.StandardCharsets.UTF_8);

		Map<String, Optional<Instant>> backfilled = new HashMap<>();
		new TransactionTemplate(txManager).executeWithoutResult(tx -> {
			tx.setRollbackOnly();
			jdbc.sql("CREATE TEMPORARY TABLE subscriptions (LIKE public.subscriptions INCLUDING DEFAULTS) ON COMMIT DROP")
				.update();
			jdbc.sql("INSERT INTO pg_temp.subscriptions SELECT * FROM public.subscriptions WHERE account_id = :a")
				.param("a", account)
				.update();
			jdbc.sql("UPDATE pg_temp.subscriptions SET ended_at = NULL").update();
			expired(lapsed, "DIRECT", unpaid);
			expired(base, "DIRECT", unpaid);
			expired(addOn, "DIRECT", unpaid.minus(Duration.ofDays(10)));
			expired(storeEnded, "APP_STORE", unpaid);
			expired(storeEarly, "GOOGLE_PLAY", now.plus(Duration.ofDays(20)));
			jdbc.sql(script).update();
			for (String id : new String[] { cancelled, lapsed, base, addOn, storeEnded, storeEarly, live }) {
				backfilled.put(id, jdbc.sql("SELECT ended_at FROM pg_temp.subscriptions WHERE id = :id")
					.param("id", id)
					.query((rs, n) -> Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant))
					.single());
			}
		});

		assertThat(backfilled.get(cancelled)).as("cancelled: when it took effect").contains(cancelledAt);
		Instant lastRetry = unpaid.plus(Duration.ofDays(5));
		assertThat(backfilled.get(lapsed)).as("lapsed: its last declined retry").contains(lastRetry);
		assertThat(backfilled.get(base)).contains(lastRetry);
		assertThat(backfilled.get(addOn)).as("an add-on expired with its base: the base's last retry")
			.contains(lastRetry);
		assertThat(backfilled.get(storeEnded)).as("a store's: its last period's end").contains(unpaid);
		assertThat(backfilled.get(storeEarly)).as("never later than the migration")
			.hasValueSatisfying(at -> assertThat(at).isBetween(now, now.plusSeconds(60)));
		assertThat(backfilled.get(live)).as("a live one has not ended").isEmpty();
		assertThat(endedAt(lapsed)).as("the real table is untouched").isEmpty();
	}

	/** Makes the temporary copy of a subscription EXPIRED, not paid for the period that ended {@code periodEnd}. */
	private void expired(String id, String channel, Instant periodEnd) {
		jdbc.sql("""
				UPDATE pg_temp.subscriptions SET status = 'EXPIRED', channel = :channel, auto_renew = false,
				    current_period_end = :end, cancel_at = NULL, cancelled_at = NULL WHERE id = :id""")
			.param("channel", channel)
			.param("end", Timestamp.from(periodEnd))
			.param("id", id)
			.update();
	}
}
