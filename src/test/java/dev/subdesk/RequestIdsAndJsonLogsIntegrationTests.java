package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.Api;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Every request has an id: the response's {@code X-Request-Id}, the {@code requestId} of a problem+json answer and
 * the {@code requestId} of the JSON log lines written while it was served ({@code SUBDESK_LOG_FORMAT=json}) are the
 * same.
 */
class RequestIdsAndJsonLogsIntegrationTests {

	@TempDir
	static Path dataDir;

	private static ConfigurableApplicationContext server;

	private static String base;

	private final HttpClient http = HttpClient.newHttpClient();

	@BeforeAll
	static void startWithJsonLogs() {
		server = new SpringApplicationBuilder(SubdeskApplication.class).run("--server.port=0",
				"--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.data-dir=" + dataDir, "--subdesk.jobs.initial-delay=PT1H",
				"--logging.level.root=WARN");
		base = "http://localhost:" + server.getEnvironment().getProperty("local.server.port");
	}

	@AfterAll
	static void stop() {
		server.close();
	}

	@Test
	void aSaneIncomingRequestIdIsKeptInTheHeaderAndTheProblem() throws Exception {
		HttpResponse<String> answer = send("GET", "/api/v1/accounts/acc_unknown", Api.TEST_KEY, "trace-4711.ab:c_d");
		assertThat(answer.statusCode()).isEqualTo(404);
		assertThat(answer.headers().firstValue("X-Request-Id")).hasValue("trace-4711.ab:c_d");
		assertThat(Api.parse(answer.body()).path("requestId").asString()).isEqualTo("trace-4711.ab:c_d");
	}

	@Test
	void anUnsafeOrOverlongIncomingIdIsReplacedByANewOne() throws Exception {
		for (String unsafe : List.of("a b", "x".repeat(65), "line\\nbreak", "<script>")) {
			HttpResponse<String> answer = send("GET", "/api/v1/accounts/acc_unknown", Api.TEST_KEY, unsafe);
			String id = answer.headers().firstValue("X-Request-Id").orElseThrow();
			assertThat(id).isNotEqualTo(unsafe);
			assertThat(UUID.fromString(id)).isNotNull();
			assertThat(Api.parse(answer.body()).path("requestId").asString()).isEqualTo(id);
		}
	}

	@Test
	void everyKindOfProblemCarriesTheRequestIdOfItsHeader() throws Exception {
		record Case(String method, String path, @Nullable String key, int status) {
		}
		for (Case c : List.of(new Case("GET", "/api/v1/accounts", null, 401),
				new Case("GET", "/actuator/prometheus", "wrong-key", 401),
				new Case("GET", "/api/v1/accounts/%61cc_x", Api.TEST_KEY, 400),
				new Case("POST", "/api/v1/accounts", Api.TEST_KEY, 400),
				new Case("GET", "/api/v1/no-such-path", Api.TEST_KEY, 404))) {
			HttpResponse<String> answer = send(c.method(), c.path(), c.key(), null);
			assertThat(answer.statusCode()).as(c.toString()).isEqualTo(c.status());
			assertThat(answer.headers().firstValue("Content-Type").orElse("")).as(c.toString())
				.startsWith("application/problem+json");
			String id = answer.headers().firstValue("X-Request-Id").orElseThrow();
			assertThat(Api.parse(answer.body()).path("requestId").asString()).as(c.toString()).isEqualTo(id);
		}
	}

	/**
	 * In a server of its own (a fresh JVM: the logging of a JVM is set up once), configured as an operator would:
	 * {@code SUBDESK_LOG_FORMAT=json} and the request log at DEBUG through the environment.
	 */
	@Test
	void theJsonLogLineOfARequestCarriesItsId() throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		Path log = dataDir.resolve("json-server.log");
		ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
				"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
				SubdeskApplication.class.getName(), "--server.port=" + port, "--subdesk.api.key=" + Api.TEST_KEY,
				"--subdesk.data-dir=" + dataDir.resolve("json-server"), "--subdesk.jobs.initial-delay=PT1H",
				"--logging.level.root=WARN")
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		builder.environment().put("SUBDESK_LOG_FORMAT", "json");
		builder.environment().put("LOGGING_LEVEL_DEV_SUBDESK_REQUESTS", "DEBUG");
		Process child = builder.start();
		try {
			String childBase = "http://localhost:" + port;
			await("the JSON-logging server answers").atMost(Duration.ofSeconds(180))
				.failFast("the server died (see " + log + ")", () -> !child.isAlive())
				.ignoreExceptions()
				.until(() -> send(childBase, "GET", "/actuator/health", null, null).statusCode() == 200);
			String id = "log-" + UUID.randomUUID();
			HttpResponse<String> answer = send(childBase, "GET", "/api/v1/accounts/acc_unknown", Api.TEST_KEY, id);
			assertThat(answer.statusCode()).isEqualTo(404);

			await("the request's log line").atMost(Duration.ofSeconds(10))
				.until(() -> Files.readAllLines(log).stream().anyMatch(line -> line.contains(id)));
			String line = Files.readAllLines(log).stream().filter(l -> l.contains(id)).findFirst().orElseThrow();
			JsonNode json = Api.parse(line);
			assertThat(json.path("requestId").asString()).isEqualTo(id);
			assertThat(json.path("message").asString()).startsWith("GET /api/v1/accounts/acc_unknown -> 404 in ");
			assertThat(json.path("log").path("level").asString()).isEqualTo("DEBUG");
			assertThat(Files.readAllLines(log).stream().filter(l -> l.startsWith("{")).count())
				.as("log lines are JSON objects").isPositive();
		}
		finally {
			child.destroy();
			child.waitFor();
		}
	}

	private HttpResponse<String> send(String method, String path, @Nullable String key, @Nullable String requestId)
			throws Exception {
		return send(base, method, path, key, requestId);
	}

	private HttpResponse<String> send(String server, String method, String path, @Nullable String key,
			@Nullable String requestId) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server + path))
			.method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{")
					: HttpRequest.BodyPublishers.noBody());
		if (method.equals("POST")) {
			request.header("Content-Type", "application/json");
		}
		if (key != null) {
			request.header("Authorization", "Bearer " + key);
		}
		if (requestId != null) {
			request.header("X-Request-Id", requestId);
		}
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}
}
