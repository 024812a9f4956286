package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

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

}
