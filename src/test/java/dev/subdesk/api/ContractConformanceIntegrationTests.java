package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.ProblemAssertions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every endpoint of shared/API.md once, over HTTP, against the shapes the contract writes down: status, each named
 * field with its type and format (ids by prefix, customer numbers, instants in whole UTC seconds, Money objects
 * where the contract says Money and plain minor-unit integers where it says so), list envelopes, and problem+json
 * for API paths whatever the client accepts. One table, so that a field renamed or retyped anywhere is caught here.
 */
class ContractConformanceIntegrationTests extends ApiIntegrationTest {

	private static final String CROCKFORD = "[0-9A-HJKMNP-TV-Z]";

	/** A check of one JSON value, named for the failure message. */
	record Check(String name, Predicate<JsonNode> test) {

		Check orNull() {
			return new Check(name + " or null", node -> node.isNull() || test.test(node));
		}
	}

	static final Check STRING = new Check("string", JsonNode::isString);
	static final Check INT = new Check("integer", JsonNode::isIntegralNumber);
	static final Check BOOL = new Check("boolean", JsonNode::isBoolean);
	static final Check NULL = new Check("null", JsonNode::isNull);
	static final Check INSTANT = pattern("instant", "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
	static final Check MONEY = new Check("Money",
			n -> n.isObject() && n.path("amount").isIntegralNumber() && n.path("currency").asString("").matches("[A-Z]{3}"));
	static final Check CURRENCY = pattern("currency", "[A-Z]{3}");
	static final Check ORDER = pattern("order number", "ORD-" + CROCKFORD + "{4}-" + CROCKFORD + "{4}");
	static final Check CXL = pattern("confirmation number", "CXL-" + CROCKFORD + "{4}-" + CROCKFORD + "{4}");
	static final Check CASE = pattern("case number", "CASE-" + CROCKFORD + "{6}");
	/** The field must not be there at all (the contract says it is never returned). */
	static final Check ABSENT = new Check("absent", n -> false);
	static final Check BASE64URL = pattern("base64url without padding", "[A-Za-z0-9_-]+");

	static Check id(String prefix) {
		return pattern(prefix + " id", prefix + "_.+");
	}

	static Check oneOf(String... values) {
		Set<String> allowed = Set.of(values);
		return new Check("one of " + allowed, n -> n.isString() && allowed.contains(n.asString()));
	}

	static Check pattern(String name, String regex) {
		return new Check(name, n -> n.isString() && n.asString().matches(regex));
	}

	static Check list(Map<String, Check> item) {
		return new Check("list of " + item.keySet(), n -> n.isArray() && n.values().stream().allMatch(e -> matches(e, item)));
	}

	static Check listOf(Check item) {
		return new Check("list of " + item.name(), n -> n.isArray() && n.values().stream().allMatch(item.test()));
	}

	static Check object(Map<String, Check> shape) {
		return new Check("object " + shape.keySet(), n -> n.isObject() && matches(n, shape));
	}

	static boolean matches(JsonNode node, Map<String, Check> shape) {
		return shape.entrySet().stream().allMatch(e -> node.has(e.getKey()) && e.getValue().test().test(node.get(e.getKey())));
	}

	@SafeVarargs
	static Map<String, Check> shape(Map.Entry<String, Check>... fields) {
		Map<String, Check> shape = new LinkedHashMap<>();
		for (var field : fields) {
			shape.put(field.getKey(), field.getValue());
		}
		return shape;
	}

	static Map<String, Check> with(Map<String, Check> base, String field, Check check) {
		Map<String, Check> shape = new LinkedHashMap<>(base);
		shape.put(field, check);
		return shape;
	}

	static final Map<String, Check> ACCOUNT = shape(Map.entry("id", id("acct")), Map.entry("email", STRING),
			Map.entry("name", STRING), Map.entry("country", pattern("country", "[A-Z]{2}")),
			Map.entry("region", STRING.orNull()), Map.entry("status", oneOf("ACTIVE", "CLOSED")),
			Map.entry("createdAt", INSTANT));

	static final Map<String, Check> PAYMENT_METHOD = shape(Map.entry("id", id("pm")),
			Map.entry("brand", oneOf("VISA", "MASTERCARD")), Map.entry("last4", pattern("last4", "\\d{4}")),
			Map.entry("expMonth", INT), Map.entry("expYear", INT), Map.entry("default", BOOL));

	static final Map<String, Check> DEVICE = shape(Map.entry("id", id("dev")), Map.entry("name", STRING),
			Map.entry("platform", oneOf("WINDOWS", "MACOS", "ANDROID", "IOS", "LINUX")),
			Map.entry("status", oneOf("ACTIVE", "DEACTIVATED")), Map.entry("subscriptionId", id("sub").orNull()));

	static final Map<String, Check> SUBSCRIPTION = shape(Map.entry("id", id("sub")), Map.entry("accountId", id("acct")),
			Map.entry("planCode", STRING), Map.entry("orderNumber", ORDER),
			Map.entry("channel", oneOf("DIRECT", "APP_STORE", "GOOGLE_PLAY")),
			Map.entry("status", oneOf("ACTIVE", "PAST_DUE", "CANCELLED", "EXPIRED")), Map.entry("autoRenew", BOOL),
			Map.entry("currentPeriodStart", INSTANT), Map.entry("currentPeriodEnd", INSTANT),
			Map.entry("cancelAt", INSTANT.orNull()), Map.entry("cancelledAt", INSTANT.orNull()),
			Map.entry("parentSubscriptionId", id("sub").orNull()), Map.entry("paymentMethodId", id("pm").orNull()),
			Map.entry("price", MONEY), Map.entry("createdAt", INSTANT));

	static final Map<String, Check> CHARGE = shape(Map.entry("id", id("ch")), Map.entry("subscriptionId", id("sub")),
			Map.entry("amount", INT), Map.entry("currency", CURRENCY),
			Map.entry("status", oneOf("SUCCEEDED", "FAILED", "REFUNDED", "PARTIALLY_REFUNDED")),
			Map.entry("periodStart", INSTANT), Map.entry("periodEnd", INSTANT), Map.entry("createdAt", INSTANT),
			Map.entry("refundedAmount", INT), Map.entry("paymentMethodId", id("pm")));

	static final Map<String, Check> REFUND = shape(Map.entry("id", id("re")), Map.entry("chargeId", id("ch")),
			Map.entry("amount", INT), Map.entry("currency", CURRENCY), Map.entry("status", oneOf("SUCCEEDED")),
			Map.entry("reason", STRING), Map.entry("createdAt", INSTANT));

	static final Map<String, Check> CANCELLATION = shape(Map.entry("confirmationNumber", CXL),
			Map.entry("status", oneOf("SCHEDULED", "EFFECTIVE", "REVOKED", "SUPERSEDED")),
			Map.entry("mode", oneOf("IMMEDIATE", "END_OF_TERM")), Map.entry("subscriptionIds", listOf(id("sub"))),
			Map.entry("subscriptions", list(shape(Map.entry("id", id("sub")), Map.entry("effectiveAt", INSTANT)))),
			Map.entry("requestedAt", INSTANT), Map.entry("effectiveAt", INSTANT), Map.entry("refundTotal", MONEY),
			Map.entry("refunds", list(REFUND)),
			Map.entry("reason", oneOf("TOO_EXPENSIVE", "NOT_USING", "SWITCHING", "TECHNICAL_ISSUES", "OTHER").orNull()),
			Map.entry("channel", oneOf("API", "PORTAL", "AGENT", "SYSTEM")),
			Map.entry("receiptUrl", pattern("receipt path", "/api/v1/cancellations/CXL-.{9}/receipt")));

	static final Map<String, Check> OFFER = shape(Map.entry("id", id("off")), Map.entry("subscriptionId", id("sub")),
			Map.entry("kind", oneOf("DISCOUNT", "PAUSE", "DOWNGRADE")), Map.entry("description", STRING),
			Map.entry("expiresAt", INSTANT));

	static final Map<String, Check> NOTICE = shape(Map.entry("id", id("ntc")), Map.entry("type", STRING),
			Map.entry("to", STRING), Map.entry("subject", STRING), Map.entry("body", STRING.orNull()),
			Map.entry("createdAt", INSTANT), Map.entry("sentAt", INSTANT.orNull()), Map.entry("relatedId", STRING),
			Map.entry("deliveryStatus", oneOf("STORED", "PENDING", "SENT", "FAILED")),
			Map.entry("deliveryError", STRING.orNull()));

	static final Map<String, Check> PLAN = shape(Map.entry("code", STRING), Map.entry("name", STRING),
			Map.entry("products", listOf(STRING)), Map.entry("term", oneOf("P1Y", "P1M")), Map.entry("price", MONEY),
			Map.entry("deviceLimit", INT), Map.entry("moneyBackDays", INT), Map.entry("addOnTo", listOf(STRING)));

	/** A list envelope with at least one item, each of this shape. */
	static Map<String, Check> listOfShape(Map<String, Check> item) {
		return shape(Map.entry("data", nonEmpty(list(item))), Map.entry("nextCursor", STRING.orNull()));
	}

	static Check nonEmpty(Check check) {
		return new Check("non-empty " + check.name(), n -> !n.isEmpty() && check.test().test(n));
	}

	static Map<String, Check> problem(String code) {
		return shape(Map.entry("type", STRING), Map.entry("title", STRING), Map.entry("status", INT),
				Map.entry("detail", STRING), Map.entry("code", oneOf(code)));
	}

	/** One call of the table: what it sends, the status it must answer, and the shape of its body. */
	record Row(String name, Supplier<Api.Response> call, int status, Map<String, Check> body) {
	}

	@Test
	void everyEndpointAnswersTheStatusAndTheShapeTheContractNames() {
		String email = "Mixed.Case-" + Fixtures.uniqueEmail();
		Api.Response opened = api.post("/accounts",
				Map.of("email", email, "name", "Conformance Customer", "country", "US", "region", "CA"));
		String account = opened.id();
		String card = fixtures.card(account, "tok_visa");
		String spare = fixtures.card(account, "tok_mastercard");
		Api.Response bought = fixtures.buy(account, "antivirus-annual");
		String sub = bought.id();
		String addOn = fixtures.addOn(account, "identity-addon-annual", sub);
		String device = api.post("/accounts/" + account + "/devices", Map.of("name", "Laptop", "platform", "LINUX")).id();
		String charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
		String monthly = fixtures.subscribe(account, "antivirus-monthly");
		String store = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "vpn-annual", "channel", "GOOGLE_PLAY")).id();
		String monthlyCharge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
		String tombstone = "erased+" + account + "@invalid";

