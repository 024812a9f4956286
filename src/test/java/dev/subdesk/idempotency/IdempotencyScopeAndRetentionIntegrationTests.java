package dev.subdesk.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * shared/API.md Conventions (1.1): an {@code Idempotency-Key} is scoped to the API key itself, not to the spelling of
 * the {@code Authorization} header; a public endpoint called without a key stores nothing; stored answers are
 * deleted 24 hours after they were written, by the server's clock.
 */
class IdempotencyScopeAndRetentionIntegrationTests extends ApiIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Autowired
	JdbcClient jdbc;

	@Autowired
	AnswerRetention retention;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void oneIdempotencyKeySentWithBearerThenWithLowerCaseBearerRefundsOnce() throws Exception {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
		String key = "refund-" + UUID.randomUUID();
		Map<String, Object> refund = Map.of("amount", 100, "reason", "goodwill");

		Reply first = call("POST", "/charges/" + charge + "/refunds", refund, "Bearer " + Api.TEST_KEY, key);
		Reply second = call("POST", "/charges/" + charge + "/refunds", refund, "bearer " + Api.TEST_KEY, key);

		assertThat(first.status()).as(first.body()).isEqualTo(201);
		assertThat(first.replayed()).isFalse();
		assertThat(second.status()).isEqualTo(201);
		assertThat(second.replayed()).as("the same key under another spelling of the header is a replay").isTrue();
		assertThat(second.body()).isEqualTo(first.body());
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("refundedAmount").asLong())
			.as("refunded once").isEqualTo(100);
	}

	@Test
	void aRequestWhoseKeyWasTakenOverAsStaleNeitherStoresItsAnswerNorFreesTheNewOwnersKey(
			@Autowired IdempotentAnswers answers) {
		String scope = "scope-" + UUID.randomUUID();
		String key = IdempotentAnswers.sha256("slow-" + UUID.randomUUID());
		String fingerprint = IdempotentAnswers.sha256("POST /x {}");
		var slow = (IdempotentAnswers.Claim.Owned) answers.claim(scope, key, fingerprint, Set.of());
		assertThat(answers.claim(scope, key, fingerprint, Set.of())).isInstanceOf(IdempotentAnswers.Claim.InProgress.class);
		jdbc.sql("UPDATE idempotency_keys SET claimed_at = claimed_at - interval '3 minutes' WHERE scope = :s AND key = :k")
			.param("s", scope).param("k", key).update();
		var retry = (IdempotentAnswers.Claim.Owned) answers.claim(scope, key, fingerprint, Set.of());

		answers.release(scope, key, slow.owner());
		assertThat(answers.claim(scope, key, fingerprint, Set.of())).as("the retry still holds it")
			.isInstanceOf(IdempotentAnswers.Claim.InProgress.class);
		assertThat(answers.complete(scope, key, slow.owner(), 201, "application/json", "{\"n\":1}".getBytes(), Set.of()))
			.isFalse();
		assertThat(answers.complete(scope, key, retry.owner(), 201, "application/json", "{\"n\":2}".getBytes(), Set.of()))
			.isTrue();
		var stored = (IdempotentAnswers.Claim.Completed) answers.claim(scope, key, fingerprint, Set.of());
		assertThat(new String(stored.body())).isEqualTo("{\"n\":2}");
		assertThat(jdbc.sql("SELECT response_body FROM idempotency_keys WHERE scope = :s AND key = :k")
			.param("s", scope).param("k", key).query(byte[].class).single()).as("sealed at rest")
			.isNotEqualTo("{\"n\":2}".getBytes());
	}

	@Test
	void anAccountClosedWhileARequestNamingItRunsLeavesNoAnswerToStore(@Autowired IdempotentAnswers answers) {
		String account = fixtures.accountWithVisa();
		String scope = "scope-" + UUID.randomUUID();
		String key = IdempotentAnswers.sha256("device-" + UUID.randomUUID());
		String fingerprint = IdempotentAnswers.sha256("POST /accounts/" + account + "/devices {}");
		var running = (IdempotentAnswers.Claim.Owned) answers.claim(scope, key, fingerprint,
				IdempotentAnswers.accountIds("/accounts/" + account + "/devices", new byte[0], new byte[0]));

		// the closure, on its own request's thread, committed before this request's answer is stored
		java.util.concurrent.CompletableFuture.runAsync(() -> answers.eraseAnswersFor(account)).join();

		assertThat(answers.complete(scope, key, running.owner(), 201, "application/json",
				("{\"accountId\":\"" + account + "\",\"name\":\"Erika's laptop\"}").getBytes(), Set.of(account)))
			.as("the device's name is not kept after the closure").isFalse();
		var replayed = (IdempotentAnswers.Claim.Completed) answers.claim(scope, key, fingerprint, Set.of());
		assertThat(replayed.erased()).isTrue();
		assertThat(replayed.body()).isEmpty();
	}

	@Test
	void twoBodiesInAnotherCharsetThatDifferOnlyInOneLetterAreTwoRequests() throws Exception {
		String key = "latin1-" + UUID.randomUUID();
		String email = dev.subdesk.testing.Fixtures.uniqueEmail();
		Reply first = latin1(key, "{\"email\":\"" + email + "\",\"name\":\"Ren\u00e9\",\"country\":\"DE\"}");
		Reply second = latin1(key, "{\"email\":\"" + email + "\",\"name\":\"Ren\u00e8\",\"country\":\"DE\"}");

		assertThat(first.status()).as(first.body()).isEqualTo(201);
		assertThat(JSON.readTree(first.body()).path("name").asString()).isEqualTo("Ren\u00e9");
		assertThat(second.replayed()).as("not the first request's answer").isFalse();
		assertThat(second.status()).as(second.body()).isEqualTo(422);
		assertThat(JSON.readTree(second.body()).path("code").asString()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
	}

	@Test
	void aBodyTheHandlerRefusesAndTheCorrectedOneAreTwoRequests() throws Exception {
		String charge = chargeOfANewSubscription();
		String key = "fraction-" + UUID.randomUUID();

		Reply refused = raw("/charges/" + charge + "/refunds", "{\"amount\":100.0,\"reason\":\"goodwill\"}", key);
		Reply corrected = raw("/charges/" + charge + "/refunds", "{\"amount\":100,\"reason\":\"goodwill\"}", key);

		assertThat(refused.status()).as("an amount with a fraction is refused: %s", refused.body()).isEqualTo(400);
		assertThat(corrected.replayed()).as("the corrected body is not the refused one's replay: %s", corrected.body())
			.isFalse();
		assertThat(corrected.status()).as(corrected.body()).isEqualTo(422);
		assertThat(JSON.readTree(corrected.body()).path("code").asString()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
	}

	@Test
	void twoAmountsBeyondWhatADoubleHoldsExactlyAreTwoRequests() throws Exception {
		String charge = chargeOfANewSubscription();
		String key = "beyond-double-" + UUID.randomUUID();

		// 2^63: refused (not a long); 2^63 - 1 is read as a long, past what is left to refund
		Reply refused = raw("/charges/" + charge + "/refunds",
				"{\"amount\":9223372036854775808,\"reason\":\"goodwill\"}", key);
		Reply other = raw("/charges/" + charge + "/refunds",
				"{\"amount\":9223372036854775807,\"reason\":\"goodwill\"}", key);

		assertThat(refused.status()).as(refused.body()).isEqualTo(400);
		assertThat(other.replayed()).as("another amount is not the first one's replay: %s", other.body()).isFalse();
		assertThat(other.status()).as(other.body()).isEqualTo(422);
		assertThat(JSON.readTree(other.body()).path("code").asString()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
	}

	@Test
	void aBodyNamingAFieldTwiceIsNotTheReplayOfTheBodyItsLastValueMatches() throws Exception {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
		String key = "twice-" + UUID.randomUUID();

		Reply refunded = raw("/charges/" + charge + "/refunds", "{\"amount\":100,\"reason\":\"goodwill\"}", key);
		Reply twice = raw("/charges/" + charge + "/refunds",
				"{\"reason\":\"other\",\"reason\":\"goodwill\",\"amount\":100}", key);

		assertThat(refunded.status()).as(refunded.body()).isEqualTo(201);
		assertThat(twice.replayed()).as("a body the handler would refuse is not given the 201: %s", twice.body())
			.isFalse();
		assertThat(twice.status()).as(twice.body()).isEqualTo(422);
		assertThat(JSON.readTree(twice.body()).path("code").asString()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("refundedAmount").asLong())
			.as("refunded once").isEqualTo(100);
	}

	private String chargeOfANewSubscription() {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		return api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
	}

	private Reply raw(String path, String json, String key) throws Exception {
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
				+ "/api/v1" + path))
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + Api.TEST_KEY)
			.header("Idempotency-Key", key)
			.POST(HttpRequest.BodyPublishers.ofString(json))
			.build(), HttpResponse.BodyHandlers.ofString());
		return new Reply(response.statusCode(), response.body(),
				"true".equals(response.headers().firstValue("Idempotent-Replayed").orElse(null)));
	}

	private Reply latin1(String key, String json) throws Exception {
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
				+ "/api/v1/accounts"))
			.header("Content-Type", "application/json; charset=ISO-8859-1")
			.header("Authorization", "Bearer " + Api.TEST_KEY)
			.header("Idempotency-Key", key)
			.POST(HttpRequest.BodyPublishers.ofByteArray(json.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
			.build(), HttpResponse.BodyHandlers.ofString());
		return new Reply(response.statusCode(), response.body(),
				"true".equals(response.headers().firstValue("Idempotent-Replayed").orElse(null)));
	}

	@Test
	void aPublicReceiptVerificationWithoutAKeyStoresNothingAndStillAnswers() throws Exception {
		String account = fixtures.accountWithVisa();
		String number = fixtures.cancel(fixtures.subscribe(account, "antivirus-annual"), "IMMEDIATE")
			.text("confirmationNumber");
		String receipt = api.get("/cancellations/" + number + "/receipt").raw();
		String key = "verify-" + UUID.randomUUID();

		Reply first = call("POST", "/receipts/verify", JSON.readTree(receipt), null, key);
		Reply second = call("POST", "/receipts/verify", JSON.readTree(receipt), null, key);

		assertThat(first.status()).as(first.body()).isEqualTo(200);
		assertThat(JSON.readTree(first.body()).path("valid").asBoolean()).isTrue();
		assertThat(second.status()).isEqualTo(200);
		assertThat(second.replayed()).isFalse();
		assertThat(storedRows(key)).as("rows stored for an anonymous call").isZero();
	}

	@Test
	void storedAnswersArePurgedOnceTheyAreOlderThanADayByTheServerClock() throws Exception {
		String key = "account-" + UUID.randomUUID();
		Map<String, Object> body = Map.of("email", dev.subdesk.testing.Fixtures.uniqueEmail(), "name", "Retention Test",
				"country", "DE");
		assertThat(call("POST", "/accounts", body, "Bearer " + Api.TEST_KEY, key).status()).isEqualTo(201);
		assertThat(storedRows(key)).isEqualTo(1);

		assertThat(api.post("/test-clock/advance", Map.of("duration", "PT23H")).status()).isEqualTo(200);
		retention.purge();
		assertThat(storedRows(key)).as("still kept within 24 hours").isEqualTo(1);
		assertThat(call("POST", "/accounts", body, "Bearer " + Api.TEST_KEY, key).replayed()).isTrue();

		assertThat(api.post("/test-clock/advance", Map.of("duration", "PT1H1M")).status()).isEqualTo(200);
		retention.purge();
		assertThat(storedRows(key)).as("purged after 24 hours").isZero();
	}

	/** Rows stored for this Idempotency-Key, whether the table keeps the key in clear or as its SHA-256. */
	private long storedRows(String key) {
		return jdbc.sql("SELECT count(*) FROM idempotency_keys WHERE key IN (:key, :hashed)")
			.param("key", key)
			.param("hashed", IdempotentAnswers.sha256(key))
			.query(Long.class)
			.single();
	}

	record Reply(int status, String body, boolean replayed) {
	}

	private Reply call(String method, String path, Object body, @Nullable String authorization, String key)
			throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1" + path))
			.header("Content-Type", "application/json")
			.header("Idempotency-Key", key)
			.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
		return new Reply(response.statusCode(), response.body(),
				"true".equals(response.headers().firstValue("Idempotent-Replayed").orElse(null)));
	}
}
