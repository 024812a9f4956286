package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code PATCH /subscriptions/{id}} takes the account's row before the subscription's, like every other change of an
 * account's subscriptions (cancel, close, devices, removing a card). Taken the other way round, a PATCH with both
 * fields and a concurrent cancellation deadlocked (one of them a 500), and a card removed meanwhile could be left on
 * the subscription. A transaction holding the account's row plays the other request here.
 */
class PatchLocksTheAccountFirstIntegrationTests extends ApiIntegrationTest {

	@Autowired
	DataSource dataSource;

	@Autowired
	JdbcClient jdbc;

	private final ExecutorService caller = Executors.newSingleThreadExecutor();

	@AfterEach
	void stopCaller() throws InterruptedException {
		caller.shutdownNow();
		caller.awaitTermination(30, TimeUnit.SECONDS);
	}

	@Test
	void aPatchWithBothFieldsWaitsForTheAccountWithoutHoldingTheSubscription() throws Exception {
		patchWhileTheAccountIsHeld(Map.of("paymentMethodId", "%s", "autoRenew", false));
	}

	@Test
	void aCardChangeWaitsForTheAccountToo() throws Exception {
		patchWhileTheAccountIsHeld(Map.of("paymentMethodId", "%s"));
	}

	private void patchWhileTheAccountIsHeld(Map<String, Object> template) throws Exception {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		String other = fixtures.card(account, "tok_mastercard");
		Map<String, Object> body = new java.util.HashMap<>(template);
		body.put("paymentMethodId", other);
		try (Connection holder = dataSource.getConnection()) {
			holder.setAutoCommit(false);
			try (PreparedStatement lock = holder.prepareStatement("SELECT id FROM accounts WHERE id = ? FOR UPDATE")) {
				lock.setString(1, account);
				lock.executeQuery().close();
			}
			long waitingBefore = waiting();
			CompletableFuture<Api.Response> patched = CompletableFuture.supplyAsync(() -> api.patch("/subscriptions/" + sub, body),
					caller);
			await("the PATCH waits for the account").atMost(Duration.ofSeconds(20))
				.until(() -> waiting() > waitingBefore || patched.isDone());
			assertThat(patched).as("the PATCH waits while the account is held").isNotDone();
			try (PreparedStatement subscription = holder.prepareStatement(
					"SELECT id FROM subscriptions WHERE id = ? FOR UPDATE NOWAIT")) {
				subscription.setString(1, sub);
				subscription.executeQuery().close();
			}
			catch (SQLException e) {
				throw new AssertionError("the waiting PATCH holds the subscription's row: " + e.getMessage(), e);
			}
			holder.commit();
			Api.Response answer = patched.get(30, TimeUnit.SECONDS);
			assertThat(answer.status()).as(answer.raw()).isEqualTo(200);
			assertThat(answer.text("paymentMethodId")).isEqualTo(other);
		}
	}

	private long waiting() {
		return jdbc.sql("SELECT count(*) FROM pg_locks WHERE NOT granted").query(Long.class).single();
	}
}
