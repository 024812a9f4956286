package dev.subdesk.api;

import static dev.subdesk.testing.ProblemAssertions.assertDocumentedProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every endpoint of shared/API.md gets a batch of bad requests. Each must be answered with a documented
 * problem (never a 5xx; a 400 is VALIDATION_FAILED naming the field) and must change nothing.
 *
 * <p>
 * The cases run against one small world created once: an account with a card, an active subscription with
 * a device, an open retention offer and a disputed charge, a second subscription with a scheduled
 * cancellation, and a stranger's account. Paths and bodies name its ids with placeholders such as
 * {@code {account}}.
 */
@SubdeskIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIntegrationTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String LONG_EMAIL = "a".repeat(243) + "@example.com";

	@LocalServerPort
	int port;

	Api api;

	World world;

	/** The world's state after the previous case: the next case must leave it as it is. */
	String lastState;

	@BeforeAll
	void createWorld() {
		api = new Api(port);
		world = World.create(api);
		lastState = world.state(api);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badRequests")
	void aBadRequestGetsADocumentedProblemAndChangesNothing(BadRequest bad) {
		Instant clockBefore = world.now(api);

		Api.Response answer = bad.send(api, world);

		assertDocumentedProblem(answer);
		assertThat(answer.status()).as(answer.toString()).isEqualTo(bad.status());
		assertThat(answer.code()).as(answer.toString()).isEqualTo(bad.code());
		if (bad.field() != null) {
			assertThat(answer.json().path("errors").values()).as(answer.toString())
				.extracting(e -> e.path("field").asString())
				.contains(bad.field());
		}
		String state = world.state(api);
		String before = lastState;
		lastState = state;
		assertThat(state).as("the world after " + bad).isEqualTo(before);
		assertThat(world.now(api)).as("the test clock").isBefore(clockBefore.plus(Duration.ofMinutes(1)));
	}

	static Stream<BadRequest> badRequests() {
		return Stream.of(accounts(), paymentMethods(), devices(), closure(), catalog(), purchases(),
				subscriptionReadsAndPatch(), cancellation(), receipts(), offers(), charges(), casesAndNotices(),
				operations())
			.flatMap(List::stream);
	}

	// The table of bad requests, endpoint by endpoint

	static List<BadRequest> accounts() {
		String valid = "{\"email\":\"{email}\",\"name\":\"Probe Person\",\"country\":\"DE\"}";
		List<BadRequest> cases = new ArrayList<>(notAnObject("POST", "/accounts"));
		cases.addAll(List.of(
				invalid("POST", "/accounts", json("name", "Probe Person", "country", "DE"), "email", "email missing"),
				invalid("POST", "/accounts", json("email", "{email}", "country", "DE"), "name", "name missing"),
				invalid("POST", "/accounts", json("email", "{email}", "name", "Probe Person"), "country", "country missing"),
				invalid("POST", "/accounts", accountWith("email", 42), "email", "email a number"),
				invalid("POST", "/accounts", accountWith("email", Map.of("address", "{email}")), "email", "email an object"),
				invalid("POST", "/accounts", accountWith("email", true), "email", "email a boolean"),
				invalid("POST", "/accounts", accountWith("email", ""), "email", "email empty"),
				invalid("POST", "/accounts", accountWith("email", "no-at-sign"), "email", "email without @"),
				invalid("POST", "/accounts", accountWith("email", "two words@example.com"), "email", "email with a space"),
				invalid("POST", "/accounts", accountWith("email", "user@localhost"), "email", "email without a dot"),
				invalid("POST", "/accounts", accountWith("email", LONG_EMAIL), "email", "email of 255 characters"),
				invalid("POST", "/accounts", accountWith("email", "nul\u0000byte@example.com"), "email", "email with NUL"),
				invalid("POST", "/accounts", accountWith("name", ""), "name", "name empty"),
				invalid("POST", "/accounts", accountWith("name", "n".repeat(201)), "name", "name of 201 characters"),
				invalid("POST", "/accounts", accountWith("name", "\uD83D\uDE80".repeat(201)), "name",
						"name of 201 emoji"),
				invalid("POST", "/accounts", accountWith("name", 12), "name", "name a number"),
				invalid("POST", "/accounts", accountWith("name", List.of("Probe")), "name", "name an array"),
				invalid("POST", "/accounts", accountWith("name", "Nul\u0000Person"), "name", "name with NUL"),
				invalid("POST", "/accounts", valid.replace("Probe Person", "Lone \\ud800 surrogate"), "name",
						"name with a lone surrogate"),
				invalid("POST", "/accounts", accountWith("country", "de"), "country", "country in lower case"),
				invalid("POST", "/accounts", accountWith("country", "XX"), "country", "country unknown"),
				invalid("POST", "/accounts", accountWith("country", "DEU"), "country", "country alpha-3"),
				invalid("POST", "/accounts", accountWith("country", 49), "country", "country a number"),
				invalid("POST", "/accounts", accountWith("region", "ca"), "region", "region in lower case"),
				invalid("POST", "/accounts", accountWith("region", "US-CA"), "region", "region with country prefix"),
				invalid("POST", "/accounts", accountWith("region", 5), "region", "region a number"),
				invalid("POST", "/accounts", accountWith("region", ""), "region", "region empty"),
				unsupported("POST", "/accounts", valid),
				notFound("GET", "/accounts/acct_unknown", "unknown account"),
				notFound("GET", "/accounts/acct_%E2%98%83", "unicode id"),
				notFound("GET", "/accounts/%20", "blank id"),
				invalid("GET", "/accounts", null, "email", "email missing"),
				invalid("GET", "/accounts?email=", null, "email", "email empty"),
				invalid("GET", "/accounts?email=nul%00byte%40example.com", null, "email", "email with NUL"),
				invalid("GET", "/accounts?email={email}&limit=0", null, "limit", "limit 0"),
				invalid("GET", "/accounts?email={email}&cursor=bogus!", null, "cursor", "cursor bogus")));
		return cases;
	}

	static List<BadRequest> paymentMethods() {
		String add = "/accounts/{account}/payment-methods";
		List<BadRequest> cases = new ArrayList<>(notAnObject("POST", add));
		cases.addAll(List.of(
				invalid("POST", add, "{}", "token", "token missing"),
				invalid("POST", add, json("token", 42), "token", "token a number"),
				invalid("POST", add, json("token", ""), "token", "token empty"),
				invalid("POST", add, json("token", "tok_unknown"), "token", "token unknown"),
				invalid("POST", add, json("token", Map.of("number", "4242424242424242")), "token", "card number object"),
				invalid("POST", add, json("token", "tok_visa\u0000"), "token", "token with NUL"),
				unsupported("POST", add, json("token", "tok_visa")),
				notFound("POST", "/accounts/acct_unknown/payment-methods", json("token", "tok_visa"), "unknown account"),
				notFound("GET", "/accounts/acct_unknown/payment-methods", "unknown account"),
				invalid("GET", add + "?limit=101", null, "limit", "limit 101"),
				notFound("DELETE", add + "/pm_unknown", "unknown card"),
				notFound("DELETE", add + "/{otherPm}", "a stranger's card"),
				notFound("DELETE", "/accounts/acct_unknown/payment-methods/{pm}", "unknown account")));
		return cases;
	}

	static List<BadRequest> devices() {
		String add = "/accounts/{account}/devices";
		List<BadRequest> cases = new ArrayList<>(notAnObject("POST", add));
		cases.addAll(List.of(
				invalid("POST", add, json("platform", "LINUX"), "name", "name missing"),
				invalid("POST", add, json("name", "Laptop"), "platform", "platform missing"),
				invalid("POST", add, json("name", "", "platform", "LINUX"), "name", "name empty"),
				invalid("POST", add, json("name", "d".repeat(201), "platform", "LINUX"), "name", "name of 201 characters"),
				invalid("POST", add, json("name", 7, "platform", "LINUX"), "name", "name a number"),
				invalid("POST", add, json("name", "Nul\u0000Laptop", "platform", "LINUX"), "name", "name with NUL"),
				invalid("POST", add, json("name", "Laptop", "platform", "linux"), "platform", "platform in lower case"),
				invalid("POST", add, json("name", "Laptop", "platform", "BEOS"), "platform", "platform unknown"),
				invalid("POST", add, json("name", "Laptop", "platform", 1), "platform", "platform a number"),
				invalid("POST", add, json("name", "Laptop", "platform", ""), "platform", "platform empty"),
				invalid("POST", add, json("name", "Laptop", "platform", "LINUX", "subscriptionId", 42), "subscriptionId",
						"subscriptionId a number"),
				invalid("POST", add, json("name", "Laptop", "platform", "LINUX", "subscriptionId", "sub_unknown"),
						"subscriptionId", "subscriptionId unknown"),
				invalid("POST", add, json("name", "Laptop", "platform", "LINUX", "subscriptionId", "{otherSub}"),
						"subscriptionId", "a stranger's subscription"),
				unsupported("POST", add, json("name", "Laptop", "platform", "LINUX")),
				notFound("POST", "/accounts/acct_unknown/devices", json("name", "Laptop", "platform", "LINUX"),
						"unknown account"),
				notFound("GET", "/accounts/acct_unknown/devices", "unknown account"),
				invalid("GET", add + "?limit=abc", null, "limit", "limit abc"),
				notFound("DELETE", add + "/dev_unknown", "unknown device"),
				notFound("DELETE", "/accounts/{otherAccount}/devices/{device}", "someone else's device"),
				notFound("DELETE", "/accounts/acct_unknown/devices/{device}", "unknown account")));
		return cases;
	}

	static List<BadRequest> closure() {
		List<BadRequest> cases = new ArrayList<>(notAnObject("POST", "/accounts/{account}/close"));
		cases.addAll(List.of(
				unsupported("POST", "/accounts/{account}/close", "{}"),
				notFound("POST", "/accounts/acct_unknown/close", null, "unknown account")));
		return cases;
	}

	static List<BadRequest> catalog() {
		return List.of(
				invalid("GET", "/plans?limit=0", null, "limit", "limit 0"),
				invalid("GET", "/plans?cursor=bogus!", null, "cursor", "cursor bogus"),
				methodNotAllowed("PUT", "/plans", "{}"),
				// issue 12: the catalog's administration refuses a bad plan and changes nothing
				invalid("POST", "/plans", "{}", "code", "plan without fields"),
				invalid("POST", "/plans", json("code", "probe-plan", "name", "Probe", "products", List.of("no-such-product"),
						"term", "P1M", "price", Map.of("amount", 100, "currency", "USD"), "deviceLimit", 1,
						"moneyBackDays", 14), "products", "plan of an unknown product"),
				invalid("POST", "/plans", json("code", "probe-plan", "name", "Probe", "products", List.of("vpn"),
						"term", "P1M", "price", Map.of("amount", -100, "currency", "USD"), "deviceLimit", 1,
						"moneyBackDays", 14), "price.amount", "plan of a negative price"),
				invalid("POST", "/plans", json("code", "probe-plan", "name", "Probe", "products", List.of("vpn"),
						"term", "P1M", "price", Map.of("amount", 9_000_000_000_000_000_000L, "currency", "USD"), "deviceLimit", 1,
						"moneyBackDays", 14), "price.amount", "plan of a price past any calculation"),
				invalid("POST", "/plans/vpn-annual/prices", json("amount", 100, "currency", "EUROS"), "currency",
						"price in no currency"),
				invalid("PATCH", "/plans/vpn-annual", json("moneyBackDays", 1), "moneyBackDays",
						"money-back window shortened"));
	}

	static List<BadRequest> purchases() {
		String buy = "/subscriptions";
		List<BadRequest> cases = new ArrayList<>(notAnObject("POST", buy));
		cases.addAll(List.of(
				invalid("POST", buy, json("planCode", "vpn-annual"), "accountId", "accountId missing"),
				invalid("POST", buy, json("accountId", "{account}"), "planCode", "planCode missing"),
				invalid("POST", buy, purchaseWith("accountId", 42), "accountId", "accountId a number"),
				invalid("POST", buy, purchaseWith("accountId", ""), "accountId", "accountId empty"),
				invalid("POST", buy, purchaseWith("accountId", "acct_unknown"), "accountId", "accountId unknown"),
				invalid("POST", buy, purchaseWith("accountId", Map.of("id", "{account}")), "accountId",
						"accountId an object"),
				invalid("POST", buy, purchaseWith("planCode", "no-such-plan"), "planCode", "planCode unknown"),
				invalid("POST", buy, purchaseWith("planCode", "VPN-ANNUAL"), "planCode", "planCode in upper case"),
				invalid("POST", buy, purchaseWith("planCode", 7), "planCode", "planCode a number"),
				invalid("POST", buy, purchaseWith("planCode", ""), "planCode", "planCode empty"),
				invalid("POST", buy, purchaseWith("paymentMethodId", "pm_unknown"), "paymentMethodId",
						"paymentMethodId unknown"),
				invalid("POST", buy, purchaseWith("paymentMethodId", "{otherPm}"), "paymentMethodId",
						"a stranger's card"),
				invalid("POST", buy, purchaseWith("paymentMethodId", false), "paymentMethodId",
						"paymentMethodId a boolean"),
				invalid("POST", buy, purchaseWith("parentSubscriptionId", "{sub}"), "parentSubscriptionId",
						"a base plan with a parent"),
				invalid("POST", buy, json("accountId", "{account}", "planCode", "identity-addon-annual"),
						"parentSubscriptionId", "an add-on without a parent"),
				invalid("POST", buy,
						json("accountId", "{account}", "planCode", "identity-addon-annual", "parentSubscriptionId",
								"sub_unknown"),
						"parentSubscriptionId", "an add-on to an unknown parent"),
				invalid("POST", buy,
						json("accountId", "{account}", "planCode", "identity-addon-annual", "parentSubscriptionId",
								"{otherSub}"),
						"parentSubscriptionId", "an add-on to a stranger's subscription"),
				invalid("POST", buy, purchaseWith("channel", "WEB"), "channel", "channel unknown"),
				invalid("POST", buy, purchaseWith("channel", "direct"), "channel", "channel in lower case"),
				invalid("POST", buy, purchaseWith("channel", 1), "channel", "channel a number"),
				unsupported("POST", buy, json("accountId", "{account}", "planCode", "vpn-annual"))));
		return cases;
	}

	static List<BadRequest> subscriptionReadsAndPatch() {
		String patch = "/subscriptions/{sub}";
		List<BadRequest> cases = new ArrayList<>(notAnObject("PATCH", patch));
		cases.addAll(List.of(
				notFound("GET", "/subscriptions/sub_unknown", "unknown subscription"),
				notFound("GET", "/accounts/acct_unknown/subscriptions", "unknown account"),
				invalid("GET", "/accounts/{account}/subscriptions?limit=-1", null, "limit", "limit -1"),
				invalid("GET", "/subscriptions", null, "orderNumber", "orderNumber missing"),
				invalid("GET", "/subscriptions?orderNumber=", null, "orderNumber", "orderNumber empty"),
				invalid("GET", "/subscriptions?orderNumber=ORD%00X", null, "orderNumber", "orderNumber with NUL inside"),
				invalid("GET", "/subscriptions?orderNumber=ORD-0000-0000&limit=0", null, "limit", "limit 0"),
				invalid("PATCH", patch, json("price", 1), "price", "a field PATCH does not change"),
				invalid("PATCH", patch, json("autoRenew", false, "status", "CANCELLED"), "status",
						"a valid change next to an unknown field"),
				invalid("PATCH", patch, json("autoRenew", "false"), "autoRenew", "autoRenew a string"),
				invalid("PATCH", patch, json("autoRenew", 0), "autoRenew", "autoRenew a number"),
				invalid("PATCH", patch, json("paymentMethodId", "pm_unknown"), "paymentMethodId", "unknown card"),
				invalid("PATCH", patch, json("paymentMethodId", "{otherPm}"), "paymentMethodId", "a stranger's card"),
				invalid("PATCH", patch, json("paymentMethodId", 12), "paymentMethodId", "paymentMethodId a number"),
				invalid("PATCH", patch, json("autoRenew", false, "paymentMethodId", "pm_unknown"), "paymentMethodId",
						"a valid change next to an unknown card"),
				unsupported("PATCH", patch, json("autoRenew", false)),
				notFound("PATCH", "/subscriptions/sub_unknown", json("autoRenew", false), "unknown subscription")));
		return cases;
	}

	static List<BadRequest> cancellation() {
		String quote = "/subscriptions/{sub}/cancellation-quote";
		String cancel = "/subscriptions/{sub}/cancel";
		String resume = "/subscriptions/{scheduledSub}/resume";
		String cancelAll = "/accounts/{account}/cancel-all";
		List<BadRequest> cases = new ArrayList<>();
		cases.addAll(notAnObject("POST", quote));
		cases.addAll(notAnObject("POST", cancel));
		cases.addAll(notAnObject("POST", resume));
		cases.addAll(notAnObject("POST", cancelAll));
		cases.addAll(List.of(
				notFound("POST", "/subscriptions/sub_unknown/cancellation-quote", "{}", "unknown subscription"),
				invalid("POST", cancel, "{}", "mode", "mode missing"),
				invalid("POST", cancel, json("mode", null), "mode", "mode null"),
				invalid("POST", cancel, json("mode", "NOW"), "mode", "mode unknown"),
				invalid("POST", cancel, json("mode", "immediate"), "mode", "mode in lower case"),
				invalid("POST", cancel, json("mode", 1), "mode", "mode a number"),
				invalid("POST", cancel, json("mode", "IMMEDIATE", "reason", "BORED"), "reason", "reason unknown"),
				invalid("POST", cancel, json("mode", "IMMEDIATE", "reason", "too_expensive"), "reason",
						"reason in lower case"),
				invalid("POST", cancel, json("mode", "IMMEDIATE", "reason", 3), "reason", "reason a number"),
				invalid("POST", cancel, json("mode", "IMMEDIATE", "feedback", "f".repeat(2001)), "feedback",
						"feedback of 2001 characters"),
				invalid("POST", cancel, json("mode", "IMMEDIATE", "feedback", 5), "feedback", "feedback a number"),
				invalid("POST", cancel, json("mode", "IMMEDIATE", "feedback", List.of("too", "dear")), "feedback",
						"feedback an array"),
				invalid("POST", cancel, json("mode", "IMMEDIATE", "feedback", "nul\u0000"), "feedback",
						"feedback with NUL"),
				unsupported("POST", cancel, json("mode", "IMMEDIATE")),
				notFound("POST", "/subscriptions/sub_unknown/cancel", json("mode", "IMMEDIATE"), "unknown subscription"),
				notFound("POST", "/subscriptions/sub_unknown/cancel", "{\"mode\":", "unknown subscription, bad body"),
				notFound("POST", "/subscriptions/sub_unknown/resume", null, "unknown subscription"),
				invalid("POST", cancelAll, "{}", "mode", "mode missing"),
				invalid("POST", cancelAll, json("mode", "ALL"), "mode", "mode unknown"),
				invalid("POST", cancelAll, json("mode", 0), "mode", "mode a number"),
				invalid("POST", cancelAll, json("mode", "IMMEDIATE", "reason", "X"), "reason", "reason unknown"),
				unsupported("POST", cancelAll, json("mode", "IMMEDIATE")),
				notFound("POST", "/accounts/acct_unknown/cancel-all", json("mode", "IMMEDIATE"), "unknown account"),
				notFound("GET", "/cancellations/CXL-0000-0000", "unknown confirmation number"),
				notFound("GET", "/cancellations/not-a-number", "not a confirmation number"),
				notFound("GET", "/cancellations/CXL-0000-0000/receipt", "unknown confirmation number")));
		return cases;
	}

	static List<BadRequest> receipts() {
		String verify = "/receipts/verify";
		List<BadRequest> cases = new ArrayList<>(notAnObject("POST", verify).stream().map(BadRequest::anonymous).toList());
		cases.addAll(Stream.of(
				invalid("POST", verify, "{}", "", "an empty object"),
				invalid("POST", verify, json("cancellation", "x", "issuedAt", "2026-01-01T00:00:00Z", "keyId", "rk_x",
						"signature", "AAAA"), "", "cancellation a string"),
				invalid("POST", verify, json("cancellation", Map.of(), "issuedAt", "2026-01-01T00:00:00Z", "keyId", "rk_x"),
						"", "signature missing"),
				invalid("POST", verify, json("cancellation", Map.of(), "issuedAt", "2026-01-01T00:00:00Z", "keyId",
						"rk_\u0000", "signature", "AAAA"), "keyId", "keyId with NUL"),
				unsupported("POST", verify, "{}"),
				invalid("GET", "/receipt-keys?limit=0", null, "limit", "limit 0"))
			.map(BadRequest::anonymous)
			.toList());
		return cases;
	}

	static List<BadRequest> offers() {
		List<BadRequest> cases = new ArrayList<>(notAnObject("POST", "/offers/{offer}/accept"));
		cases.add(notFound("POST", "/offers/off_unknown/accept", null, "unknown offer"));
		return cases;
	}

	static List<BadRequest> charges() {
		String refund = "/charges/{charge}/refunds";
		String dispute = "/charges/{charge}/disputes";
		List<BadRequest> cases = new ArrayList<>();
		cases.addAll(notAnObject("POST", refund));
		cases.addAll(notAnObject("POST", dispute));
		cases.addAll(List.of(
				notFound("GET", "/accounts/acct_unknown/charges", "unknown account"),
				invalid("GET", "/accounts/{account}/charges?limit=1000", null, "limit", "limit 1000"),
				invalid("POST", refund, "{}", "reason", "reason missing"),
				invalid("POST", refund, json("reason", ""), "reason", "reason empty"),
				invalid("POST", refund, json("reason", "r".repeat(501)), "reason", "reason of 501 characters"),
				invalid("POST", refund, json("reason", 5), "reason", "reason a number"),
				invalid("POST", refund, json("reason", "nul\u0000"), "reason", "reason with NUL"),
				invalid("POST", refund, json("reason", "goodwill", "amount", 0), "amount", "amount zero"),
				invalid("POST", refund, json("reason", "goodwill", "amount", -1), "amount", "amount negative"),
				invalid("POST", refund, json("reason", "goodwill", "amount", 10.5), "amount", "amount a float"),
				invalid("POST", refund, "{\"reason\":\"goodwill\",\"amount\":100.0}", "amount", "amount 100.0"),
				invalid("POST", refund, "{\"reason\":\"goodwill\",\"amount\":1e30}", "amount", "amount 1e30"),
				invalid("POST", refund, "{\"reason\":\"goodwill\",\"amount\":100000000000000000000000}", "amount",
						"amount beyond 64 bits"),
				invalid("POST", refund, json("reason", "goodwill", "amount", "100"), "amount", "amount a string"),
				invalid("POST", refund, json("reason", "goodwill", "amount", true), "amount", "amount a boolean"),
				invalid("POST", refund, json("reason", "goodwill", "amount", Map.of("amount", 100, "currency", "USD")),
						"amount", "amount as Money"),
				conflict("POST", refund, json("reason", "goodwill", "amount", 6000), "REFUND_EXCEEDS_CHARGE",
						"more than the charge"),
				conflict("POST", refund, json("reason", "goodwill", "amount", Long.MAX_VALUE), "REFUND_EXCEEDS_CHARGE",
						"the largest 64-bit amount"),
				unsupported("POST", refund, json("reason", "goodwill")),
				notFound("POST", "/charges/ch_unknown/refunds", json("reason", "goodwill"), "unknown charge"),
				invalid("POST", dispute, "{}", "reason", "reason missing"),
				invalid("POST", dispute, json("reason", "FRAUD"), "reason", "reason unknown"),
				invalid("POST", dispute, json("reason", 1), "reason", "reason a number"),
				invalid("POST", dispute, json("reason", "OTHER", "confirmationNumber", "CXL-0000-0000"),
						"confirmationNumber", "unknown confirmation number"),
				invalid("POST", dispute, json("reason", "OTHER", "confirmationNumber", 5), "confirmationNumber",
						"confirmationNumber a number"),
				invalid("POST", dispute, json("reason", "OTHER", "detail", "d".repeat(2001)), "detail",
						"detail of 2001 characters"),
				invalid("POST", dispute, json("reason", "OTHER", "detail", false), "detail", "detail a boolean"),
				unsupported("POST", dispute, json("reason", "OTHER")),
				notFound("POST", "/charges/ch_unknown/disputes", json("reason", "OTHER"), "unknown charge")));
		return cases;
	}

	static List<BadRequest> casesAndNotices() {
		return List.of(
				notFound("GET", "/cases/CASE-000000", "unknown case"),
				notFound("GET", "/cases/case-%E2%98%83", "unicode case number"),
				notFound("GET", "/accounts/acct_unknown/notices", "unknown account"),
				invalid("GET", "/accounts/{account}/notices?cursor=MTIzOmFiYw", null, "cursor", "cursor not ours"));
	}

	static List<BadRequest> operations() {
		String advance = "/test-clock/advance";
		List<BadRequest> cases = new ArrayList<>();
		cases.addAll(notAnObject("POST", "/renewals/run"));
		cases.addAll(notAnObject("POST", advance));
		cases.addAll(List.of(
				methodNotAllowed("DELETE", "/test-clock", null),
				invalid("POST", advance, "{}", "duration", "duration missing"),
				invalid("POST", advance, json("duration", 86400), "duration", "duration a number"),
				invalid("POST", advance, json("duration", true), "duration", "duration a boolean")));
		for (String duration : List.of("P1M", "P1Y", "P0D", "P3661D", "abc", "", "-P1D", "P1DT", "P\uFF11D")) {
			cases.add(invalid("POST", advance, json("duration", duration), "duration", "duration " + duration));
		}
		cases.add(unsupported("POST", advance, json("duration", "P1D")));
		return cases;
	}

	// Building the table

	/** A body that is not one JSON object: each is one error on the field {@code ""}. */
	static List<BadRequest> notAnObject(String method, String path) {
		Map<String, String> bodies = new LinkedHashMap<>();
		bodies.put("malformed JSON", "{\"a\":");
		bodies.put("single quotes", "{'a': 1}");
		bodies.put("trailing garbage", "{} {}");
		bodies.put("an array", "[{}]");
		bodies.put("a number", "42");
		bodies.put("a string", "\"text\"");
		bodies.put("null", "null");
		bodies.put("junk before the object", "\u00ff\u00fe{}");
		return bodies.entrySet()
			.stream()
			.map(e -> invalid(method, path, e.getValue(), "", "body " + e.getKey()))
			.toList();
	}

	static BadRequest invalid(String method, String path, @Nullable String body, String field, String what) {
		return new BadRequest(what, method, path, body, "application/json", false, 400, "VALIDATION_FAILED", field);
	}

	static BadRequest notFound(String method, String path, @Nullable String body, String what) {
		return new BadRequest(what, method, path, body, "application/json", false, 404, "NOT_FOUND", null);
	}

	static BadRequest notFound(String method, String path, String what) {
		return notFound(method, path, null, what);
	}

	static BadRequest conflict(String method, String path, String body, String code, String what) {
		return new BadRequest(what, method, path, body, "application/json", false, 409, code, null);
	}

	static BadRequest unsupported(String method, String path, String body) {
		return new BadRequest("a JSON body sent as text/plain", method, path, body, "text/plain", false, 415,
				"UNSUPPORTED_MEDIA_TYPE", null);
	}

	static BadRequest methodNotAllowed(String method, String path, @Nullable String body) {
		return new BadRequest("wrong method", method, path, body, "application/json", false, 405, "METHOD_NOT_ALLOWED",
				null);
	}

	static String accountWith(String field, Object value) {
		Map<String, Object> body = new LinkedHashMap<>(Map.of("email", "{email}", "name", "Probe Person", "country", "DE"));
		body.put(field, value);
		return JSON.writeValueAsString(body);
	}

	static String purchaseWith(String field, Object value) {
		Map<String, Object> body = new LinkedHashMap<>(Map.of("accountId", "{account}", "planCode", "vpn-annual"));
		body.put(field, value);
		return JSON.writeValueAsString(body);
	}

	/** A JSON object from alternating names and values (values may be null). */
	static String json(@Nullable Object... namesAndValues) {
		Map<String, @Nullable Object> body = new LinkedHashMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			body.put(String.valueOf(namesAndValues[i]), namesAndValues[i + 1]);
		}
		return JSON.writeValueAsString(body);
	}

	/** One bad request and the problem it must get ({@code field} null when the answer is not a 400). */
	record BadRequest(String what, String method, String path, @Nullable String body, String contentType,
			boolean isAnonymous, int status, String code, @Nullable String field) {

		BadRequest anonymous() {
			return new BadRequest(what, method, path, body, contentType, true, status, code, field);
		}

		Api.Response send(Api api, World world) {
			Api caller = isAnonymous ? api.with("Authorization", null) : api;
			return caller.send(method, world.fill(path), body == null ? null : world.fill(body), contentType);
		}

		@Override
		public String toString() {
			return method + " " + path + ": " + what;
		}
	}

	/** The data the bad requests aim at, and a snapshot of everything they could change. */
	record World(Map<String, String> ids) {

		static World create(Api api) {
			Fixtures fixtures = new Fixtures(api);
			Map<String, String> ids = new LinkedHashMap<>();
			ids.put("{email}", Fixtures.uniqueEmail());
			String account = fixtures.account();
			ids.put("{account}", account);
			ids.put("{pm}", fixtures.card(account, "tok_visa"));
			String sub = fixtures.subscribe(account, "antivirus-annual");
			ids.put("{sub}", sub);
			ids.put("{device}", api.post("/accounts/" + account + "/devices",
					Map.of("name", "Laptop", "platform", "LINUX", "subscriptionId", sub)).id());
			String charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
			ids.put("{charge}", charge);
			ids.put("{offer}", api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer")
				.path("id").asString());
			ids.put("{case}", api.post("/charges/" + charge + "/disputes", Map.of("reason", "UNRECOGNIZED"))
				.text("caseNumber"));
			String scheduled = fixtures.subscribe(account, "vpn-annual");
			ids.put("{scheduledSub}", scheduled);
			ids.put("{cxl}", fixtures.cancel(scheduled, "END_OF_TERM").text("confirmationNumber"));
			String other = fixtures.accountWithVisa();
			ids.put("{otherAccount}", other);
			ids.put("{otherPm}", api.get("/accounts/" + other + "/payment-methods").json().path("data").get(0).path("id")
				.asString());
			ids.put("{otherSub}", fixtures.subscribe(other, "antivirus-annual"));
			ids.forEach((name, id) -> assertThat(id).as(name).isNotBlank());
			return new World(ids);
		}

		String fill(String text) {
			String filled = text;
			for (Map.Entry<String, String> id : ids.entrySet()) {
				filled = filled.replace(id.getKey(), id.getValue());
			}
			return filled;
		}

		/** Everything of the world that the public API shows, as one text. */
		String state(Api api) {
			StringBuilder state = new StringBuilder();
			for (String path : List.of("/accounts/{account}", "/accounts/{account}/payment-methods?limit=100",
					"/accounts/{account}/devices?limit=100", "/accounts/{account}/subscriptions?limit=100",
					"/accounts/{account}/charges?limit=100", "/accounts/{account}/notices?limit=100",
					"/cancellations/{cxl}", "/cases/{case}", "/accounts?email={email}",
					"/accounts/{otherAccount}/payment-methods", "/accounts/{otherAccount}/subscriptions",
					"/accounts/{otherAccount}/devices", "/accounts/{otherAccount}/charges")) {
				Api.Response answer = api.get(fill(path));
				assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
				state.append(path).append(" = ").append(answer.raw()).append('\n');
			}
			return state.toString();
		}

		Instant now(Api api) {
			return Instant.parse(api.get("/test-clock").text("now"));
		}
	}
}