		// the rows run in order: later ones rely on the state earlier ones made
		List<Row> rows = new ArrayList<>();
		rows.add(new Row("POST /accounts", () -> opened, 201, with(ACCOUNT, "email", oneOf(email))));
		rows.add(new Row("GET /accounts/{id}", () -> api.get("/accounts/" + account), 200, ACCOUNT));
		rows.add(new Row("GET /accounts?email", () -> api.get("/accounts?email=" + email.toUpperCase()), 200,
				listOfShape(ACCOUNT)));
		rows.add(new Row("GET payment-methods", () -> api.get("/accounts/" + account + "/payment-methods"), 200,
				listOfShape(PAYMENT_METHOD)));
		rows.add(new Row("POST payment-methods with billingPostcode",
				() -> api.post("/accounts/" + account + "/payment-methods",
						Map.of("token", "tok_visa", "billingPostcode", "94105")),
				201, PAYMENT_METHOD));
		rows.add(new Row("POST /subscriptions", () -> bought, 201, SUBSCRIPTION));
		rows.add(new Row("GET /subscriptions/{id}", () -> api.get("/subscriptions/" + sub), 200, SUBSCRIPTION));
		rows.add(new Row("GET /subscriptions?orderNumber",
				() -> api.get("/subscriptions?orderNumber=" + bought.text("orderNumber").toLowerCase()), 200,
				listOfShape(SUBSCRIPTION)));
		rows.add(new Row("GET account subscriptions", () -> api.get("/accounts/" + account + "/subscriptions"), 200,
				listOfShape(SUBSCRIPTION)));
		rows.add(new Row("GET devices", () -> api.get("/accounts/" + account + "/devices"), 200, listOfShape(DEVICE)));
		rows.add(new Row("POST devices", () -> api.post("/accounts/" + account + "/devices",
				Map.of("name", "Phone", "platform", "ANDROID", "subscriptionId", sub)), 201, DEVICE));
		rows.add(new Row("DELETE device", () -> api.delete("/accounts/" + account + "/devices/" + device), 204, Map.of()));
		rows.add(new Row("GET charges", () -> api.get("/accounts/" + account + "/charges"), 200, listOfShape(CHARGE)));
		rows.add(new Row("GET /plans", () -> api.get("/plans"), 200, listOfShape(PLAN)));
		rows.add(new Row("POST cancellation-quote", () -> api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()),
				200,
				shape(Map.entry("subscriptionId", id("sub")), Map.entry("alsoCancels", listOf(id("sub"))),
						Map.entry("options", list(shape(Map.entry("mode", oneOf("END_OF_TERM", "IMMEDIATE")),
								Map.entry("effectiveAt", INSTANT), Map.entry("refund", MONEY)))),
						Map.entry("offer", object(OFFER)), Map.entry("channelInstructions", NULL))));
		rows.add(new Row("PATCH autoRenew false", () -> api.patch("/subscriptions/" + sub, Map.of("autoRenew", false)),
				200, with(SUBSCRIPTION, "confirmationNumber", CXL)));
		rows.add(new Row("PATCH paymentMethodId", () -> api.patch("/subscriptions/" + monthly,
				Map.of("paymentMethodId", spare)), 200, with(SUBSCRIPTION, "confirmationNumber", NULL)));
		rows.add(new Row("GET /cancellations/{n}", () -> api.get("/cancellations/" + scheduled(sub).toLowerCase()), 200,
				CANCELLATION));
		rows.add(new Row("GET receipt", () -> api.get("/cancellations/" + scheduled(sub) + "/receipt"), 200,
				shape(Map.entry("cancellation", object(CANCELLATION)), Map.entry("issuedAt", INSTANT),
						Map.entry("keyId", STRING), Map.entry("signature", BASE64URL))));
		rows.add(new Row("GET /receipt-keys without a key", () -> api.with("Authorization", null).get("/receipt-keys"), 200,
				listOfShape(shape(Map.entry("keyId", STRING), Map.entry("algorithm", oneOf("Ed25519")),
						Map.entry("publicKey", BASE64URL)))));
		rows.add(new Row("POST /receipts/verify without a key", () -> api.with("Authorization", null)
			.post("/receipts/verify", api.get("/cancellations/" + scheduled(sub) + "/receipt").raw()), 200,
				shape(Map.entry("valid", new Check("true", JsonNode::asBoolean)))));
		rows.add(new Row("GET /official-channels without a key", () -> api.with("Authorization", null)
			.get("/official-channels"), 200,
				shape(Map.entry("phones", list(shape(Map.entry("number", pattern("E.164", "\\+[1-9]\\d{1,14}")),
						Map.entry("label", STRING)))), Map.entry("domains", listOf(STRING)),
						Map.entry("emailDomains", listOf(STRING)))));
		rows.add(new Row("POST /official-channels/check without a key", () -> api.with("Authorization", null)
			.post("/official-channels/check", Map.of("phone", "(202) 555-0142")), 200,
				shape(Map.entry("official", BOOL), Map.entry("kind", oneOf("PHONE", "URL", "EMAIL")),
						Map.entry("normalized", STRING), Map.entry("label", STRING.orNull()), Map.entry("advice", STRING))));
		rows.add(new Row("POST resume", () -> api.post("/subscriptions/" + sub + "/resume"), 200, SUBSCRIPTION));
		rows.add(new Row("POST refunds", () -> api.post("/charges/" + charge + "/refunds",
				Map.of("amount", 100, "reason", "Goodwill")), 201, REFUND));
		rows.add(new Row("POST disputes", () -> api.post("/charges/" + charge + "/disputes", Map.of("reason", "OTHER")),
				200, shape(Map.entry("outcome", oneOf("UNDER_REVIEW")), Map.entry("refund", NULL),
						Map.entry("caseNumber", CASE))));
		rows.add(new Row("GET /cases/{n}", () -> api.get("/cases/" + caseOf(charge).toLowerCase()), 200,
				shape(Map.entry("caseNumber", CASE), Map.entry("accountId", id("acct")),
						Map.entry("status", oneOf("OPEN", "PENDING_CUSTOMER", "ESCALATED", "RESOLVED")),
						Map.entry("subject", STRING), Map.entry("channel", STRING), Map.entry("createdAt", INSTANT))));
		rows.add(new Row("POST cancel IMMEDIATE of an add-on",
				() -> api.post("/subscriptions/" + addOn + "/cancel", Map.of("mode", "IMMEDIATE", "reason", "NOT_USING",
						"feedback", "never returned")),
				200, with(with(CANCELLATION, "refunds", new Check("one Refund", n -> n.size() == 1 && matches(n.get(0), REFUND))),
						"feedback", ABSENT)));
		rows.add(new Row("POST cancel-all END_OF_TERM", () -> api.post("/accounts/" + account + "/cancel-all",
				Map.of("mode", "END_OF_TERM")), 200,
				shape(Map.entry("cancellations", nonEmpty(list(CANCELLATION))),
						Map.entry("skipped", nonEmpty(list(shape(Map.entry("subscriptionId", oneOf(store)),
								Map.entry("code", oneOf("CHANNEL_MANAGED")))))))));
		rows.add(new Row("quote of a store-billed subscription",
				() -> api.post("/subscriptions/" + store + "/cancellation-quote", Map.of()), 200,
				shape(Map.entry("subscriptionId", oneOf(store)), Map.entry("alsoCancels", new Check("[]", JsonNode::isEmpty)),
						Map.entry("options", new Check("[]", JsonNode::isEmpty)), Map.entry("offer", NULL),
						Map.entry("channelInstructions", object(shape(Map.entry("channel", oneOf("GOOGLE_PLAY")),
								Map.entry("url", STRING), Map.entry("steps", nonEmpty(listOf(STRING)))))))));
		rows.add(new Row("GET notices", () -> api.get("/accounts/" + account + "/notices?limit=100"), 200,
				listOfShape(NOTICE)));
		rows.add(new Row("DELETE payment method", () -> api.delete("/accounts/" + account + "/payment-methods/" + card),
				204, Map.of()));
		rows.add(new Row("POST close", () -> api.post("/accounts/" + account + "/close"), 200,
				shape(Map.entry("account", object(with(with(ACCOUNT, "status", oneOf("CLOSED")), "email",
						oneOf("erased+" + account + "@invalid")))),
						Map.entry("cancellations", nonEmpty(list(CANCELLATION))),
						Map.entry("channelManaged", nonEmpty(list(shape(Map.entry("subscriptionId", oneOf(store)),
								Map.entry("channelInstructions", object(shape(Map.entry("channel", STRING),
										Map.entry("url", STRING), Map.entry("steps", listOf(STRING))))))))))));
		// on a closed account: adding is ACCOUNT_CLOSED; reads, refunds and disputes still work
		rows.add(new Row("POST devices after closure", () -> api.post("/accounts/" + account + "/devices",
				Map.of("name", "Late", "platform", "IOS")), 409, problem("ACCOUNT_CLOSED")));
		rows.add(new Row("POST payment-methods after closure", () -> api.post("/accounts/" + account + "/payment-methods",
				Map.of("token", "tok_visa")), 409, problem("ACCOUNT_CLOSED")));
		rows.add(new Row("POST /subscriptions after closure", () -> fixtures.buy(account, "vpn-annual"), 409,
				problem("ACCOUNT_CLOSED")));
		rows.add(new Row("POST cancel-all after closure", () -> api.post("/accounts/" + account + "/cancel-all",
				Map.of("mode", "IMMEDIATE")), 409, problem("ACCOUNT_CLOSED")));
		rows.add(new Row("POST refunds after closure (nothing left: closure refunded it)",
				() -> api.post("/charges/" + monthlyCharge + "/refunds", Map.of("reason", "Late goodwill")), 409,
				problem("REFUND_EXCEEDS_CHARGE")));
		// the closure's cancellation may take effect in the second the charge's period started, which qualifies it
		rows.add(new Row("POST disputes after closure", () -> api.post("/charges/" + monthlyCharge + "/disputes",
				Map.of("reason", "UNRECOGNIZED", "detail", "Not me")), 200,
				shape(Map.entry("outcome", oneOf("UNDER_REVIEW", "REFUNDED")), Map.entry("refund", object(REFUND).orNull()),
						Map.entry("caseNumber", CASE.orNull()))));
		rows.add(new Row("GET account after closure", () -> api.get("/accounts/" + account), 200,
				with(with(ACCOUNT, "email", oneOf(tombstone)), "name", oneOf("Erased customer"))));
		rows.add(new Row("GET notices after closure", () -> api.get("/accounts/" + account + "/notices?limit=100"), 200,
				listOfShape(with(with(NOTICE, "to", oneOf(tombstone)), "body", NULL))));
		rows.add(new Row("the erased email opens a new account", () -> api.post("/accounts",
				Map.of("email", email.toLowerCase(), "name", "Back again", "country", "DE")), 201, ACCOUNT));
		rows.add(new Row("POST /renewals/run", () -> api.post("/renewals/run"), 200, shape(Map.entry("renewed", INT),
				Map.entry("failed", INT), Map.entry("expired", INT), Map.entry("remindersSent", INT))));
		rows.add(new Row("GET /test-clock", () -> api.get("/test-clock"), 200, shape(Map.entry("now", INSTANT))));

		SoftAssertions soft = new SoftAssertions();
		for (Row row : rows) {
			Api.Response response = row.call().get();
			soft.assertThat(response.status()).as(row.name() + ": " + response).isEqualTo(row.status());
			if (row.status() == 204) {
				soft.assertThat(response.raw()).as(row.name()).isEmpty();
				continue;
			}
			soft.assertThat(response.contentType()).as(row.name())
				.startsWith(row.status() >= 400 ? "application/problem+json" : "application/json");
			JsonNode body = response.json();
			row.body().forEach((field, check) -> soft.assertThat(check == ABSENT ? !body.has(field)
					: body.has(field) && check.test().test(body.get(field)))
				.as("%s: field %s should be %s in %s", row.name(), field, check.name(), response.raw())
				.isTrue());
		}
		soft.assertAll();
	}

	/** API paths answer problem+json even to a client that prefers HTML: the 404/405 pages are for the portal. */
	@Test
	void apiPathsAnswerProblemsToBrowsersToo() {
		Api browser = api.with("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
		Map<String, Supplier<Api.Response>> unknown = new LinkedHashMap<>();
		unknown.put("unknown path", () -> browser.get("/no-such-path"));
		unknown.put("unknown account", () -> browser.get("/accounts/acct_unknown"));
		unknown.put("unknown cancellation", () -> browser.get("/cancellations/CXL-0000-0000"));
		unknown.forEach((name, call) -> ProblemAssertions.assertProblem(call.get(), 404, "NOT_FOUND"));
		ProblemAssertions.assertProblem(browser.send("DELETE", "/plans", null, null), 405, "METHOD_NOT_ALLOWED");
		ProblemAssertions.assertProblem(browser.send("PUT", "/accounts", "{}", "application/json"), 405,
				"METHOD_NOT_ALLOWED");
		ProblemAssertions.assertProblem(browser.with("Authorization", null).get("/no-such-path"), 401, "UNAUTHORIZED");
		ProblemAssertions.assertProblem(browser.post("/accounts", Map.of()), 400, "VALIDATION_FAILED");
	}

	/**
	 * Requests refused before any controller runs (by the container or the security firewall) or whose query string
	 * cannot be decoded: problem+json with the contract's code, never the pages' error body and never a 5xx. Sent
	 * over a plain socket, since an HTTP client library would refuse or repair most of them.
	 */
	@Test
	void requestsRefusedBeforeAnyControllerAreProblemsWithTheContractsCode() throws Exception {
		Map<String, String> refused = new LinkedHashMap<>();
		refused.put("TRACE /api/v1/plans", "405 METHOD_NOT_ALLOWED");
		refused.put("GET /api/v1//plans", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts/a;b", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts/a%25b", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts/%2e%2e", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts/a%0Ab", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts/a%2Fb", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts/a%5Cb", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts/a\\b", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts/a|b", "404 NOT_FOUND");
		refused.put("GET /api/v1/accounts/{id}", "404 NOT_FOUND");
		refused.put("GET /api/v1/accounts/%7Bid%7D", "404 NOT_FOUND");
		refused.put("GET /api/v1/accounts/a%00b", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts/%FF", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts/a b", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/plans?limit=%FF", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/plans?limit=%zz", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/accounts?email=%C3%28%40example.com", "400 VALIDATION_FAILED");
		refused.put("GET /api/v1/plans?cursor=%E0%80", "400 VALIDATION_FAILED");
		SoftAssertions soft = new SoftAssertions();
		refused.forEach((line, expected) -> {
			for (String accept : List.of("application/json", "text/html")) {
				String answer = raw(line, accept);
				String head = answer.lines().findFirst().orElse("");
				soft.assertThat(head).as(line + " accepting " + accept).startsWith("HTTP/1.1 " + expected.substring(0, 3));
				soft.assertThat(answer).as(line + " accepting " + accept)
					.containsIgnoringCase("Content-Type: application/problem+json")
					.contains("\"code\":\"" + expected.substring(4) + "\"");
				if (expected.startsWith("400")) {
					soft.assertThat(answer).as(line).contains("\"errors\":[{\"field\":");
				}
			}
		});
		for (String page : List.of("GET /portal/a%00b", "GET /portal/a%2Fb")) {
			soft.assertThat(raw(page, "text/html")).as("a page keeps the container's own answer: " + page)
				.startsWith("HTTP/1.1 400")
				.doesNotContainIgnoringCase("application/problem+json")
				.doesNotContain("Apache Tomcat/");
		}
		soft.assertAll();
	}

	/**
	 * A request line or a header block longer than the container takes (8 KB, Spring Boot's default
	 * {@code server.max-http-request-header-size}) or an expectation it does not meet is refused by Tomcat before any
	 * filter runs. Under {@code /api/v1} it is still problem+json with a code the contract names (never the status's
	 * own name, such as {@code EXPECTATION_FAILED}), keeping Tomcat's status: {@code 400} for both sizes (Tomcat 11
	 * answers neither {@code 414} nor {@code 431}), {@code 417} for the expectation.
	 */
	@Test
	void requestsTheContainerRefusesForTheirSizeOrExpectationAreProblemsWithTheContractsCode() {
		record Refused(String line, String headers, int status, String message) {
		}
		List<Refused> refused = List.of(
				new Refused("GET /api/v1/plans?padding=" + "a".repeat(9_000), "", 400, "the request line is too long"),
				new Refused("GET /api/v1/plans", "X-Padding: " + "a".repeat(9_000) + "\r\n", 400,
						"the request headers are too large"),
				new Refused("GET /api/v1/plans",
						"X-Padding-1: " + "a".repeat(5_000) + "\r\nX-Padding-2: " + "a".repeat(5_000) + "\r\n", 400,
						"the request headers are too large"),
				new Refused("GET /api/v1/plans", "Expect: 200-ok\r\n", 417,
						"the request was refused: expectation failed"));
		SoftAssertions soft = new SoftAssertions();
		for (Refused request : refused) {
			String answer = raw(request.line(), "application/json", request.headers());
			String name = request.line().length() > 40
					? request.line().substring(0, 40) + "... (" + request.line().length() + " characters)" : request.line();
			String as = name + " with " + request.headers().length() + " characters of extra headers: "
					+ abbreviated(answer);
			soft.assertThat(answer).as(as)
				.startsWith("HTTP/1.1 " + request.status() + " ")
				.containsIgnoringCase("Content-Type: application/problem+json")
				.contains("\"status\":" + request.status())
				.contains("\"code\":\"VALIDATION_FAILED\"")
				.contains("\"errors\":[{\"field\":\"\",\"message\":\"" + request.message() + "\"}]");
		}
		soft.assertAll();
	}

	private static String abbreviated(String answer) {
		return answer.length() > 600 ? answer.substring(0, 600) + "..." : answer;
	}

	/** A body that is not UTF-8 is malformed JSON, not text whose bytes the server replaces and stores. */
	@Test
	void aBodyThatIsNotUtf8IsMalformedAfterThePathIsChecked() {
		byte[] latin1 = "{\"email\":\"%s\",\"name\":\"M\u00fcller\",\"country\":\"DE\"}".formatted(Fixtures.uniqueEmail())
			.getBytes(StandardCharsets.ISO_8859_1);
		String answer = post("/api/v1/accounts", latin1);
		assertThat(answer).startsWith("HTTP/1.1 400").contains("\"code\":\"VALIDATION_FAILED\"")
			.contains("{\"field\":\"\",\"message\":\"the body is not valid UTF-8\"}");
		assertThat(post("/api/v1/subscriptions/sub_unknown/cancel", latin1)).startsWith("HTTP/1.1 404")
			.contains("\"code\":\"NOT_FOUND\"");
		Api.Response utf8 = api.post("/accounts",
				Map.of("email", Fixtures.uniqueEmail(), "name", "M\u00fcller \ufffd", "country", "DE"));
		assertThat(utf8.status()).as(utf8.toString()).isEqualTo(201);
		assertThat(api.get("/accounts/" + utf8.id()).text("name")).as("a U+FFFD the client sent is its own")
			.isEqualTo("M\u00fcller \ufffd");
	}

	private String post(String path, byte[] body) {
		try (Socket socket = new Socket("localhost", port)) {
			socket.setSoTimeout(10_000);
			var out = socket.getOutputStream();
			out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + Api.TEST_KEY
					+ "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
					+ "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
			out.write(body);
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private String raw(String requestLine, String accept) {
		return raw(requestLine, accept, "");
	}

	private String raw(String requestLine, String accept, String extraHeaders) {
		try (Socket socket = new Socket("localhost", port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write((requestLine + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + Api.TEST_KEY
						+ "\r\nAccept: " + accept + "\r\n" + extraHeaders + "Connection: close\r\n\r\n")
					.getBytes(StandardCharsets.ISO_8859_1));
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The confirmation number of the account's newest cancellation, read from its confirmation notice. */
	private String scheduled(String subscriptionId) {
		String account = api.get("/subscriptions/" + subscriptionId).text("accountId");
		for (JsonNode notice : api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values()) {
			if (notice.path("type").asString().equals("CANCELLATION_CONFIRMATION")) {
				return notice.path("relatedId").asString();
			}
		}
		throw new AssertionError("no cancellation for " + subscriptionId);
	}

	private String caseOf(String chargeId) {
		Api.Response repeat = api.post("/charges/" + chargeId + "/disputes", Map.of("reason", "OTHER"));
		assertThat(repeat.status()).as(repeat.toString()).isEqualTo(200);
		return repeat.text("caseNumber");
	}
}
