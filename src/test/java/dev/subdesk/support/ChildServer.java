package dev.subdesk.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Subdesk server in a JVM of its own, started from the test class path on a database given by its JDBC URL (a
 * database of the test PostgreSQL), in demo mode with the test clock and the test API key; its output goes to a log
 * file. For what one process cannot show: a crash, or several nodes on one database.
 */
public record ChildServer(Process process, Api api, int port, Path log) {

	/** Starts a server and waits until it answers; {@code arguments} are more {@code --property=value}s. */
	public static ChildServer start(String jdbcUrl, Path log, String... arguments) throws IOException {
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
				"--subdesk.mode=demo", "--subdesk.entitlements.kek=" + SubdeskIntegrationTest.ENTITLEMENT_KEK,
				"--logging.level.root=WARN"));
		command.addAll(List.of(arguments));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		Api api = new Api(port);
		try {
			await("the child server answers").atMost(Duration.ofSeconds(120))
				.failFast("the child server died (see " + log + ")", () -> !process.isAlive())
				.ignoreExceptions()
				.until(() -> api.get("/plans").status() == 200);
		}
		catch (RuntimeException | Error e) {
			process.destroyForcibly();
			throw e;
		}
		return new ChildServer(process, api, port, log);
	}

	/** Stops the server as an orchestrator does (SIGTERM, then SIGKILL after 30 s). */
	public void stop() throws InterruptedException {
		process.destroy();
		if (!process.waitFor(30, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
	}
}
