package dev.subdesk.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.shared.CanonicalJson;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two requests with one {@code Idempotency-Key} run one after the other (shared/API.md Conventions), however long the
 * first takes: the second waits without holding a server thread, then gets the first's stored answer, or runs itself
 * when the first answered a 5xx (nothing stored) or its node crashed (its claim went stale). The "first" request here
 * holds the key as one on another node would: claimed in the store, and completed, released or left to lapse by the
 * test.
 */
class IdempotencyWaitIntegrationTests extends ApiIntegrationTest {

	/** The scope of the tests' API key: the hex SHA-256 of the key, as the server keeps it. */
	private static final String SCOPE = IdempotentAnswers.sha256(Api.TEST_KEY);

	/** More than the server's request threads ({@code server.tomcat.threads.max=64}). */
	private static final int WAITERS = 80;

	@Autowired
	IdempotentAnswers answers;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	AnswerWaits waits;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Test
	void requestsWaitingForTheFirstWithTheirKeyHoldNoServerThreadAndAllGetItsAnswer() throws Exception {
		String presented = "slow-" + UUID.randomUUID();
		String body = accountBody();
		var first = (IdempotentAnswers.Claim.Owned) answers.claim(SCOPE, IdempotentAnswers.sha256(presented),
				fingerprint(body), Set.of());
		ExecutorService callers = Executors.newFixedThreadPool(WAITERS);
		try {
			int before = waits.waiting();
			List<Future<HttpResponse<String>>> waiting = new ArrayList<>();
			for (int i = 0; i < WAITERS; i++) {
				waiting.add(callers.submit(() -> post(presented, body, Duration.ofMinutes(3))));
			}
			awaitWaiting(before, WAITERS);

			long started = System.nanoTime();
			HttpResponse<String> plans = http.send(HttpRequest.newBuilder(URI.create(base() + "/plans"))
				.header("Authorization", "Bearer " + Api.TEST_KEY).timeout(Duration.ofSeconds(10)).GET().build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(plans.statusCode()).isEqualTo(200);
			assertThat(Duration.ofNanos(System.nanoTime() - started))
				.as("another request is served at once while %d requests wait for their key's first", WAITERS)
				.isLessThan(Duration.ofSeconds(5));
			assertThat(waiting).as("nobody is answered before the first has answered").noneMatch(Future::isDone);

			String stored = "{\"id\":\"acct_STORED0000000000\",\"status\":\"ACTIVE\"}";
			assertThat(answers.complete(SCOPE, IdempotentAnswers.sha256(presented), first.owner(), 201,
					"application/json", stored.getBytes(), Set.of())).isTrue();

			for (Future<HttpResponse<String>> answer : waiting) {
				HttpResponse<String> response = answer.get(2, TimeUnit.MINUTES);
				assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
				assertThat(response.body()).isEqualTo(stored);
				assertThat(response.headers().firstValue("Idempotent-Replayed")).hasValue("true");
			}
		}
		finally {
			callers.shutdownNow();
		}
	}

	@Test
	void aRequestWaitingForAFirstThatAnsweredA5xxRunsItself() throws Exception {
		String presented = "failing-" + UUID.randomUUID();
		String body = accountBody();
		String key = IdempotentAnswers.sha256(presented);
		var first = (IdempotentAnswers.Claim.Owned) answers.claim(SCOPE, key, fingerprint(body), Set.of());
		long counted = createdAccountsCounted();
		ExecutorService caller = Executors.newSingleThreadExecutor();
		try {
			int before = waits.waiting();
			Future<HttpResponse<String>> second = caller.submit(() -> post(presented, body, Duration.ofMinutes(2)));
			awaitWaiting(before, 1);

			answers.release(SCOPE, key, first.owner());

			HttpResponse<String> response = second.get(2, TimeUnit.MINUTES);
			assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
			assertThat(response.headers().firstValue("Idempotent-Replayed")).isEmpty();
			String account = Api.parse(response.body()).path("id").asString();
			assertThat(api.get("/accounts/" + account).status()).isEqualTo(200);
			// the meter records a request once its answer is sent, which may be after the client has it
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(createdAccountsCounted())
					.as("the request's wait and run are one request in http.server.requests")
					.isEqualTo(counted + 1));
			assertThat(post(presented, body, Duration.ofSeconds(30)).body()).as("its own answer is stored")
				.isEqualTo(response.body());
		}
		finally {
			caller.shutdownNow();
		}
	}

