package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.accounts.Account;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A public form or a sign-in code that arrives while the account's closure is under way waits for it and then finds
 * the account closed: nothing it would file under the account, or mail to its address, outlives the erasure
 * (invariant 14). The closure is played here by a transaction that holds the account's row, as the closure does, and
 * commits the closed, erased account.
 */
@SubdeskIntegrationTest
class ClosureUnderWayIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	DataSource dataSource;

	private final String name = "Orla Penhallow " + UUID.randomUUID().toString().substring(0, 8);

	@Test
	void aCancellationFormThatWouldOpenACaseOnAClosingAccountOpensNone() throws Exception {
		Customer customer = customerWith("antivirus-annual");
		Map<String, String> form = new HashMap<>(Map.of("kind", "ORDINARY", "name", name, "email",
				"someone.else." + UUID.randomUUID().toString().substring(0, 8) + "@example.com", "orderNumber",
				customer.orderNumber(), "timing", "EARLIEST", "confirmationEmail", customer.email()));

		int status = whileClosing(customer.account(), () -> {
			PortalSession session = new PortalSession(port);
			session.get("/cancel");
			return session.post("/cancel", form).status();
		});

		assertThat(status).isEqualTo(302);
		assertThat(jdbc.sql("SELECT count(*) FROM support_cases WHERE account_id = :a").param("a", customer.account())
			.query(Long.class).single()).as("no case filed under the erased account").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM public_cancellation_requests WHERE name = :n AND account_id IS NOT NULL")
			.param("n", name).query(Long.class).single()).as("nor the request").isZero();
	}

	@Test
	void aSignInCodeAskedForAClosingAccountIsNeitherStoredForItNorMailed() throws Exception {
		Customer customer = customerWith("antivirus-annual");

		int status = whileClosing(customer.account(), () -> {
			PortalSession session = new PortalSession(port);
			session.get("/portal/sign-in");
			return session.post("/portal/sign-in", Map.of("email", customer.email())).status();
		});

		assertThat(status).isLessThan(500);
		assertThat(jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE account_id = :a").param("a", customer.account())
			.query(Long.class).single()).isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM notices WHERE account_id = :a AND type = 'SIGN_IN_CODE'")
			.param("a", customer.account()).query(Long.class).single()).as("no code mailed to the erased address").isZero();
	}

	/**
	 * Runs {@code request} on another thread while a transaction holds the account's row; once the request waits on
	 * it, that transaction closes the account and erases its name and email, and commits.
	 */
	private int whileClosing(String accountId, Supplier<Integer> request) throws Exception {
		try (Connection closure = dataSource.getConnection()) {
			closure.setAutoCommit(false);
			try (PreparedStatement lock = closure.prepareStatement("SELECT id FROM accounts WHERE id = ? FOR UPDATE")) {
				lock.setString(1, accountId);
				lock.executeQuery().close();
			}
			long waitingBefore = waiting();
			CompletableFuture<Integer> answer = CompletableFuture.supplyAsync(request);
			await("the request waits for the closure").atMost(Duration.ofSeconds(20))
				.until(() -> waiting() > waitingBefore || answer.isDone());
			try (PreparedStatement close = closure.prepareStatement("""
					UPDATE accounts SET status = 'CLOSED', closed_at = now(), name = 'Erased customer', email = ?
					WHERE id = ?""")) {
				close.setString(1, Account.tombstoneEmail(accountId));
				close.setString(2, accountId);
				close.executeUpdate();
			}
			closure.commit();
			return answer.get();
		}
	}

	private long waiting() {
		return jdbc.sql("SELECT count(*) FROM pg_locks WHERE NOT granted").query(Long.class).single();
	}
}
