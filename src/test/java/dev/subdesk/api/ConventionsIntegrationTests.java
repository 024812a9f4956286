package dev.subdesk.api;

import static dev.subdesk.testing.ProblemAssertions.assertProblem;
import static dev.subdesk.testing.ProblemAssertions.assertValidationFailed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Fixtures;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The rules of the "Conventions" section of shared/API.md, across endpoints. */
class ConventionsIntegrationTests extends ApiIntegrationTest {

	// Authentication

	@Test
	void missingOrWrongApiKeyIsUnauthorizedOnProtectedEndpoints() {
		String account = fixtures.account();
		String email = Fixtures.uniqueEmail();
		Map<String, Api> callers = Map.of(
				"no key", api.with("Authorization", null),
				"wrong key", api.with("Authorization", "Bearer not-the-key"),
				"key without Bearer", api.with("Authorization", Api.TEST_KEY),
				"basic auth", api.with("Authorization", "Basic dGVzdDp0ZXN0"),
				"key with a suffix", api.with("Authorization", "Bearer " + Api.TEST_KEY + "x"));
		callers.forEach((who, caller) -> {
			List<Api.Response> answers = List.of(
					caller.get("/plans"),
					caller.get("/accounts/" + account),
					caller.get("/accounts/acct_unknown"),
					caller.get("/accounts?email=" + email),
					caller.post("/accounts", Map.of("email", email, "name", "Intruder", "country", "DE")),
					caller.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-annual")),
					caller.patch("/subscriptions/sub_unknown", Map.of("autoRenew", false)),
					caller.delete("/accounts/" + account + "/devices/dev_unknown"),
					caller.post("/accounts/" + account + "/close"),
					caller.get("/test-clock"),
					caller.post("/renewals/run"),
					caller.get("/no-such-path"));
			assertThat(answers).as(who).allSatisfy(answer -> assertProblem(answer, 401, "UNAUTHORIZED"));
		});
		assertThat(api.get("/accounts?email=" + email).json().path("data").isEmpty()).isTrue();
		assertThat(api.get("/accounts/" + account).text("status")).isEqualTo("ACTIVE");
	}

	@Test
	void receiptKeysAndReceiptVerificationArePublic() {
		Api anonymous = api.with("Authorization", null);
		Api.Response keys = anonymous.get("/receipt-keys");
		assertThat(keys.status()).as(keys.toString()).isEqualTo(200);
		assertThat(keys.json().path("data").isArray()).isTrue();

		Api.Response notAReceipt = anonymous.post("/receipts/verify", Map.of("hello", "world"));
		assertValidationFailed(notAReceipt, "");
		Api.Response unknownKey = anonymous.post("/receipts/verify",
				Map.of("cancellation", Map.of(), "issuedAt", "2026-01-01T00:00:00Z", "keyId", "rk_unknown", "signature", "AAAA"));
		assertThat(unknownKey.status()).as(unknownKey.toString()).isEqualTo(200);
		assertThat(unknownKey.json().path("valid").asBoolean(true)).isFalse();
	}

	// Problem details

	@Test
	void errorsAreProblemDetailsWithAStableCode() {
		JsonNode notFound = assertProblem(api.get("/accounts/acct_unknown"), 404, "NOT_FOUND");
		assertThat(notFound.path("type").asString()).isNotBlank();
		assertThat(notFound.path("title").asString()).isNotBlank();
		assertThat(notFound.path("detail").asString()).isNotBlank();

		JsonNode invalid = assertValidationFailed(
				api.post("/accounts", Map.of("email", "no-at-sign", "name", "", "country", "DE")), "email");
		assertThat(invalid.path("errors").values()).extracting(e -> e.path("field").asString())
			.containsExactlyInAnyOrder("email", "name");
		assertThat(invalid.path("errors").values()).allSatisfy(e -> assertThat(e.path("message").asString()).isNotBlank());
	}

