package dev.subdesk.api;

import static dev.subdesk.testing.ProblemAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.renewals.RenewalEngine;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.RenewalSeeder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code POST /test-clock/advance} on a node that has begun to stop ({@link RenewalEngine#stop}: its context closing,
 * while the web server still answers): such a node runs no job, so the advance is refused with {@code 503} and a
 * {@code Retry-After} before the clock moves, and nothing changes; a 5xx is not stored for its Idempotency-Key, so the
 * same request tried again (on another node, or here once started again) runs. Before, the clock moved to the target
 * with no job run, and the jobs due on the way were left due, to be stamped later than their instants.
 */
class TestClockWhileTheNodeStopsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	RenewalEngine engine;

	@Autowired
	DataSource dataSource;

	private final java.util.concurrent.ExecutorService runner = java.util.concurrent.Executors.newSingleThreadExecutor();

	@AfterEach
	void startTheNodeAgain() {
		engine.start();
		runner.shutdownNow();
	}

	@Test
	void anAdvanceOnAStoppingNodeIsRefusedWithRetryAfterAndMovesNothing() throws Exception {
		Instant before = Instant.parse(api.get("/test-clock").text("now"));
		JdbcClient jdbc = JdbcClient.create(dataSource);
		String ending = RenewalSeeder.seed(dataSource, 1, before.plus(Duration.ofDays(20))) + "0";
		jdbc.sql("UPDATE subscriptions SET auto_renew = false, cancel_at = :at WHERE id = :id")
			.param("at", Timestamp.from(before.plus(Duration.ofHours(1))))
			.param("id", ending)
			.update();

		engine.stop();
		HttpResponse<String> refused = advance("P1D", "advance-while-stopping-" + ending);

		Api.Response answer = new Api.Response(refused.statusCode(), refused.body(),
				refused.headers().firstValue("Content-Type").orElse(""));
		assertProblem(answer, 503, "NODE_STOPPING");
		assertThat(answer.contentType()).startsWith("application/problem+json");
		assertThat(refused.headers().firstValue("Retry-After")).as("Retry-After").hasValue("5");
		Instant after = Instant.parse(api.get("/test-clock").text("now"));
		assertThat(Duration.between(before, after)).as("the test clock, not moved by the refused advance")
			.isLessThan(Duration.ofMinutes(5));
		assertThat(status(jdbc, ending)).as("the scheduled end due on the way").isEqualTo("ACTIVE");

		engine.start();
		Api.Response again = api.with("Idempotency-Key", "advance-while-stopping-" + ending)
			.post("/test-clock/advance", java.util.Map.of("duration", "P1D"));
		assertThat(again.status()).as("the same request once the node runs again: " + again).isEqualTo(200);
		assertThat(Instant.parse(again.text("now"))).isAfterOrEqualTo(before.plus(Duration.ofDays(1)));
		assertThat(status(jdbc, ending)).as("the scheduled end, by the advance made").isEqualTo("CANCELLED");
	}

	@Test
	void aStopDuringAnAdvanceLeavesTheClockWhereTheJobsRanAndSaysSo() throws Exception {
		Instant before = Instant.parse(api.get("/test-clock").text("now"));
		JdbcClient jdbc = JdbcClient.create(dataSource);
		String ending = RenewalSeeder.seed(dataSource, 1, before.plus(Duration.ofDays(20))) + "0";
		Instant endsAt = before.plus(Duration.ofHours(1));
		java.util.concurrent.Future<HttpResponse<String>> answer;
		try (dev.subdesk.testing.SubscriptionUpdateHold hold = new dev.subdesk.testing.SubscriptionUpdateHold(jdbc,
				dataSource, "advance_stop_hold", 7_342_203L, "NEW.id = '" + ending + "' AND NEW.status = 'CANCELLED'")) {
			jdbc.sql("UPDATE subscriptions SET auto_renew = false, cancel_at = :at WHERE id = :id")
				.param("at", Timestamp.from(endsAt))
				.param("id", ending)
				.update();
			answer = runner.submit(() -> advance("P1D", "advance-stopped-midway-" + ending));
			hold.awaitHeld("the scheduled end due during the advance, held as it takes effect");

			engine.stop();
			hold.release();
			HttpResponse<String> stopped = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);

			Api.Response problem = new Api.Response(stopped.statusCode(), stopped.body(),
					stopped.headers().firstValue("Content-Type").orElse(""));
			assertProblem(problem, 503, "NODE_STOPPING");
			assertThat(stopped.headers().firstValue("Retry-After")).as("Retry-After").hasValue("5");
		}
		Instant after = Instant.parse(api.get("/test-clock").text("now"));
		assertThat(after).as("the test clock, left at the instant whose jobs ran when the stop began")
			.isAfterOrEqualTo(endsAt)
			.isBefore(endsAt.plus(Duration.ofMinutes(5)));
		assertThat(status(jdbc, ending)).as("the scheduled end, the job in hand").isEqualTo("CANCELLED");
	}

	private HttpResponse<String> advance(String duration, String key) throws Exception {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/test-clock/advance"))
				.header("Authorization", "Bearer " + Api.TEST_KEY)
				.header("Content-Type", "application/json")
				.header("Idempotency-Key", key)
				.POST(HttpRequest.BodyPublishers.ofString("{\"duration\": \"" + duration + "\"}"))
				.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static String status(JdbcClient jdbc, String id) {
		return jdbc.sql("SELECT status FROM subscriptions WHERE id = :id").param("id", id).query(String.class).single();
	}
}
