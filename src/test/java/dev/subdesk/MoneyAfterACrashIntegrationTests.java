package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ChildServer;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * DESIGN invariant 11 across a crash: a server process killed (halted, as by SIGKILL) right after the gateway moved
 * money and before it recorded that, then a server started again on the same database: its sweep makes the money
 * and the records agree. Each server is a child JVM started from the test class path on a database of its own
 * (created on the test PostgreSQL), killed by the test-only switch {@code subdesk.testing.crash-after-gateway}:
 * the first after a refund's gateway call, the second (the restart) after a purchase's, the third finishes.
 */
@SubdeskIntegrationTest
class MoneyAfterACrashIntegrationTests {

	@Autowired
	DataSource testDatabase;

	@TempDir
	Path logs;

	private String url;

	private JdbcClient jdbc;

	@Test
	void aServerKilledBetweenTheGatewayCallAndItsRecordLeavesNothingTheSweepCannotReconcile() throws Exception {
		url = ChildServer.newDatabase(testDatabase, "money_crash_");
		jdbc = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		try {
			crashAfterRefundThenAfterPurchaseThenReconcile();
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	private void crashAfterRefundThenAfterPurchaseThenReconcile() throws Exception {
		// 1. A refund: the gateway pays it back, then the process dies before marking it SUCCEEDED.
		String refundedAccount;
		String charge;
		Child first = start("refund", "first.log");
		try {
			Fixtures fixtures = new Fixtures(first.api());
			refundedAccount = fixtures.accountWithVisa();
			fixtures.subscribe(refundedAccount, "antivirus-annual");
			charge = first.api().get("/accounts/" + refundedAccount + "/charges").json().path("data").get(0).path("id").asString();
			CompletableFuture<?> request = CompletableFuture
				.runAsync(() -> first.api().post("/charges/" + charge + "/refunds", Map.of("amount", 700, "reason", "goodwill")));
			first.killAtTheCrashPoint();
			assertThat(request).as("the server died during the request").failsWithin(Duration.ofSeconds(30));
		}
		finally {
			first.process().destroyForcibly();
		}
		String refund = jdbc.sql("SELECT id FROM refunds WHERE charge_id = :c").param("c", charge).query(String.class).single();
		assertThat(status("refunds", "id", refund)).as("recorded before the gateway call").isEqualTo("PENDING");
		assertThat(ledgerAmount(refund, "REFUND")).as("the money went back before the crash").isEqualTo(700L);

		// 2. The server starts again; past the grace period its sweep reconciles the refund with the gateway's ledger.
		String buyer;
		Child second = start("purchase", "second.log");
		try {
			assertThat(second.api().post("/test-clock/advance", Map.of("duration", "PT2M")).status()).isEqualTo(200);
			assertRefundedOnce(second.api(), refundedAccount, charge, refund);

			// 3. A purchase: the gateway takes the money, then the process dies before recording the subscription.
			Fixtures fixtures = new Fixtures(second.api());
			buyer = fixtures.accountWithVisa();
			CompletableFuture<?> purchase = CompletableFuture.runAsync(() -> fixtures.buy(buyer, "antivirus-annual"));
			second.killAtTheCrashPoint();
			assertThat(purchase).as("the server died during the purchase").failsWithin(Duration.ofSeconds(30));
		}
		finally {
			second.process().destroyForcibly();
		}
		String attempt = jdbc.sql("SELECT gateway_key FROM purchase_attempts WHERE account_id = :a").param("a", buyer)
			.query(String.class).single();
		assertThat(status("purchase_attempts", "gateway_key", attempt)).as("recorded before the gateway call")
			.isEqualTo("PENDING");
		long price = ledgerAmount(attempt, "CHARGE");
		assertThat(price).as("the gateway took the money before the crash").isPositive();

		// 4. Started again: the buyer got no answer and no subscription, so the money taken goes back, once.
		Child third = start("", "third.log");
		try {
			assertThat(third.api().post("/test-clock/advance", Map.of("duration", "PT5M")).status()).isEqualTo(200);
			assertThat(status("purchase_attempts", "gateway_key", attempt)).isEqualTo("REVERSED");
			assertThat(ledgerCount("reverse_" + attempt)).as("given back exactly once").isEqualTo(1);
			assertThat(ledgerAmount("reverse_" + attempt, "REFUND")).isEqualTo(price);
			assertThat(third.api().get("/accounts/" + buyer + "/charges").json().path("data")).isEmpty();
			assertThat(third.api().get("/accounts/" + buyer + "/subscriptions").json().path("data")).isEmpty();
			assertRefundedOnce(third.api(), refundedAccount, charge, refund);
			assertThat(jdbc.sql("""
					SELECT count(*) FROM sandbox_gateway_payments g
					WHERE NOT EXISTS (SELECT 1 FROM charges c WHERE c.gateway_key = g.idempotency_key)
					  AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.id = g.idempotency_key AND r.status = 'SUCCEEDED')
					  AND NOT EXISTS (SELECT 1 FROM purchase_attempts a
					                  WHERE a.status = 'REVERSED' AND g.idempotency_key IN (a.gateway_key, 'reverse_' || a.gateway_key))
					""").query(Long.class).single()).as("money moved at the gateway without a record").isZero();
		}
		finally {
			third.process().destroy();
			third.process().waitFor(30, TimeUnit.SECONDS);
			third.process().destroyForcibly();
		}
	}

	private void assertRefundedOnce(Api api, String account, String charge, String refund) {
		assertThat(status("refunds", "id", refund)).isEqualTo("SUCCEEDED");
		assertThat(ledgerCount(refund)).as("paid back exactly once").isEqualTo(1);
		assertThat(ledgerAmount(refund, "REFUND")).isEqualTo(700L);
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("refundedAmount").asLong())
			.isEqualTo(700);
		long ledgerRefunds = jdbc.sql("""
				SELECT coalesce(sum(g.amount), 0) FROM sandbox_gateway_payments g JOIN refunds r ON r.id = g.idempotency_key
				WHERE r.charge_id = :c AND g.kind = 'REFUND'
				""").param("c", charge).query(Long.class).single();
		assertThat(ledgerRefunds).as("money paid back = refunds recorded").isEqualTo(700L);
	}

	private record Child(Process process, Api api, Path log) {

		/** Waits until the server is held between the gateway call and its record, then sends it SIGKILL. */
		void killAtTheCrashPoint() throws InterruptedException {
			await("the server reaches the crash point").atMost(Duration.ofSeconds(120))
				.failFast("the child server died before the crash point (see " + log + ")", () -> !process.isAlive())
				.until(() -> Files.readString(log).contains("CRASH POINT"));
			process.destroyForcibly(); // SIGKILL on Linux
			assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(process.exitValue()).as("killed by SIGKILL (128 + 9)").isEqualTo(137);
		}
	}

	private Child start(String crashAfter, String log) throws Exception {
		Path file = logs.resolve(log);
		ChildServer child = crashAfter.isEmpty() ? ChildServer.start(url, file)
				: ChildServer.start(url, file, "--subdesk.testing.crash-after-gateway=" + crashAfter);
		return new Child(child.process(), child.api(), file);
	}

	private String status(String table, String key, String value) {
		return jdbc.sql("SELECT status FROM " + table + " WHERE " + key + " = :v").param("v", value).query(String.class).single();
	}

	private long ledgerAmount(String key, String kind) {
		return jdbc.sql("SELECT amount FROM sandbox_gateway_payments WHERE idempotency_key = :k AND kind = :kind AND outcome = 'succeeded'")
			.param("k", key)
			.param("kind", kind)
			.query(Long.class)
			.single();
	}

	private long ledgerCount(String key) {
		return jdbc.sql("SELECT count(*) FROM sandbox_gateway_payments WHERE idempotency_key = :k").param("k", key)
			.query(Long.class).single();
	}
}