	@Test
	void aRequestWaitingForAFirstWhoseNodeCrashedRunsItselfOnceTheClaimIsStale() throws Exception {
		String presented = "crashed-" + UUID.randomUUID();
		String body = accountBody();
		String key = IdempotentAnswers.sha256(presented);
		var first = (IdempotentAnswers.Claim.Owned) answers.claim(SCOPE, key, fingerprint(body), Set.of());
		ExecutorService caller = Executors.newSingleThreadExecutor();
		try {
			int before = waits.waiting();
			Future<HttpResponse<String>> second = caller.submit(() -> post(presented, body, Duration.ofMinutes(2)));
			awaitWaiting(before, 1);

			// the first's node crashed two and more minutes ago: nobody renews its lease
			jdbc.sql("UPDATE idempotency_keys SET claimed_at = claimed_at - interval '3 minutes' WHERE scope = :s AND key = :k")
				.param("s", SCOPE).param("k", key).update();

			HttpResponse<String> response = second.get(2, TimeUnit.MINUTES);
			assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
			assertThat(response.headers().firstValue("Idempotent-Replayed")).isEmpty();
			assertThat(answers.complete(SCOPE, key, first.owner(), 201, "application/json", "{}".getBytes(), Set.of()))
				.as("the crashed first's claim is the second's now").isFalse();
			assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = :actor AND action = 'POST /api/v1/accounts'")
				.param("actor", actor(presented)).query(Long.class).single())
				.as("the change the waiting request made is audited like any other").isEqualTo(1);
		}
		finally {
			caller.shutdownNow();
		}
	}

	/**
	 * A waiting request keeps its body (up to 1 MiB) for its run: the node keeps no more than its byte budget of such
	 * bodies waiting, whatever their number, and tells the next one its key is in use, as for too many waiters.
	 */
	@Test
	void waitingBodiesBeyondTheNodesByteBudgetAreToldTheKeyIsInUse() throws Exception {
		String presented = "large-" + UUID.randomUUID();
		String body = mebibyteBody();
		int fit = (int) (AnswerWaits.MOST_WAITING_BYTES / body.length());
		String key = IdempotentAnswers.sha256(presented);
		var first = (IdempotentAnswers.Claim.Owned) answers.claim(SCOPE, key, fingerprint(body), Set.of());
		ExecutorService callers = Executors.newFixedThreadPool(fit + 1);
		try {
			// one more than fit: whichever arrives last (their uploads overlap) is the one refused
			java.util.concurrent.CompletionService<HttpResponse<String>> sent =
					new java.util.concurrent.ExecutorCompletionService<>(callers);
			List<Future<HttpResponse<String>>> waiting = new ArrayList<>();
			for (int i = 0; i <= fit; i++) {
				waiting.add(sent.submit(() -> post(presented, body, Duration.ofMinutes(3))));
			}
			Future<HttpResponse<String>> answeredFirst = sent.poll(90, TimeUnit.SECONDS);
			assertThat(answeredFirst).as("one request beyond the budget is answered at once").isNotNull();
			HttpResponse<String> refused = answeredFirst.get();
			assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
			assertThat(Api.parse(refused.body()).path("code").asString()).isEqualTo("IDEMPOTENCY_KEY_IN_USE");
			assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
			waiting.remove(answeredFirst);
			// for two seconds (a few of the timer's checks of the key, which stays held), looked at all along: once
			// answered, or once its body is given back, a waiter does not wait again
			await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
				assertThat(waiting).as("those within the budget still wait").noneMatch(Future::isDone);
				assertThat(waits.waitingBytes()).isEqualTo((long) fit * body.length());
			});

			String stored = "{\"id\":\"acct_LARGE00000000000\",\"status\":\"ACTIVE\"}";
			assertThat(answers.complete(SCOPE, key, first.owner(), 201, "application/json", stored.getBytes(), Set.of()))
				.isTrue();
			for (Future<HttpResponse<String>> answer : waiting) {
				HttpResponse<String> response = answer.get(2, TimeUnit.MINUTES);
				assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
				assertThat(response.body()).isEqualTo(stored);
			}
			assertThat(waits.waitingBytes()).as("the bodies are given back as their requests are answered").isZero();
		}
		finally {
			answers.release(SCOPE, key, first.owner()); // nothing once completed; else frees the waiters for other tests
			callers.shutdownNow();
		}
	}

	/** How many POST /api/v1/accounts answered 201 so far, by the server's http.server.requests meter. */
	private long createdAccountsCounted() throws Exception {
		HttpResponse<String> metric = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
				+ "/actuator/metrics/http.server.requests?tag=uri:/api/v1/accounts&tag=method:POST&tag=status:201"))
			.header("Authorization", "Bearer " + Api.TEST_KEY).timeout(Duration.ofSeconds(30)).GET().build(),
				HttpResponse.BodyHandlers.ofString());
		return metric.statusCode() == 404 ? 0 : Api.parse(metric.body()).path("measurements").get(0).path("value").asLong();
	}

	private HttpResponse<String> post(String presented, String body, Duration timeout) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create(base() + "/accounts"))
			.header("Authorization", "Bearer " + Api.TEST_KEY)
			.header("Idempotency-Key", presented)
			.header("X-Actor", actor(presented))
			.header("Content-Type", "application/json")
			.timeout(timeout)
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * Waits until {@code requests} more requests than {@code before} wait on this node, as its waits count them: they
	 * have arrived and found their key held. A request the server has not read yet would be served at once by the
	 * thread it then gets, which proves nothing; and a request that held a server thread while it waited would leave
	 * fewer waiting than sent once the threads are taken.
	 */
	private void awaitWaiting(int before, int requests) {
		await("%d requests wait for their key's first".formatted(requests)).atMost(Duration.ofSeconds(60))
			.until(() -> waits.waiting() - before >= requests);
	}

	/** Who the requests with this key say acts: the audit trail names it. */
	private static String actor(String presented) {
		return "waiter " + presented;
	}

	private String base() {
		return "http://localhost:" + port + "/api/v1";
	}

	private static String accountBody() {
		return "{\"email\":\"" + Fixtures.uniqueEmail() + "\",\"name\":\"Waiting\",\"country\":\"DE\"}";
	}

	/** A valid account body padded to exactly 1 MiB, the most a request may send. */
	private static String mebibyteBody() {
		String start = "{\"email\":\"" + Fixtures.uniqueEmail() + "\",\"name\":\"Waiting\",\"country\":\"DE\",\"note\":\"";
		return start + "x".repeat(1024 * 1024 - start.length() - 2) + "\"}";
	}

	/** The fingerprint the server gives a POST /accounts with this body: method, routed path, canonical JSON. */
	private static String fingerprint(String body) {
		return IdempotentAnswers.sha256("POST /api/v1/accounts " + CanonicalJson.of(Api.parse(body)));
	}
}
