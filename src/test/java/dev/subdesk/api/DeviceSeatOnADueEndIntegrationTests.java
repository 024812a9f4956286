package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.clock.TestClock;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A subscription's end is recorded by a job that runs once the clock has passed it, maybe a little later (API.md: a
 * job due at X runs once the clock is at or past X). In between, a new device takes no seat of it: it would get no
 * entitlement token, and the job would deactivate it at an instant before its registration. "The oldest with a free
 * seat" is then the next one; naming it is {@code 409 DEVICE_LIMIT_REACHED}, as for an ended one.
 */
class DeviceSeatOnADueEndIntegrationTests extends ApiIntegrationTest {

	@Autowired
	TestClock clock;

	@Autowired
	JdbcClient database;

	@Test
	void aNewDeviceTakesNoSeatOfASubscriptionWhoseScheduledEndHasComeBeforeItsJobRan() {
		String account = fixtures.accountWithVisa();
		String ending = fixtures.subscribe(account, "antivirus-monthly");
		assertThat(fixtures.cancel(ending, "END_OF_TERM").text("status")).isEqualTo("SCHEDULED");
		String live = fixtures.subscribe(account, "antivirus-annual");
		Instant end = Instant.parse(fixtures.subscription(ending).text("cancelAt"));
		// the end has come; the job that records it has not run yet
		clock.moveTo(end.plusSeconds(20));
		assertThat(fixtures.subscription(ending).text("status")).isEqualTo("ACTIVE");

		theEndingOneGivesNoSeat(account, ending, live);

		fixtures.advance("PT1M");
		assertThat(fixtures.subscription(ending).text("status")).isEqualTo("CANCELLED");
		noDeviceDeactivatedBeforeItWasRegistered(account);
	}

	@Test
	void aNewDeviceTakesNoSeatOfAPastDueSubscriptionWhoseLastRetryIsDueBeforeItsJobRan() {
		String account = fixtures.accountWithVisa();
		String ending = fixtures.subscribe(account, "antivirus-monthly");
		assertThat(api.patch("/subscriptions/" + ending,
				Map.of("paymentMethodId", fixtures.card(account, "tok_chargeDeclined"))).status()).isEqualTo(200);
		String live = fixtures.subscribe(account, "antivirus-annual");
		Instant periodEnd = Instant.parse(fixtures.subscription(ending).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(fixtures.now(), periodEnd).plusDays(4));
		assertThat(fixtures.subscription(ending).text("status")).isEqualTo("PAST_DUE");
		assertThat(device(account, null).text("subscriptionId")).as("PAST_DUE before its last retry: still seats")
			.isEqualTo(ending);
		// the last retry (five days after the failed renewal) is due; the job that expires it has not run yet
		clock.moveTo(periodEnd.plus(Duration.ofDays(5)).plusSeconds(20));
		assertThat(fixtures.subscription(ending).text("status")).isEqualTo("PAST_DUE");

		theEndingOneGivesNoSeat(account, ending, live);

		fixtures.advance("PT1M");
		assertThat(fixtures.subscription(ending).text("status")).isEqualTo("EXPIRED");
		noDeviceDeactivatedBeforeItWasRegistered(account);
	}

	private void theEndingOneGivesNoSeat(String account, String ending, String live) {
		Api.Response oldestFree = device(account, null);
		assertThat(oldestFree.status()).as(oldestFree.toString()).isEqualTo(201);
		assertThat(oldestFree.text("subscriptionId")).as("seated on the subscription that still covers").isEqualTo(live);
		Api.Response token = api.post("/devices/" + oldestFree.id() + "/entitlement-token", Map.of());
		assertThat(token.status()).as(token.toString()).isEqualTo(200);

		Api.Response named = device(account, ending);
		assertThat(named.status()).as(named.toString()).isEqualTo(409);
		assertThat(named.code()).isEqualTo("DEVICE_LIMIT_REACHED");
		assertThat(named.contentType()).startsWith("application/problem+json");
	}

	private void noDeviceDeactivatedBeforeItWasRegistered(String account) {
		assertThat(database.sql("SELECT count(*) FROM devices WHERE account_id = :a AND deactivated_at < created_at")
			.param("a", account)
			.query(Long.class)
			.single()).isZero();
	}

	private Api.Response device(String account, @Nullable String subscription) {
		Map<String, Object> body = new HashMap<>(Map.of("name", "Laptop", "platform", "LINUX"));
		if (subscription != null) {
			body.put("subscriptionId", subscription);
		}
		return api.post("/accounts/" + account + "/devices", body);
	}
}
