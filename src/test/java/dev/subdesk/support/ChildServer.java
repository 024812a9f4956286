package dev.subdesk.support;

import static org.awaitility.Awaitility.await;

import dev.subdesk.SubdeskApplication;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Subdesk server in a child JVM started from the test class path on a database of the test's choosing (demo mode,
 * test clock, the test API key), for tests that kill a real server process. Its output goes to a log file.
 */
public record ChildServer(Process process, Api api, Path log) {

	/** Starts a server on {@code dbUrl} with {@code extraArgs} ({@code --property=value}) and waits until it answers. */
	public static ChildServer start(String dbUrl, Path logDir, String logName, String... extraArgs) throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		String javaBinary = ProcessHandle.current().info().command().orElse("java");
		// a quick start on a small machine: the child lives for a few requests
		List<String> command = new ArrayList<>(List.of(javaBinary, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
				"-Xshare:auto", "-cp", System.getProperty("java.class.path"),
				SubdeskApplication.class.getName(), "--server.port=" + port, "--subdesk.db-url=" + dbUrl,
				"--subdesk.db-user=postgres", "--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.jobs.initial-delay=PT1H",
				"--subdesk.clock.test-clock=true", "--subdesk.mode=demo",
				"--subdesk.entitlements.kek=" + SubdeskIntegrationTest.ENTITLEMENT_KEK, "--logging.level.root=WARN"));
		command.addAll(List.of(extraArgs));
		File logFile = new File(logDir.toFile(), logName);
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile).start();
		Api api = new Api(port);
		try {
			await("the child server answers").atMost(Duration.ofSeconds(120))
				.failFast("the child server died (see " + logName + ")", () -> !process.isAlive())
				.ignoreExceptions()
				.until(() -> api.get("/plans").status() == 200);
		}
		catch (RuntimeException | Error e) {
			process.destroyForcibly();
			throw e;
		}
		return new ChildServer(process, api, logFile.toPath());
	}
}