	@Test
	void malformedJsonIsOneValidationErrorOnTheEmptyField() {
		for (String malformed : List.of("{\"email\": ", "{'email': 'x'}", "{\"a\":1} trailing")) {
			JsonNode problem = assertValidationFailed(api.post("/accounts", malformed), "");
			assertThat(problem.path("errors").size()).as(malformed).isEqualTo(1);
		}
	}

	// Idempotency keys

	@Test
	void sameIdempotencyKeyAndBodyReplaysTheFirstAnswerAndDoesNothingMore() {
		String email = Fixtures.uniqueEmail();
		Api keyed = api.with("Idempotency-Key", UUID.randomUUID().toString());
		Map<String, String> body = Map.of("email", email, "name", "Once Only", "country", "DE");

		Api.Response first = keyed.post("/accounts", body);
		Api.Response second = keyed.post("/accounts", body);

		assertThat(first.status()).as(first.toString()).isEqualTo(201);
		assertThat(second.status()).isEqualTo(201);
		assertThat(second.raw()).isEqualTo(first.raw());
		JsonNode found = api.get("/accounts?email=" + email).json().path("data");
		assertThat(found.size()).isEqualTo(1);
		assertThat(api.get("/accounts/" + first.id() + "/notices").json().path("data").size()).isEqualTo(1);
	}

	@Test
	void anErrorAnswerIsReplayedToo() {
		Api keyed = api.with("Idempotency-Key", UUID.randomUUID().toString());
		Map<String, String> body = Map.of("email", "broken", "name", "Broken", "country", "DE");
		Api.Response first = keyed.post("/accounts", body);
		assertValidationFailed(first, "email");
		assertThat(keyed.post("/accounts", body).raw()).isEqualTo(first.raw());
	}

	@Test
	void sameIdempotencyKeyWithAnotherBodyOrPathIsRejected() {
		String email = Fixtures.uniqueEmail();
		String other = Fixtures.uniqueEmail();
		Api keyed = api.with("Idempotency-Key", UUID.randomUUID().toString());
		assertThat(keyed.post("/accounts", Map.of("email", email, "name", "First", "country", "DE")).status())
			.isEqualTo(201);

		assertProblem(keyed.post("/accounts", Map.of("email", other, "name", "First", "country", "DE")), 422,
				"IDEMPOTENCY_KEY_REUSED");
		assertProblem(keyed.post("/renewals/run"), 422, "IDEMPOTENCY_KEY_REUSED");
		assertThat(api.get("/accounts?email=" + other).json().path("data").isEmpty()).isTrue();
	}

	@Test
	void anIdempotencyKeyIsScopedToTheApiKeyAndAnAnonymousCallStoresNothing() {
		String key = UUID.randomUUID().toString();
		Api anonymous = api.with("Authorization", null).with("Idempotency-Key", key);
		Map<String, Object> receipt = Map.of("cancellation", Map.of(), "issuedAt", "2026-01-01T00:00:00Z", "keyId",
				"rk_unknown", "signature", "AAAA");
		assertValidationFailed(anonymous.post("/receipts/verify", Map.of("hello", "world")), "");

		Api.Response withApiKey = api.with("Idempotency-Key", key).post("/receipts/verify", receipt);
		assertThat(withApiKey.status()).as(withApiKey.toString()).isEqualTo(200);
		assertThat(withApiKey.json().path("valid").asBoolean(true)).isFalse();
		// (1.1) The anonymous 400 above was not stored: the same key with another body runs, no 422.
		Api.Response anonymousAgain = anonymous.post("/receipts/verify", receipt);
		assertThat(anonymousAgain.status()).as(anonymousAgain.toString()).isEqualTo(200);
		assertThat(anonymousAgain.json().path("valid").asBoolean(true)).isFalse();
	}

