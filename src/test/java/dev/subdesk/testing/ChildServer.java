package dev.subdesk.testing;

import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A Subdesk server in a JVM of its own, started from the test class path on a database given by its JDBC URL (a
 * database of the test PostgreSQL), in demo mode with the test clock and the test API key; its output goes to a log
 * file. For what one process cannot show: a crash, or several nodes on one database.
 */
public record ChildServer(Process process, Api api, int port, Path log) {

	/**
	 * Starts a server and waits until it answers; {@code arguments} are more {@code --property=value}s (one of
	 * {@code subdesk.entitlements.kek} replaces the test's key-encryption key).
	 */
	public static ChildServer start(String jdbcUrl, Path log, String... arguments) throws IOException {
		return switch (launch(jdbcUrl, log, arguments)) {
			case Running running -> running.server();
			case Refused refused -> throw new IllegalStateException(
					"the child server died (exit code " + refused.exitCode() + ", see " + log + ")");
		};
	}

	/** How a start ended: the server answers, or its process ended before it did (a refused start). */
	public sealed interface Start permits Running, Refused {
	}

	/** A start that succeeded: the server answers. */
	public record Running(ChildServer server) implements Start {
	}

	/** A start that ended with the process, with its exit code; the reason is in the log. */
	public record Refused(int exitCode, Path log) implements Start {
	}

	/** As {@link #start}, but a process that ends before it answers is an answer too, not a failure. */
	public static Start launch(String jdbcUrl, Path log, String... arguments) throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		String javaBinary = ProcessHandle.current().info().command().orElse("java");
		// a quick start on a small machine: the child lives for a few requests
		List<String> command = new ArrayList<>(List.of(javaBinary, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
				"-Xshare:auto", "-cp", System.getProperty("java.class.path"), "dev.subdesk.SubdeskApplication",
				"--server.port=" + port, "--subdesk.db-url=" + jdbcUrl, "--subdesk.db-user=postgres",
				"--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.jobs.initial-delay=PT1H", "--subdesk.clock.test-clock=true",
				"--subdesk.mode=demo", "--logging.level.root=WARN"));
		if (List.of(arguments).stream().noneMatch(a -> a.startsWith("--subdesk.entitlements.kek="))) {
			// a property given twice on the command line would be both values joined by a comma
			command.add("--subdesk.entitlements.kek=" + SubdeskIntegrationTest.ENTITLEMENT_KEK);
		}
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		Api api = new Api(port);
		try {
			await("the child server answers or ends").atMost(Duration.ofSeconds(180))
				.ignoreExceptions()
				.until(() -> !process.isAlive() || api.get("/plans").status() == 200);
		}
		catch (RuntimeException | Error e) {
			process.destroyForcibly();
			throw e;
		}
		if (!process.isAlive()) {
			return new Refused(process.exitValue(), log);
		}
		return new Running(new ChildServer(process, api, port, log));
	}

	/** A new, empty database beside the test database (same PostgreSQL server), named {@code prefix} and a random tail. */
	public static String newDatabase(DataSource testDatabase, String prefix) throws SQLException {
		return createDatabase(testDatabase, prefix, "");
	}

	/**
	 * As {@link #newDatabase}, but with the migrations of a demo-mode start already applied: a copy of a template this
	 * JVM migrates once (the first start on a new database spends as long on the migrations as on the rest of its
	 * start). The same locations and settings as a child server's Flyway; it finds nothing to apply and validates the
	 * history, so a template that differed would fail its start. Nothing else is in it: no node has started on it.
	 */
	public static String newMigratedDatabase(DataSource testDatabase, String prefix) throws SQLException {
		return createDatabase(testDatabase, prefix, " TEMPLATE " + migratedTemplate(testDatabase));
	}

	private static @Nullable String migratedTemplate;

	private static synchronized String migratedTemplate(DataSource testDatabase) throws SQLException {
		if (migratedTemplate == null) {
			String url = newDatabase(testDatabase, "child_template_");
			// as a child's start in demo mode: OperatingMode's locations and out-of-order, application.properties' lock
			Flyway.configure()
				.dataSource(url, "postgres", "")
				.locations("classpath:db/migration", "classpath:db/demo")
				.outOfOrder(true)
				.configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
				.load()
				.migrate();
			migratedTemplate = nameOf(url);
		}
		return migratedTemplate;
	}

	private static String createDatabase(DataSource testDatabase, String prefix, String options) throws SQLException {
		String name = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		JdbcClient.create(testDatabase).sql("CREATE DATABASE " + name + options).update();
		return testDatabase.unwrap(HikariDataSource.class).getJdbcUrl()
			.replaceFirst("^(jdbc:postgresql://[^/]+/)[^?]*", "$1" + name);
	}

	/**
	 * Drops a database {@link #newDatabase} or {@link #newMigratedDatabase} made, with the connections still open to
	 * it.
	 */
	public static void dropDatabase(DataSource testDatabase, String url) {
		JdbcClient.create(testDatabase).sql("DROP DATABASE IF EXISTS " + nameOf(url) + " WITH (FORCE)").update();
	}

	private static String nameOf(String jdbcUrl) {
		return jdbcUrl.replaceFirst("^jdbc:postgresql://[^/]+/([^?]*).*$", "$1");
	}

	/** Stops the server as an orchestrator does (SIGTERM, then SIGKILL after 30 s). */
	public void stop() throws InterruptedException {
		process.destroy();
		if (!process.waitFor(30, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
	}
}
