package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.RenewalSeeder;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Exactly-once renewal across processes: concurrent runs on two server instances sharing one database, and a
 * server killed with SIGKILL in the middle of a large run, then finished by another: every due subscription is
 * renewed once, never twice, never missed.
 */
class RenewalExactlyOnceIntegrationTests {

	@TempDir
	static Path dataDir;

	static ConfigurableApplicationContext owner;

	static DataSource dataSource;

	static JdbcClient jdbc;

	@BeforeAll
	static void startOwner() {
		owner = start("--subdesk.data-dir=" + dataDir);
		dataSource = owner.getBean(DataSource.class);
		jdbc = JdbcClient.create(dataSource);
	}

	@AfterAll
	static void stopOwner() {
		owner.close();
	}

	@Test
	void concurrentRunsOnTwoServerInstancesRenewEverySubscriptionExactlyOnce() throws Exception {
		int count = 3000;
		String prefix = RenewalSeeder.seed(dataSource, count, Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60));
		String url = owner.getBean(DataSource.class).unwrap(HikariDataSource.class).getJdbcUrl();
		try (ConfigurableApplicationContext second = start("--subdesk.db-url=" + url, "--subdesk.db-user=postgres",
				"--subdesk.mode=demo")) {
			List<Api> nodes = List.of(new Api(port(owner)), new Api(port(second)));
			ExecutorService pool = Executors.newFixedThreadPool(8);
			List<Future<Api.Response>> runs = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				Api node = nodes.get(i % 2);
				runs.add(pool.submit(() -> node.post("/renewals/run")));
			}
			int renewed = 0;
			for (Future<Api.Response> run : runs) {
				Api.Response response = run.get();
				assertThat(response.status()).as(response.toString()).isEqualTo(200);
				renewed += response.json().path("renewed").asInt();
			}
			pool.shutdown();
			assertThat(renewed).isEqualTo(count);
		}
		assertExactlyOnce(prefix, count);
	}

	@Test
	void aServerKilledInTheMiddleOfALargeRunIsFinishedByAnotherWithNoDuplicateAndNoMiss() throws Exception {
		int count = 20_000;
		String prefix = RenewalSeeder.seed(dataSource, count, Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60));
		String url = owner.getBean(DataSource.class).unwrap(HikariDataSource.class).getJdbcUrl();
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		String javaBinary = ProcessHandle.current().info().command().orElse("java");
		Process child = new ProcessBuilder(javaBinary, "-cp", System.getProperty("java.class.path"),
				SubdeskApplication.class.getName(), "--server.port=" + port, "--subdesk.db-url=" + url,
				"--subdesk.db-user=postgres", "--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.jobs.initial-delay=PT1H",
				// a second node of the owner's demo database, in demo mode like it: a production start would mark the
				// database as production's, and the other test's demo node could then not start on it
				"--subdesk.mode=demo",
				"--subdesk.entitlements.kek=" + dev.subdesk.testing.SubdeskIntegrationTest.ENTITLEMENT_KEK, "--logging.level.root=WARN")
			.redirectErrorStream(true)
			.redirectOutput(new File(dataDir.toFile(), "child.log"))
			.start();
		try {
			Api childApi = new Api(port);
			waitUntilUp(childApi);
			Thread runner = Thread.ofPlatform().start(() -> {
				try {
					childApi.post("/renewals/run");
				}
				catch (IllegalStateException expected) {
					// the connection dies with the killed server
				}
			});
			waitUntilSomeRenewed(prefix, 2000);
			assertThat(renewedCount(prefix)).as("killed in the middle of the run").isLessThan(count);
			child.destroyForcibly().waitFor();
			runner.join(Duration.ofSeconds(30));
		}
		finally {
			child.destroyForcibly();
		}
		Api survivor = new Api(port(owner));
		// The killed node's leases expire after five minutes of the clock; then the survivor finishes the run.
		survivor.post("/test-clock/advance", java.util.Map.of("duration", "PT6M"));
		survivor.post("/renewals/run");
		assertExactlyOnce(prefix, count);
	}

	private static void assertExactlyOnce(String prefix, int count) {
		long charges = jdbc.sql("SELECT count(*) FROM charges WHERE subscription_id LIKE :p AND status = 'SUCCEEDED'")
			.param("p", prefix + "%")
			.query(Long.class)
			.single();
		long distinctPeriods = jdbc.sql("""
				SELECT count(DISTINCT (subscription_id, period_start)) FROM charges
				WHERE subscription_id LIKE :p AND status = 'SUCCEEDED'
				""").param("p", prefix + "%").query(Long.class).single();
		long gatewayCharges = jdbc.sql("SELECT count(*) FROM sandbox_gateway_payments WHERE idempotency_key LIKE :p")
			.param("p", "renewal_" + prefix + "%")
			.query(Long.class)
			.single();
		assertThat(renewedCount(prefix)).as("subscriptions moved to their second period").isEqualTo(count);
		assertThat(charges).as("successful charges").isEqualTo(count);
		assertThat(distinctPeriods).isEqualTo(count);
		assertThat(gatewayCharges).as("money moved at the gateway").isEqualTo(count);
	}

	private static long renewedCount(String prefix) {
		return jdbc.sql("SELECT count(*) FROM subscriptions WHERE id LIKE :p AND period_index = 1")
			.param("p", prefix + "%")
			.query(Long.class)
			.single();
	}

	private static void waitUntilUp(Api api) {
		await("the child server answers").atMost(Duration.ofSeconds(180))
			.ignoreExceptions()
			.until(() -> api.get("/plans").status() == 200);
	}

	private static void waitUntilSomeRenewed(String prefix, int atLeast) {
		await("the run is under way").atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> renewedCount(prefix) >= atLeast);
	}

	private static ConfigurableApplicationContext start(String... args) {
		List<String> all = new ArrayList<>(List.of("--server.port=0", "--subdesk.api.key=" + Api.TEST_KEY,
				"--subdesk.entitlements.kek=" + dev.subdesk.testing.SubdeskIntegrationTest.ENTITLEMENT_KEK, "--subdesk.jobs.initial-delay=PT1H", "--subdesk.clock.test-clock=true", "--logging.level.root=WARN"));
		all.addAll(List.of(args));
		return new SpringApplicationBuilder(SubdeskApplication.class).run(all.toArray(String[]::new));
	}

	private static int port(ConfigurableApplicationContext context) {
		return Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "0"));
	}
}