	@Test
	void keyOrderWhitespaceAndQueryDoNotChangeTheFingerprint() {
		String email = Fixtures.uniqueEmail();
		Api keyed = api.with("Idempotency-Key", UUID.randomUUID().toString());
		Api.Response first = keyed.post("/accounts",
				"{\"email\":\"" + email + "\",\"name\":\"Sorted\",\"country\":\"DE\",\"region\":\"BY\"}");
		Api.Response reordered = keyed.post("/accounts?source=retry",
				"{ \"region\": \"BY\",\n  \"country\": \"DE\", \"name\": \"Sorted\", \"email\": \"" + email + "\" }");

		assertThat(first.status()).as(first.toString()).isEqualTo(201);
		assertThat(reordered.status()).isEqualTo(201);
		assertThat(reordered.raw()).isEqualTo(first.raw());
		assertThat(api.get("/accounts?email=" + email).json().path("data").size()).isEqualTo(1);
	}

	@Test
	void anEmptyBodyHasTheFingerprintOfAnEmptyObject() {
		String sub = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-annual");
		Api keyed = api.with("Idempotency-Key", UUID.randomUUID().toString());
		Api.Response withoutBody = keyed.post("/subscriptions/" + sub + "/cancellation-quote");
		Api.Response withEmptyObject = keyed.post("/subscriptions/" + sub + "/cancellation-quote", "{}");
		assertThat(withoutBody.status()).as(withoutBody.toString()).isEqualTo(200);
		assertThat(withEmptyObject.raw()).isEqualTo(withoutBody.raw());
	}

	@Test
	void idempotencyKeyMustBeOneTo255Characters() {
		String email = Fixtures.uniqueEmail();
		Map<String, String> body = Map.of("email", email, "name", "Long Key", "country", "DE");

		assertValidationFailed(api.with("Idempotency-Key", "k".repeat(256)).post("/accounts", body), "Idempotency-Key");
		assertValidationFailed(api.with("Idempotency-Key", "").post("/accounts", body), "Idempotency-Key");
		assertThat(api.get("/accounts?email=" + email).json().path("data").isEmpty()).isTrue();

		Api longest = api.with("Idempotency-Key", UUID.randomUUID() + "k".repeat(255 - 36));
		assertThat(longest.post("/accounts", body).status()).isEqualTo(201);
		assertThat(longest.post("/accounts", body).status()).isEqualTo(201);
		assertThat(api.get("/accounts?email=" + email).json().path("data").size()).isEqualTo(1);
	}

	@Test
	void aStoredAnswerExpiresAfter24HoursOfTheTestClock() {
		Api keyed = api.with("Idempotency-Key", UUID.randomUUID().toString());
		Map<String, String> body = Map.of("email", Fixtures.uniqueEmail(), "name", "Expiring", "country", "DE");
		assertThat(keyed.post("/accounts", body).status()).isEqualTo(201);
		fixtures.advance("PT23H");
		assertThat(keyed.post("/accounts", body).status()).isEqualTo(201);

		fixtures.advance("PT2H");

		assertProblem(keyed.post("/accounts", body), 409, "EMAIL_TAKEN");
	}

