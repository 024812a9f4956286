package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A subscription can end without its account's lock (the store reports its end, dunning expires it). A device
 * registered at that moment must not stay ACTIVE on the ended subscription: registration locks the seat's
 * subscription and reads it again, so the end is either seen (no seat) or waited for (and deactivates the device).
 */
class DeviceSeatRaceIntegrationTests extends ApiIntegrationTest {

	@Autowired
	DataSource dataSource;

	@Autowired
	JdbcClient jdbc;

	@Test
	void aDeviceRegisteredWhileItsOnlySubscriptionEndsGetsNoSeatOnIt() throws Exception {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");

		Api.Response answer;
		try (Connection ending = dataSource.getConnection()) {
			ending.setAutoCommit(false);
			// another transaction ends the subscription, holding its row, without the account's lock
			try (PreparedStatement end = ending.prepareStatement(
					"UPDATE subscriptions SET status = 'EXPIRED', ended_at = current_period_end WHERE id = ?")) {
				end.setString(1, subscription);
				assertThat(end.executeUpdate()).isEqualTo(1);
			}
			CompletableFuture<Api.Response> registering = CompletableFuture.supplyAsync(() -> api
				.post("/accounts/" + account + "/devices", Map.of("name", "Laptop", "platform", "WINDOWS")));
			await().atMost(Duration.ofSeconds(20))
				.until(() -> registering.isDone() || aRequestWaitsToLockASubscription());
			ending.commit();
			answer = registering.get();
		}

		assertThat(answer.status()).as(answer.toString()).isEqualTo(409);
		assertThat(answer.code()).isEqualTo("DEVICE_LIMIT_REACHED");
		assertThat(jdbc.sql("SELECT count(*) FROM devices WHERE subscription_id = :s AND status = 'ACTIVE'")
			.param("s", subscription)
			.query(Long.class)
			.single()).as("no ACTIVE device on an ended subscription").isZero();
	}

	@Test
	void aDeviceRemovedWhileItsSubscriptionsEndDeactivatesItRecordsOneDeactivationNotTwo() throws Exception {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		Api.Response registered = api.post("/accounts/" + account + "/devices",
				Map.of("name", "Laptop", "platform", "WINDOWS", "subscriptionId", subscription));
		assertThat(registered.status()).as(registered.toString()).isEqualTo(201);
		String device = registered.id();

		Api.Response answer;
		try (Connection ending = dataSource.getConnection()) {
			ending.setAutoCommit(false);
			// the subscription's end deactivates the device (recording its device.deactivated) in another transaction,
			// without the account's lock
			try (PreparedStatement end = ending.prepareStatement(
					"UPDATE devices SET status = 'DEACTIVATED', deactivated_at = now() WHERE id = ?")) {
				end.setString(1, device);
				assertThat(end.executeUpdate()).isEqualTo(1);
			}
			CompletableFuture<Api.Response> removing = CompletableFuture
				.supplyAsync(() -> api.delete("/accounts/" + account + "/devices/" + device));
			await().atMost(Duration.ofSeconds(20)).until(() -> removing.isDone() || aRequestWaitsOnADevice());
			ending.commit();
			answer = removing.get();
		}

		assertThat(answer.status()).as(answer.toString()).isEqualTo(204);
		assertThat(jdbc.sql("SELECT count(*) FROM domain_event WHERE type = 'device.deactivated' AND data->>'id' = :d")
			.param("d", device)
			.query(Long.class)
			.single()).as("the removal finds the device already deactivated: the end's event is the only one").isZero();
	}

	/** Whether a backend of this database waits for a lock on a device's row. */
	private boolean aRequestWaitsOnADevice() {
		return jdbc.sql("""
				SELECT count(*) FROM pg_stat_activity
				WHERE wait_event_type = 'Lock' AND query LIKE '%devices%' AND pid <> pg_backend_pid()
				""").query(Long.class).single() > 0;
	}

	/** Whether a backend of this database waits for a lock while locking a subscription's row. */
	private boolean aRequestWaitsToLockASubscription() {
		return jdbc.sql("""
				SELECT count(*) FROM pg_stat_activity
				WHERE wait_event_type = 'Lock' AND query LIKE '%FROM subscriptions WHERE id = %FOR UPDATE%'
				""").query(Long.class).single() > 0;
	}
}
