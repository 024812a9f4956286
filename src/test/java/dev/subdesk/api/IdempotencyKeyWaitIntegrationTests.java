package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.RowWriteHold;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * API.md, Conventions: "Two concurrent requests with one key run one after the other". A second request waits for
 * the first however long the first runs, as long as it runs (its lease on the key is renewed), and then replays its
 * answer; it is never told the key is busy, a code the contract does not have.
 */
class IdempotencyKeyWaitIntegrationTests extends ApiIntegrationTest {

	private static final long HOLD = 727_769L;

	/** Longer than the minute a second request used to wait before it gave up. */
	private static final Duration SLOW = Duration.ofSeconds(65);

	private final HttpClient http = HttpClient.newHttpClient();

	@Autowired
	private JdbcClient database;

	@Autowired
	private DataSource dataSource;

	@Test
	void aSecondRequestWithTheKeyWaitsForAFirstThatRunsLongerThanAMinuteAndReplaysItsAnswer() throws Exception {
		String account = fixtures.accountWithVisa();
		String key = UUID.randomUUID().toString();
		String purchase = "{\"accountId\": \"%s\", \"planCode\": \"antivirus-annual\"}".formatted(account);
		try (ExecutorService callers = Executors.newFixedThreadPool(2);
				ChargeHold hold = new ChargeHold(database, dataSource, account)) {
			Future<HttpResponse<String>> first = callers.submit(() -> post(purchase, key));
			hold.awaitHeld("the first purchase recording its charge");
			Future<HttpResponse<String>> second = callers.submit(() -> post(purchase, key));
			Thread.sleep(SLOW.toMillis());
			assertThat(second).as("still waiting for the first").isNotDone();
			hold.release();

			HttpResponse<String> original = first.get();
			HttpResponse<String> replayed = second.get();
			assertThat(original.statusCode()).as(original.body()).isEqualTo(201);
			assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(201);
			assertThat(replayed.body()).isEqualTo(original.body());
			assertThat(replayed.headers().firstValue("Idempotent-Replayed")).contains("true");
		}
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isEqualTo(1);
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isEqualTo(1);
	}

	private HttpResponse<String> post(String json, String key) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/subscriptions"))
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + Api.TEST_KEY)
			.header("Idempotency-Key", key)
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** Holds the recording of one account's charges, as a slow database would. */
	private static final class ChargeHold extends RowWriteHold {

		ChargeHold(JdbcClient jdbc, DataSource dataSource, String account) throws SQLException {
			super(jdbc, dataSource, "test_hold_idempotent_wait", HOLD, "INSERT", "charges",
					"NEW.account_id = '%s'".formatted(account));
		}
	}
}
