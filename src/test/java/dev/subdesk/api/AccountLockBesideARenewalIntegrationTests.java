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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Work on an account's subscriptions locks the account's row and then the subscription's. A renewal being recorded
 * does it the other way round without locking the account: it moves the subscription to its next period (holding its
 * row) and then inserts the charge, whose foreign key key-shares the account. The account is therefore locked
 * {@code FOR NO KEY UPDATE}, which orders the account's own work as before but lets that insert through: with
 * {@code FOR UPDATE} the two deadlocked, and PostgreSQL aborted one of them (a 500 for the customer, or the renewal
 * batch's recording). A transaction doing what the renewal engine's recording does plays the renewal here, for each
 * kind of work that starts with the account's lock.
 */
class AccountLockBesideARenewalIntegrationTests extends ApiIntegrationTest {

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

	@ParameterizedTest
	@ValueSource(strings = { "cancel now", "cancel at the end of the term", "cancel all", "close the account",
			"turn auto-renewal off" })
	void workThatLocksTheAccountFirstWaitsForTheRenewalAndThenGoesThrough(String work) throws Exception {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		BiFunction<String, String, Api.Response> request = switch (work) {
			case "cancel now" -> (a, s) -> fixtures.cancel(s, "IMMEDIATE");
			case "cancel at the end of the term" -> (a, s) -> fixtures.cancel(s, "END_OF_TERM");
			case "cancel all" -> (a, s) -> api.post("/accounts/" + a + "/cancel-all", Map.of("mode", "IMMEDIATE"));
			case "close the account" -> (a, s) -> api.post("/accounts/" + a + "/close", Map.of());
			case "turn auto-renewal off" -> (a, s) -> api.patch("/subscriptions/" + s, Map.of("autoRenew", false));
			default -> throw new IllegalArgumentException(work);
		};
		CompletableFuture<Api.Response> answer;
		try (Connection renewal = dataSource.getConnection()) {
			renewal.setAutoCommit(false);
			int renewalPid;
			try (var pid = renewal.createStatement().executeQuery("SELECT pg_backend_pid()")) {
				pid.next();
				renewalPid = pid.getInt(1);
			}
			try (PreparedStatement move = renewal.prepareStatement("""
					UPDATE subscriptions SET period_index = period_index + 1, current_period_start = current_period_end,
					    current_period_end = current_period_end + (current_period_end - current_period_start),
					    next_attempt_at = current_period_end + (current_period_end - current_period_start),
					    version = version + 1
					WHERE id = ?""");
					PreparedStatement record = renewal.prepareStatement("""
							INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start,
							                     period_end, payment_method_id, gateway_key, created_at, origin)
							SELECT 'ch_RENEWAL' || substr(md5(random()::text), 1, 12), account_id, subscription_id, amount,
							       currency, 'SUCCEEDED', period_end, period_end + (period_end - period_start),
							       payment_method_id, 'renewal_' || id, created_at + interval '1 second', 'RENEWAL'
							FROM charges WHERE subscription_id = ?""")) {
				move.setString(1, sub);
				assertThat(move.executeUpdate()).isEqualTo(1);
				answer = CompletableFuture.supplyAsync(() -> request.apply(account, sub),
						caller);
				await(work + " waits for the subscription").atMost(Duration.ofSeconds(20))
					.until(() -> blockedBy(renewalPid) > 0 || answer.isDone());
				assertThat(answer).as(work + " waits while the renewal holds the subscription").isNotDone();
				// the charge inserted only now, with the work holding the account and waiting for the subscription
				record.setString(1, sub);
				assertThat(record.executeUpdate()).as("the renewal's charge").isEqualTo(1);
			}
			renewal.commit();
		}
		Api.Response done = answer.get(30, TimeUnit.SECONDS);
		assertThat(done.status()).as(done.raw()).isEqualTo(200);
		assertThat(jdbc.sql("SELECT count(*) FROM charges WHERE subscription_id = :s AND origin = 'RENEWAL'")
			.param("s", sub).query(Long.class).single()).as("the renewal's charge committed").isEqualTo(1);
	}

	/** How many sessions wait for a lock that the session {@code pid} holds. */
	private long blockedBy(int pid) {
		return jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY (pg_blocking_pids(pid))")
			.param("pid", pid).query(Long.class).single();
	}
}
