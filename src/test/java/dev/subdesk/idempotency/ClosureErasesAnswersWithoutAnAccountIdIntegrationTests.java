package dev.subdesk.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * shared/API.md Conventions and Accounts (1.1): the stored answers of an account being closed are erased at once,
 * also those of requests that name the account by nothing but the id of one of its records (a subscription, a
 * charge, a device) and answer without its id (a cancellation, a dispute, an entitlement token).
 */
class ClosureErasesAnswersWithoutAnAccountIdIntegrationTests extends ApiIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Autowired
	JdbcClient jdbc;

	@Autowired
	dev.subdesk.support.Support support;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void answersAboutTheAccountsSubscriptionChargeAndDeviceAreErasedWhenItCloses() throws Exception {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		String other = fixtures.subscribe(account, "vpn-annual");
		String device = api.post("/accounts/" + account + "/devices",
				Map.of("name", "Erika's laptop", "platform", "WINDOWS", "subscriptionId", other)).id();
		String charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();

		Map<String, Exchange> requests = new LinkedHashMap<>();
		requests.put("cancel-" + UUID.randomUUID(), new Exchange("/subscriptions/" + subscription + "/cancel",
				Map.of("mode", "END_OF_TERM", "reason", "OTHER", "feedback", "Klaus lost his job at the bakery")));
		requests.put("dispute-" + UUID.randomUUID(), new Exchange("/charges/" + charge + "/disputes",
				Map.of("reason", "OTHER", "detail", "Erika says she never ordered this")));
		requests.put("token-" + UUID.randomUUID(), new Exchange("/devices/" + device + "/entitlement-token", Map.of()));
		Map<String, Reply> first = new LinkedHashMap<>();
		for (var request : requests.entrySet()) {
			Reply reply = post(request.getValue(), request.getKey());
			assertThat(reply.status()).as(request.getValue().path() + ": " + reply.body()).isLessThan(300);
			first.put(request.getKey(), reply);
		}

		assertThat(api.post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);

		for (var request : requests.entrySet()) {
			String path = request.getValue().path();
			Reply again = post(request.getValue(), request.getKey());
			assertThat(again.body()).as(path + ": the stored answer is not replayed")
				.isNotEqualTo(first.get(request.getKey()).body());
			assertThat(again.status()).as(path).isEqualTo(409);
			assertThat(JSON.readTree(again.body()).path("code").asString()).as(path).isEqualTo("ACCOUNT_CLOSED");
			assertThat(again.replayed()).as(path + ": nothing was done again").isTrue();
			Map<String, Object> row = jdbc.sql("""
					SELECT fingerprint, response_type, octet_length(response_body) AS body FROM idempotency_keys
					WHERE key = :key""")
				.param("key", IdempotentAnswers.sha256(request.getKey()))
				.query()
				.singleRow();
			assertThat(row).as(path + ": the row keeps nothing of what was typed or answered")
				.containsEntry("body", 0);
			assertThat((String) row.get("fingerprint")).as(path + ": only a keyed hash of the request")
				.startsWith("erased:");
		}
	}

	/**
	 * An erased answer keeps what tells its request from another (shared/API.md Conventions: the same key with another
	 * fingerprint is 422 IDEMPOTENCY_KEY_REUSED within the key's 24 hours): the identical retry is told the answer was
	 * erased with the account and nothing runs again; another request with the key is a reuse of the key, not the
	 * closure of an account it may have nothing to do with.
	 */
	@Test
	void anErasedAnswerTellsTheIdenticalRetryItWasErasedAndAnotherRequestWithItsKeyIsAReuse() throws Exception {
		String account = fixtures.accountWithVisa();
		String other = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		fixtures.subscribe(other, "antivirus-annual");
		String key = "device-" + UUID.randomUUID();
		Exchange named = new Exchange("/accounts/" + account + "/devices",
				Map.of("name", "Erika's laptop", "platform", "WINDOWS"));
		Reply first = post(named, key);
		assertThat(first.status()).as(first.body()).isEqualTo(201);
		assertThat(api.post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);

		Reply same = post(named, key);
		assertThat(same.status()).as(same.body()).isEqualTo(409);
		assertThat(JSON.readTree(same.body()).path("code").asString()).isEqualTo("ACCOUNT_CLOSED");
		assertThat(JSON.readTree(same.body()).path("detail").asString()).contains("erased");
		assertThat(same.body()).doesNotContain("Erika");
		assertThat(same.replayed()).as("nothing was done again").isTrue();

		Reply otherBody = post(new Exchange("/accounts/" + account + "/devices",
				Map.of("name", "Klaus's phone", "platform", "ANDROID")), key);
		assertThat(otherBody.status()).as(otherBody.body()).isEqualTo(422);
		assertThat(JSON.readTree(otherBody.body()).path("code").asString()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
		Reply otherAccount = post(new Exchange("/accounts/" + other + "/devices",
				Map.of("name", "Erika's laptop", "platform", "WINDOWS")), key);
		assertThat(otherAccount.status()).as(otherAccount.body()).isEqualTo(422);
		assertThat(JSON.readTree(otherAccount.body()).path("code").asString()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
		assertThat(api.get("/accounts/" + other + "/devices").json().path("data").size())
			.as("the other request did not run").isZero();
	}

	@Test
	void aRequestNamingACaseOfNoAccountIsAnsweredAsAnyOtherNotWithA500() throws Exception {
		String unmatched = support.openUnmatched("Store purchase of nobody we know", "STORE", "no account matches")
			.caseNumber();
		String key = "unmatched-" + UUID.randomUUID();

		Reply reply = post(new Exchange("/subscriptions/" + unmatched + "/cancel", Map.of("mode", "END_OF_TERM")), key);
		Reply again = post(new Exchange("/subscriptions/" + unmatched + "/cancel", Map.of("mode", "END_OF_TERM")), key);

		assertThat(reply.status()).as(reply.body()).isEqualTo(404);
		assertThat(again.status()).isEqualTo(404);
		assertThat(again.replayed()).as("stored like any answer below 500").isTrue();
	}

	record Exchange(String path, Map<String, Object> body) {
	}

	record Reply(int status, String body, boolean replayed) {
	}

	private Reply post(Exchange exchange, String key) throws Exception {
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1"
				+ exchange.path()))
			.header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + Api.TEST_KEY)
			.header("Idempotency-Key", key)
			.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(exchange.body())))
			.build(), HttpResponse.BodyHandlers.ofString());
		return new Reply(response.statusCode(), response.body(),
				"true".equals(response.headers().firstValue("Idempotent-Replayed").orElse(null)));
	}
}