	@Test
	void concurrentPurchasesWithOneKeyMakeOneSubscriptionAndOneCharge() throws Exception {
		String account = fixtures.accountWithVisa();
		Api keyed = api.with("Idempotency-Key", UUID.randomUUID().toString());
		int callers = 4;
		CountDownLatch start = new CountDownLatch(1);
		List<Future<Api.Response>> answers = new ArrayList<>();
		try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
			for (int i = 0; i < callers; i++) {
				answers.add(pool.submit(() -> {
					start.await();
					return keyed.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-annual"));
				}));
			}
			start.countDown();
			List<Api.Response> responses = new ArrayList<>();
			for (Future<Api.Response> answer : answers) {
				responses.add(answer.get());
			}
			assertThat(responses).allSatisfy(r -> {
				assertThat(r.status()).as(r.toString()).isEqualTo(201);
				assertThat(r.raw()).isEqualTo(responses.get(0).raw());
			});
		}

		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isEqualTo(1);
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isEqualTo(1);
	}

	// Lists

	@Test
	void listsDefaultTo20ItemsAndPageNewestFirstVisitingEveryItemOnce() {
		String account = fixtures.account();
		List<String> created = new ArrayList<>();
		for (int i = 0; i < 25; i++) {
			created.add(fixtures.card(account, i % 2 == 0 ? "tok_visa" : "tok_mastercard"));
		}
		List<String> newestFirst = created.reversed();
		String path = "/accounts/" + account + "/payment-methods";

		JsonNode firstPage = api.get(path).json();
		assertThat(firstPage.path("data").size()).isEqualTo(20);
		assertThat(firstPage.path("nextCursor").isString()).isTrue();
		assertThat(api.get(path + "?limit=100").json().path("nextCursor").isNull()).isTrue();

		assertThat(walk(path, 7)).containsExactlyElementsOf(newestFirst);
		assertThat(walk(path, 1)).containsExactlyElementsOf(newestFirst);
		assertThat(walk(path, 25)).containsExactlyElementsOf(newestFirst);

		String removed = created.get(24);
		assertThat(api.delete(path + "/" + removed).status()).isEqualTo(204);
		assertThat(walk(path, 10)).containsExactlyElementsOf(newestFirst.subList(1, 25));
	}

	@Test
	void subscriptionsAndChargesPageNewestFirst() {
		String account = fixtures.accountWithVisa();
		List<String> subscriptions = new ArrayList<>();
		for (String plan : List.of("antivirus-annual", "vpn-annual", "utilities-annual", "total-annual")) {
			subscriptions.add(fixtures.subscribe(account, plan));
		}
		assertThat(walk("/accounts/" + account + "/subscriptions", 3)).containsExactlyElementsOf(subscriptions.reversed());
		List<String> chargedSubscriptions = new ArrayList<>();
		String cursor = null;
		do {
			JsonNode page = api.get("/accounts/" + account + "/charges?limit=3" + (cursor == null ? "" : "&cursor=" + cursor))
				.json();
			page.path("data").values().forEach(c -> chargedSubscriptions.add(c.path("subscriptionId").asString()));
			cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asString();
		}
		while (cursor != null);
		assertThat(chargedSubscriptions).containsExactlyElementsOf(subscriptions.reversed());
	}

	@Test
	void limitOutsideOneTo100IsRejected() {
		String account = fixtures.account();
		List<String> lists = List.of("/accounts/" + account + "/payment-methods", "/accounts/" + account + "/devices",
				"/accounts/" + account + "/subscriptions", "/accounts/" + account + "/charges",
				"/accounts/" + account + "/notices", "/accounts?email=x@example.com", "/plans", "/receipt-keys",
				"/subscriptions?orderNumber=ORD-0000-0000");
		for (String list : lists) {
			String separator = list.contains("?") ? "&" : "?";
			for (String limit : List.of("0", "101", "abc", "-1", "2.5", "99999999999")) {
				assertValidationFailed(api.get(list + separator + "limit=" + limit), "limit");
			}
			assertThat(api.get(list + separator + "limit=1").status()).as(list).isEqualTo(200);
			assertThat(api.get(list + separator + "limit=100").status()).as(list).isEqualTo(200);
		}
	}

	@Test
	void theCatalogPagesInCatalogOrder() {
		List<String> all = api.get("/plans").json().path("data").values().stream().map(p -> p.path("code").asString()).toList();
		assertThat(all).startsWith("antivirus-annual", "antivirus-monthly", "vpn-annual").hasSize(17); // the seven of the demo catalog, the tests' trial plan and nine price-change plans (db/testdata)
		List<String> paged = new ArrayList<>();
		String cursor = null;
		do {
			JsonNode page = api.get("/plans?limit=3" + (cursor == null ? "" : "&cursor=" + cursor)).json();
			assertThat(page.path("data").size()).isBetween(1, 3);
			page.path("data").values().forEach(p -> paged.add(p.path("code").asString()));
			cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asString();
		}
		while (cursor != null);
		assertThat(paged).containsExactlyElementsOf(all);
	}

	@Test
	void aCursorTheServerDidNotGiveIsRejected() {
		String account = fixtures.account();
		for (String cursor : List.of("garbage!", "bm90LWEtY3Vyc29y", "MTIzOmFiYw", "%20")) {
			assertValidationFailed(api.get("/accounts/" + account + "/notices?cursor=" + cursor), "cursor");
			assertValidationFailed(api.get("/plans?cursor=" + cursor), "cursor");
		}
	}

	// Ids, methods, media types, sizes

	@Test
	void unknownIdInThePathIsNotFound() {
		String account = fixtures.accountWithVisa();
		String charge = chargeOf(account, fixtures.subscribe(account, "antivirus-monthly"));
		List<Api.Response> answers = List.of(
				api.get("/accounts/acct_unknown"),
				api.get("/accounts/acct_unknown/charges"),
				api.post("/accounts/acct_unknown/payment-methods", Map.of("token", "tok_visa")),
				api.delete("/accounts/" + account + "/payment-methods/pm_unknown"),
				api.delete("/accounts/" + account + "/devices/dev_unknown"),
				api.get("/subscriptions/sub_unknown"),
				api.patch("/subscriptions/sub_unknown", Map.of("autoRenew", false)),
				api.post("/subscriptions/sub_unknown/cancel", Map.of("mode", "IMMEDIATE")),
				api.post("/subscriptions/sub_unknown/cancel", "{not json"),
				api.get("/cancellations/CXL-0000-0000"),
				api.get("/cancellations/CXL-0000-0000/receipt"),
				api.post("/offers/off_unknown/accept"),
				api.post("/charges/ch_unknown/refunds", Map.of("reason", "goodwill")),
				api.get("/cases/CASE-000000"),
				api.get("/no-such-thing"));
		assertThat(answers).allSatisfy(answer -> assertProblem(answer, 404, "NOT_FOUND"));
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString())
			.isEqualTo(charge);
	}

	@Test
	void unknownIdInTheBodyIsBadRequestNamingTheField() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		String charge = chargeOf(account, sub);
		String strangersCard = fixtures.card(fixtures.account(), "tok_visa");

		assertValidationFailed(api.post("/subscriptions", Map.of("accountId", "acct_unknown", "planCode", "vpn-annual")),
				"accountId");
		assertValidationFailed(api.post("/subscriptions", Map.of("accountId", account, "planCode", "no-such-plan")),
				"planCode");
		assertValidationFailed(api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "vpn-annual", "paymentMethodId", strangersCard)), "paymentMethodId");
		assertValidationFailed(api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "identity-addon-annual", "parentSubscriptionId", "sub_unknown")),
				"parentSubscriptionId");
		assertValidationFailed(api.post("/accounts/" + account + "/devices",
				Map.of("name", "Phone", "platform", "IOS", "subscriptionId", "sub_unknown")), "subscriptionId");
		assertValidationFailed(api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", "pm_unknown")),
				"paymentMethodId");
		assertValidationFailed(api.post("/charges/" + charge + "/disputes",
				Map.of("reason", "UNRECOGNIZED", "confirmationNumber", "CXL-0000-0000")), "confirmationNumber");

		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isEqualTo(1);
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isEqualTo(1);
		assertThat(api.get("/accounts/" + account + "/devices").json().path("data").isEmpty()).isTrue();
	}

	@Test
	void wrongMethodIsMethodNotAllowed() {
		String account = fixtures.account();
		List<Api.Response> answers = List.of(
				api.send("DELETE", "/plans", null, null),
				api.send("PUT", "/accounts", "{}", "application/json"),
				api.send("PATCH", "/accounts/" + account, "{}", "application/json"),
				api.get("/accounts/" + account + "/close"),
				api.get("/subscriptions/sub_x/cancel"),
				api.send("PUT", "/test-clock", "{}", "application/json"),
				api.get("/renewals/run"));
		assertThat(answers).allSatisfy(answer -> assertProblem(answer, 405, "METHOD_NOT_ALLOWED"));
		assertThat(api.get("/accounts/" + account).text("status")).isEqualTo("ACTIVE");
	}

	@Test
	void aBodyThatIsNotJsonIsUnsupportedMediaType() {
		String email = Fixtures.uniqueEmail();
		String body = "{\"email\":\"" + email + "\",\"name\":\"Plain Text\",\"country\":\"DE\"}";
		for (String contentType : List.of("text/plain", "application/xml", "application/x-www-form-urlencoded",
				"multipart/form-data; boundary=x", "not a media type")) {
			assertProblem(api.send("POST", "/accounts", body, contentType), 415, "UNSUPPORTED_MEDIA_TYPE");
		}
		assertProblem(api.with("Authorization", null).send("POST", "/receipts/verify", "{}", "text/plain"), 415,
				"UNSUPPORTED_MEDIA_TYPE");
		assertThat(api.get("/accounts?email=" + email).json().path("data").isEmpty()).isTrue();

		assertThat(api.send("POST", "/accounts", body, "application/json; charset=UTF-8").status()).isEqualTo(201);
	}

	@Test
	void aJsonApiAnswersJsonWhateverTheAcceptHeaderAsks() {
		String account = fixtures.account();
		for (String accept : List.of("text/html", "application/xml", "image/png")) {
			Api.Response found = api.with("Accept", accept).get("/accounts/" + account);
			assertThat(found.status()).as(found.toString()).isEqualTo(200);
			assertThat(found.contentType()).startsWith("application/json");
			assertProblem(api.with("Accept", accept).get("/accounts/acct_unknown"), 404, "NOT_FOUND");
		}
	}

	@Test
	void aBodyOverOneMegabyteIsTooLarge() throws Exception {
		String email = Fixtures.uniqueEmail();
		String justUnder = "{\"email\":\"" + email + "\",\"country\":\"DE\",\"name\":\""
				+ "x".repeat(1024 * 1024 - 100) + "\"}";
		assertValidationFailed(api.post("/accounts", justUnder), "name");

		String over = justUnder.replace("\"name\":\"", "\"name\":\"" + "x".repeat(200));
		assertThat(over.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(1024 * 1024);
		assertProblem(api.post("/accounts", over), 413, "PAYLOAD_TOO_LARGE");
		assertProblem(api.with("Idempotency-Key", UUID.randomUUID().toString()).post("/accounts", over), 413,
				"PAYLOAD_TOO_LARGE");
		assertProblem(api.with("Authorization", null).post("/receipts/verify", over), 413, "PAYLOAD_TOO_LARGE");
		assertProblem(postChunked("/accounts", over), 413, "PAYLOAD_TOO_LARGE");
		assertThat(api.get("/accounts?email=" + email).json().path("data").isEmpty()).isTrue();
	}

	@Test
	void aChunkedBodyWithinTheLimitIsRead() throws Exception {
		String email = Fixtures.uniqueEmail();
		Api.Response created = postChunked("/accounts",
				"{\"email\":\"" + email + "\",\"name\":\"Chunked\",\"country\":\"DE\"}");
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		assertThat(created.text("email")).isEqualTo(email);
	}

	@Test
	void anActorHeaderIsAccepted() {
		Api agent = api.with("X-Actor", "agent:jane.doe@acme.example");
		Api.Response account = agent.post("/accounts", Map.of("email", Fixtures.uniqueEmail(), "name", "Acted For", "country", "DE"));
		assertThat(account.status()).as(account.toString()).isEqualTo(201);
		assertThat(agent.post("/accounts/" + account.id() + "/payment-methods", Map.of("token", "tok_visa")).status())
			.isEqualTo(201);
		Api.Response cancelled = api.with("X-Actor", "x".repeat(1000))
			.post("/subscriptions/" + fixtures.subscribe(account.id(), "vpn-annual") + "/cancel", Map.of("mode", "END_OF_TERM"));
		assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
		assertThat(cancelled.text("channel")).isEqualTo("API");
	}

	// Test clock

	@Test
	void theTestClockAdvancesByDaysHoursAndWeeks() {
		Instant start = now();
		assertThat(api.get("/test-clock").text("now")).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");

		Instant afterDay = advance("P1D");
		assertThat(afterDay).isBetween(start.plus(Duration.ofDays(1)), start.plus(Duration.ofDays(1)).plusSeconds(30));
		Instant afterHour = advance("PT1H");
		assertThat(afterHour).isBetween(afterDay.plus(Duration.ofHours(1)), afterDay.plus(Duration.ofHours(1)).plusSeconds(30));
		Instant afterWeeks = advance("P2W");
		assertThat(afterWeeks).isBetween(afterHour.plus(Duration.ofDays(14)), afterHour.plus(Duration.ofDays(14)).plusSeconds(30));
		assertThat(now()).isBetween(afterWeeks, afterWeeks.plusSeconds(30));
	}

	@Test
	void theTestClockRefusesMonthsYearsZeroTooMuchAndNonsense() {
		Instant start = now();
		for (String duration : List.of("P1M", "P1Y", "P0D", "PT0S", "P3661D", "abc", "", "P", "PT", "-P1D", "P1DT",
				"1D", "P1.5D", "p1d")) {
			assertValidationFailed(api.post("/test-clock/advance", Map.of("duration", duration)), "duration");
		}
		assertValidationFailed(api.post("/test-clock/advance", Map.of("duration", 86400)), "duration");
		assertValidationFailed(api.post("/test-clock/advance", Map.of()), "duration");
		assertThat(now()).isBetween(start, start.plusSeconds(30));
	}

	// Helpers

	private Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}

	private Instant advance(String duration) {
		Api.Response answer = api.post("/test-clock/advance", Map.of("duration", duration));
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		return Instant.parse(answer.text("now"));
	}

	private String chargeOf(String account, String subscription) {
		return api.get("/accounts/" + account + "/charges").json().path("data").values().stream()
			.filter(c -> c.path("subscriptionId").asString().equals(subscription))
			.findFirst()
			.orElseThrow()
			.path("id")
			.asString();
	}

	/** Every id of a list, following nextCursor with pages of {@code limit}; each item must come once. */
	private List<String> walk(String path, int limit) {
		List<String> ids = new ArrayList<>();
		String cursor = null;
		for (int pages = 0; pages < 200; pages++) {
			JsonNode page = api.get(path + "?limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor)).json();
			assertThat(page.path("data").size()).isBetween(0, limit);
			page.path("data").values().forEach(item -> ids.add(item.path("id").asString()));
			if (page.path("nextCursor").isNull()) {
				assertThat(new HashSet<>(ids)).hasSameSizeAs(ids);
				return ids;
			}
			cursor = page.path("nextCursor").asString();
		}
		throw new AssertionError("The cursors of " + path + " never end");
	}

	/** A POST whose body is sent chunked, with no Content-Length. */
	private Api.Response postChunked(String path, String body) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1" + path))
			.header("Authorization", "Bearer " + Api.TEST_KEY)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))))
			.build();
		try (HttpClient http = HttpClient.newHttpClient()) {
			HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
			return new Api.Response(response.statusCode(), response.body(),
					response.headers().firstValue("Content-Type").orElse(""));
		}
	}
}
