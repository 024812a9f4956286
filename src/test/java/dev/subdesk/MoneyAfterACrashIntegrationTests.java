package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.subdesk.support.Api;
import dev.subdesk.support.Fixtures;
import dev.subdesk.support.SubdeskIntegrationTest;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * DESIGN invariant 11 across a crash: a server process killed (halted, as by SIGKILL) right after the gateway moved
 * money and before it recorded that, then a server started again on the same database: its sweep makes the money
 * and the records agree. Each killed server is a child JVM on the test database, started from the test class path
 * with the test-only switch {@code subdesk.testing.crash-after-gateway}; the restarted one is killed in its turn in
 * the middle of a purchase, which this test's own server then reconciles.
 */
@SubdeskIntegrationTest
class MoneyAfterACrashIntegrationTests {

	@Autowired
	DataSource dataSource;

	@Autowired
	JdbcClient jdbc;

	@LocalServerPort
	int port;

	@TempDir
	Path logs;

	@Test
	void aServerKilledBetweenTheGatewayCallAndItsRecordLeavesNothingTheSweepCannotReconcile() throws Exception {
		// 1. A refund: the gateway pays it back, then the process dies before marking it SUCCEEDED.
		String refundedAccount;
		String charge;
		Process crashing = start("refund", "refund.log");
		try {
			Api child = waitUntilUp(crashing);
			Fixtures fixtures = new Fixtures(child);
			refundedAccount = fixtures.accountWithVisa();
			fixtures.subscribe(refundedAccount, "antivirus-annual");
			charge = child.get("/accounts/" + refundedAccount + "/charges").json().path("data").get(0).path("id").asString();
			assertThatThrownBy(() -> child.post("/charges/" + charge + "/refunds", Map.of("amount", 700, "reason", "goodwill")))
				.as("the server dies during the request").isInstanceOf(IllegalStateException.class);
			assertThat(crashing.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(crashing.exitValue()).isEqualTo(137);
		}
		finally {
			crashing.destroyForcibly();
		}
		String refund = jdbc.sql("SELECT id FROM refunds WHERE charge_id = :c").param("c", charge).query(String.class).single();
		assertThat(status("refunds", "id", refund)).as("recorded before the gateway call").isEqualTo("PENDING");
		assertThat(ledgerAmount(refund, "REFUND")).as("the money went back before the crash").isEqualTo(700L);

		// 2. The server starts again (armed to die after a purchase's gateway call); past the grace period its sweep
		// reconciles the refund with the gateway's ledger: marked SUCCEEDED, paid back once.
		String buyer;
		Process restarted = start("purchase", "restarted.log");
		try {
			Api child = waitUntilUp(restarted);
			assertThat(child.post("/test-clock/advance", Map.of("duration", "PT2M")).status()).isEqualTo(200);

			assertThat(status("refunds", "id", refund)).isEqualTo("SUCCEEDED");
			assertThat(ledgerCount(refund)).as("paid back exactly once").isEqualTo(1);
			assertThat(ledgerAmount(refund, "REFUND")).isEqualTo(700L);
			var charges = child.get("/accounts/" + refundedAccount + "/charges").json().path("data");
			assertThat(charges.get(0).path("refundedAmount").asLong()).isEqualTo(700);
			long recordedRefunds = jdbc.sql("SELECT coalesce(sum(amount), 0) FROM refunds WHERE charge_id = :c")
				.param("c", charge).query(Long.class).single();
			long ledgerRefunds = jdbc.sql("""
					SELECT coalesce(sum(g.amount), 0) FROM sandbox_gateway_payments g JOIN refunds r ON r.id = g.idempotency_key
					WHERE r.charge_id = :c AND g.kind = 'REFUND'
					""").param("c", charge).query(Long.class).single();
			assertThat(ledgerRefunds).as("money paid back = refunds recorded").isEqualTo(recordedRefunds).isEqualTo(700L);

			// 3. A purchase: the gateway takes the money, then the process dies before recording the subscription.
			Fixtures fixtures = new Fixtures(child);
			buyer = fixtures.accountWithVisa();
			assertThatThrownBy(() -> fixtures.buy(buyer, "antivirus-annual")).isInstanceOf(IllegalStateException.class);
			assertThat(restarted.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(restarted.exitValue()).isEqualTo(137);
		}
		finally {
			restarted.destroyForcibly();
		}
		String attempt = jdbc.sql("SELECT gateway_key FROM purchase_attempts WHERE account_id = :a").param("a", buyer)
			.query(String.class).single();
		assertThat(status("purchase_attempts", "gateway_key", attempt)).as("recorded before the gateway call")
			.isEqualTo("PENDING");
		long price = ledgerAmount(attempt, "CHARGE");
		assertThat(price).as("the gateway took the money before the crash").isPositive();

		// The buyer got no answer and no subscription: the sweep of the node still up (this test's own server) gives
		// the money back, once, and nothing is created.
		Api survivor = new Api(port);
		assertThat(survivor.post("/test-clock/advance", Map.of("duration", "PT5M")).status()).isEqualTo(200);
		assertThat(status("purchase_attempts", "gateway_key", attempt)).isEqualTo("REVERSED");
		assertThat(ledgerCount("reverse_" + attempt)).isEqualTo(1);
		assertThat(ledgerAmount("reverse_" + attempt, "REFUND")).isEqualTo(price);
		assertThat(survivor.get("/accounts/" + buyer + "/charges").json().path("data")).isEmpty();
		assertThat(survivor.get("/accounts/" + buyer + "/subscriptions").json().path("data")).isEmpty();
	}

	private Process start(String crashAfter, String log) throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		String url = dataSource.unwrap(HikariDataSource.class).getJdbcUrl();
		String javaBinary = ProcessHandle.current().info().command().orElse("java");
		List<String> command = new ArrayList<>(List.of(javaBinary, "-cp", System.getProperty("java.class.path"),
				SubdeskApplication.class.getName(), "--server.port=" + port, "--subdesk.db-url=" + url,
				"--subdesk.db-user=postgres", "--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.jobs.initial-delay=PT1H",
				"--subdesk.clock.test-clock=true", "--spring.modulith.events.republish-outstanding-events-on-restart=false",
				"--logging.level.root=WARN"));
		if (!crashAfter.isEmpty()) {
			command.add("--subdesk.testing.crash-after-gateway=" + crashAfter);
		}
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(new File(logs.toFile(), log))
			.start();
		ports.put(process.pid(), port);
		return process;
	}

	private final Map<Long, Integer> ports = new java.util.HashMap<>();

	private Api waitUntilUp(Process process) {
		Api api = new Api(ports.get(process.pid()));
		await("the child server answers").atMost(Duration.ofSeconds(90))
			.failFast("the child server died (its log is in " + logs + ")", () -> !process.isAlive())
			.ignoreExceptions()
			.until(() -> api.get("/plans").status() == 200);
		return api;
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
