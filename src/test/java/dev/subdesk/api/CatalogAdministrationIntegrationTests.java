package dev.subdesk.api;

import static dev.subdesk.testing.ProblemAssertions.assertProblem;
import static dev.subdesk.testing.ProblemAssertions.assertValidationFailed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Issue 12, catalog administration through the API: products, plans, a price in another currency, what may change
 * in a plan with subscribers, retiring, the retention offer per plan, bad input, the audit trail. Every plan a test
 * makes is retired at its end, so the plans on sale stay the demo catalog's for the other classes.
 */
class CatalogAdministrationIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AuditTrail audit;

	private final List<String> made = new ArrayList<>();

	@AfterEach
	void retireWhatWasMade() {
		made.forEach(code -> api.post("/plans/" + code + "/retire", Map.of()));
	}

	@Test
	void aNewPlanIsSoldAtOnceAndARetiredOneNoMoreWhileItsSubscriptionsGoOn() throws Exception {
		String product = unique("guard");
		Api.Response createdProduct = api.post("/products", Map.of("code", product, "name", "Acme Guard"));
		assertThat(createdProduct.status()).as(createdProduct.toString()).isEqualTo(201);
		assertThat(api.get("/products?limit=100").json().path("data").values())
			.extracting(p -> p.path("code").asString()).contains(product, "antivirus", "vpn");

		String code = plan(Map.of("products", List.of(product), "price", money(1999, "USD")));
		JsonNode plan = api.get("/plans/" + code).json();
		assertThat(plan.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(plan.path("price").path("amount").asLong()).isEqualTo(1999);
		assertThat(plan.path("retentionOffer").path("percentOff").asInt()).as("the demo policy by default").isEqualTo(25);
		assertThat(codes(api.get("/plans?limit=100"))).endsWith(code);

		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, code);
		assertThat(fixtures.subscription(subscription).json().path("price").path("amount").asLong()).isEqualTo(1999);

		assertThat(checkoutPage(code)).as("its checkout page").isEqualTo(200);
		JsonNode retired = api.post("/plans/" + code + "/retire", Map.of()).json();
		assertThat(checkoutPage(code)).as("no checkout page for a retired plan").isEqualTo(404);
		assertThat(retired.path("status").asString()).isEqualTo("RETIRED");
		assertThat(codes(api.get("/plans?limit=100"))).as("not for sale").doesNotContain(code);
		assertThat(codes(api.get("/plans?limit=100&includeRetired=true"))).contains(code);
		assertThat(api.get("/plans/" + code).json().path("status").asString()).isEqualTo("RETIRED");
		assertProblem(fixtures.buy(fixtures.accountWithVisa(), code), 409, "PLAN_RETIRED");
		assertProblem(api.post("/plans/" + code + "/retire", Map.of()), 409, "PLAN_RETIRED");
		assertThat(fixtures.subscription(subscription).json().path("status").asString())
			.as("a retired plan's subscriptions go on").isEqualTo("ACTIVE");
		fixtures.advance("P32D");
		api.post("/renewals/run");
		assertThat(fixtures.subscription(subscription).json().path("status").asString()).isEqualTo("ACTIVE");
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size())
			.as("renewed at its own price after the plan retired").isEqualTo(2);
	}

	@Test
	void aPriceInAnotherCurrencyIsWhatAnAccountOfThatCurrencyPaysAndOthersPayTheBasePrice() {
		String code = plan(Map.of());
		Api.Response added = api.post("/plans/" + code + "/prices", money(899, "EUR"));
		assertThat(added.status()).as(added.toString()).isEqualTo(201);
		assertThat(added.json().path("prices").values()).extracting(p -> p.path("currency").asString() + p.path("amount").asLong())
			.containsExactly("USD999", "EUR899");
		assertProblem(api.post("/plans/" + code + "/prices", money(799, "EUR")), 409, "PRICE_EXISTS");
		assertProblem(api.post("/plans/" + code + "/prices", money(799, "USD")), 409, "PRICE_EXISTS");

		String german = fixtures.accountWithVisa(); // Germany pays in euros
		Api.Response disclosure = api.post("/checkout/disclosures", Map.of("accountId", german, "planCode", code));
		assertThat(disclosure.json().path("price").path("currency").asString()).isEqualTo("EUR");
		assertThat(disclosure.text("text")).contains("8.99 EUR");
		String inEuros = fixtures.subscribe(german, code);
		assertThat(fixtures.subscription(inEuros).json().path("price").toString()).contains("899").contains("EUR");
		JsonNode charge = api.get("/accounts/" + german + "/charges").json().path("data").get(0);
		assertThat(charge.path("amount").asLong()).isEqualTo(899);
		assertThat(charge.path("currency").asString()).isEqualTo("EUR");

		String british = fixtures.account("GB", null);
		fixtures.card(british, "tok_visa");
		String inDollars = fixtures.subscribe(british, code);
		assertThat(fixtures.subscription(inDollars).json().path("price").path("currency").asString())
			.as("no price in pounds: the base price").isEqualTo("USD");

		fixtures.advance("P32D");
		api.post("/renewals/run");
		JsonNode renewal = api.get("/accounts/" + german + "/charges").json().path("data").get(0);
		assertThat(renewal.path("amount").asLong()).as("renews in its own currency").isEqualTo(899);
		assertThat(renewal.path("currency").asString()).isEqualTo("EUR");
		assertThat(fixtures.subscription(inEuros).json().path("price").path("currency").asString()).isEqualTo("EUR");
	}

	@Test
	void whatMayChangeChangesAndWhatSubscribersBoughtDoesNot() {
		String code = plan(Map.of("moneyBackDays", 14));
		Api.Response patched = api.patch("/plans/" + code, Map.of("name", "Acme Renamed", "moneyBackDays", 30,
				"deviceLimit", 7));
		assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
		assertThat(patched.text("name")).isEqualTo("Acme Renamed");
		assertThat(patched.json().path("moneyBackDays").asInt()).isEqualTo(30);
		assertThat(patched.json().path("deviceLimit").asInt()).isEqualTo(7);
		assertThat(api.get("/plans/" + code).text("name")).isEqualTo("Acme Renamed");

		assertValidationFailed(api.patch("/plans/" + code, Map.of("moneyBackDays", 10)), "moneyBackDays");
		assertValidationFailed(api.patch("/plans/" + code, Map.of("price", money(1, "USD"))), "price");
		assertValidationFailed(api.patch("/plans/" + code, Map.of("products", List.of("vpn"))), "products");
		assertValidationFailed(api.patch("/plans/" + code, Map.of("term", "P1Y")), "term");
		assertValidationFailed(api.patch("/plans/" + code, Map.of("addOnTo", List.of("antivirus-annual"))), "addOnTo");
		assertProblem(api.patch("/plans/no-such-plan", Map.of("name", "x")), 404, "NOT_FOUND");
		assertProblem(api.patch("/plans/no-such-plan", Map.of("price", "x")), 404, "NOT_FOUND");

		String addOn = plan(Map.of("addOnTo", List.of("antivirus-annual")));
		String buyer = fixtures.accountWithVisa();
		String base = fixtures.subscribe(buyer, code);
		Map<String, Object> addOnPurchase = Map.of("accountId", buyer, "planCode", addOn, "parentSubscriptionId", base,
				"consent", fixtures.consent(buyer, addOn, base));
		assertProblem(api.post("/subscriptions", addOnPurchase), 409, "ADD_ON_NOT_ALLOWED");
		Api.Response moved = api.patch("/plans/" + addOn, Map.of("addOnTo", List.of("antivirus-annual", code)));
		assertThat(moved.json().path("addOnTo").values()).extracting(JsonNode::asString)
			.containsExactly("antivirus-annual", code);
		fixtures.addOn(buyer, addOn, base);
		assertThat(fixtures.subscription(base).json().path("status").asString()).isEqualTo("ACTIVE");
		assertValidationFailed(api.patch("/plans/" + addOn, Map.of("addOnTo", List.of())), "addOnTo");
		assertValidationFailed(api.patch("/plans/" + addOn, Map.of("addOnTo", List.of(addOn))), "addOnTo");
	}

	@Test
	void theRetentionOfferIsThePlansOwnOrNone() {
		String code = plan(Map.of("retentionOffer", Map.of("percentOff", 40), "price", money(1000, "USD")));
		String account = fixtures.accountWithVisa();
		String fortyOff = fixtures.subscribe(account, code);
		JsonNode offer = api.post("/subscriptions/" + fortyOff + "/cancellation-quote", Map.of()).json().path("offer");
		assertThat(offer.path("description").asString()).contains("$6.00").contains("40% off");

		Map<String, Object> noOffer = new HashMap<>();
		noOffer.put("retentionOffer", null);
		Api.Response none = api.patch("/plans/" + code, noOffer);
		assertThat(none.status()).as(none.toString()).isEqualTo(200);
		assertThat(none.json().path("retentionOffer").isNull()).isTrue();
		String later = fixtures.subscribe(fixtures.accountWithVisa(), code);
		assertThat(api.post("/subscriptions/" + later + "/cancellation-quote", Map.of()).json().path("offer").isNull())
			.as("no offer any more").isTrue();
		assertThat(api.post("/subscriptions/" + fortyOff + "/cancellation-quote", Map.of()).json().path("offer").isNull())
			.as("nor for an earlier subscriber's later quote").isTrue();

		String demo = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-annual");
		assertThat(api.post("/subscriptions/" + demo + "/cancellation-quote", Map.of()).json().path("offer")
			.path("description").asString()).as("the demo catalog keeps the demo policy").contains("$44.99");
	}

	/**
	 * A percent off a price of a few minor units rounds down to nothing: the offer costs one minor unit instead, since a
	 * charge is never of zero (found by a review: the zero-amount renewal attempt broke its whole renewal batch).
	 */
	@Test
	void anOfferNeverMakesTheRenewalFree() {
		String code = plan(Map.of("retentionOffer", Map.of("percentOff", 90), "price", money(9, "USD")));
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, code);
		JsonNode offer = api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer");
		assertThat(offer.path("description").asString()).contains("$0.01 instead of $0.09");
		assertThat(api.post("/offers/" + offer.path("id").asString() + "/accept").status()).isEqualTo(200);
		fixtures.advance("P32D");
		assertThat(api.get("/accounts/" + account + "/charges?limit=100").json().path("data").values())
			.extracting(c -> c.path("amount").asLong() + " " + c.path("status").asString())
			.containsExactly("1 SUCCEEDED", "9 SUCCEEDED");
		assertThat(fixtures.subscription(sub).text("status")).isEqualTo("ACTIVE");
	}

	/**
	 * On a price of one minor unit the offer would cost that same minor unit (an offer is never free): it saves nothing,
	 * and was shown as "0% off". No offer is made then, as for a plan without one.
	 */
	@Test
	void noOfferIsMadeThatSavesNothing() {
		String code = plan(Map.of("retentionOffer", Map.of("percentOff", 90), "price", money(1, "USD")));
		String sub = fixtures.subscribe(fixtures.accountWithVisa(), code);

		Api.Response quote = api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of());

		assertThat(quote.status()).as(quote.toString()).isEqualTo(200);
		assertThat(quote.json().has("offer")).as("the field is there, as for a plan without an offer").isTrue();
		assertThat(quote.json().path("offer").isNull()).as("no offer that saves nothing: %s", quote).isTrue();
	}

	@Test
	void badInputIsAFieldErrorAndChangesNothing() {
		assertValidationFailed(create(Map.of("products", List.of("no-such-product"))), "products");
		assertValidationFailed(create(Map.of("addOnTo", List.of("identity-addon-annual"))), "addOnTo");
		assertValidationFailed(create(Map.of("addOnTo", List.of("no-such-plan"))), "addOnTo");
		assertValidationFailed(create(Map.of("price", money(-1, "USD"))), "price.amount");
		assertValidationFailed(create(Map.of("price", money(0, "USD"))), "price.amount");
		assertValidationFailed(create(Map.of("price", money(100, "XYZ"))), "price.currency");
		assertValidationFailed(create(Map.of("price", money(100, "usd"))), "price.currency");
		assertValidationFailed(create(Map.of("price", Map.of("amount", 1.5, "currency", "USD"))), "price.amount");
		assertValidationFailed(create(Map.of("term", "P2Y")), "term");
		assertValidationFailed(create(Map.of("code", "Not A Code")), "code");
		assertValidationFailed(create(Map.of("deviceLimit", -1)), "deviceLimit");
		assertValidationFailed(create(Map.of("moneyBackDays", -5)), "moneyBackDays");
		assertValidationFailed(create(Map.of("retentionOffer", Map.of("percentOff", 100))), "retentionOffer.percentOff");
		assertValidationFailed(create(Map.of("addOnTo", List.of("antivirus-annual"), "trialDays", 7)), "trialDays");
		assertValidationFailed(create(Map.of("trialDays", 3)), "trialDays"); // shorter than the 7-day reminder (R-CARD-2)
		assertValidationFailed(create(Map.of("colour", "red")), "colour");
		assertThat(assertValidationFailed(api.post("/plans", Map.of()), "code").path("errors").values())
			.as("every missing field at once")
			.extracting(e -> e.path("field").asString())
			.contains("name", "products", "term", "price", "deviceLimit", "moneyBackDays");
		assertValidationFailed(api.post("/plans/antivirus-annual/prices", Map.of("amount", -3, "currency", "EUR")), "amount");
		assertValidationFailed(api.post("/plans/antivirus-annual/prices", Map.of("amount", 300, "currency", "EURO")), "currency");
		assertProblem(api.post("/plans/no-such-plan/prices", money(300, "EUR")), 404, "NOT_FOUND");
		assertProblem(api.post("/plans/no-such-plan/retire", Map.of()), 404, "NOT_FOUND");
		assertProblem(api.get("/plans/no-such-plan"), 404, "NOT_FOUND");
		assertValidationFailed(api.get("/plans?includeRetired=yes"), "includeRetired");
		assertThat(api.get("/plans/antivirus-annual").json().path("prices").size()).as("nothing changed").isEqualTo(1);

		assertProblem(create(Map.of("code", "antivirus-annual")), 409, "PLAN_EXISTS");
		assertProblem(api.post("/products", Map.of("code", "vpn", "name", "Again")), 409, "PRODUCT_EXISTS");
		assertValidationFailed(api.post("/products", Map.of("code", "x y", "name", "")), "code");
	}

	@Test
	void withoutTheKeyNothingChanges() {
		Api anonymous = api.with("Authorization", null);
		String code = unique("nokey");
		List<Api.Response> answers = List.of(anonymous.post("/plans", body(code, Map.of())),
				anonymous.patch("/plans/antivirus-annual", Map.of("name", "Hacked")),
				anonymous.post("/plans/antivirus-annual/retire", Map.of()),
				anonymous.post("/plans/antivirus-annual/prices", money(1, "EUR")),
				anonymous.post("/products", Map.of("code", code, "name", "x")), anonymous.get("/products"),
				anonymous.get("/plans/antivirus-annual"));
		assertThat(answers).allSatisfy(answer -> assertProblem(answer, 401, "UNAUTHORIZED"));
		assertProblem(api.get("/plans/" + code), 404, "NOT_FOUND");
		assertThat(api.get("/plans/antivirus-annual").text("name")).isEqualTo("Acme Antivirus, yearly");
	}

	@Test
	void everyChangeIsAuditedWithItsActor() {
		Api vendor = api.with("X-Actor", "catalog-manager@acme.example");
		String code = unique("audited");
		assertThat(vendor.post("/plans", body(code, Map.of())).status()).isEqualTo(201);
		made.add(code);
		assertThat(vendor.post("/plans/" + code + "/prices", money(500, "EUR")).status()).isEqualTo(201);
		assertThat(vendor.patch("/plans/" + code, Map.of("name", "Audited plan")).status()).isEqualTo(200);
		assertThat(audit.about("/api/v1/plans/" + code + "/prices")).singleElement()
			.satisfies(e -> assertThat(e.actor()).isEqualTo("catalog-manager@acme.example"));
		assertThat(audit.about("/api/v1/plans/" + code)).singleElement()
			.satisfies(e -> assertThat(e.action()).isEqualTo("PATCH /api/v1/plans/" + code));
		assertThat(audit.about("/api/v1/plans")).extracting(AuditTrail.Entry::actor)
			.contains("catalog-manager@acme.example");
	}

	private int checkoutPage(String code) throws Exception {
		try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
			return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port + "/checkout/"
					+ code)).build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
		}
	}

	private Api.Response create(Map<String, Object> overrides) {
		return api.post("/plans", body(unique("bad"), overrides));
	}

	/** Creates a plan (a yearly one at $9.99 for antivirus unless {@code overrides} say otherwise); retired at the end. */
	private String plan(Map<String, Object> overrides) {
		String code = overrides.containsKey("code") ? (String) overrides.get("code") : unique("plan");
		Api.Response created = api.post("/plans", body(code, overrides));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		made.add(code);
		return code;
	}

	private static Map<String, Object> body(String code, Map<String, Object> overrides) {
		Map<String, Object> body = new HashMap<>(Map.of("code", code, "name", "Acme Test " + code, "products",
				List.of("antivirus"), "term", "P1M", "price", money(999, "USD"), "deviceLimit", 2, "moneyBackDays", 14));
		body.putAll(overrides);
		return body;
	}

	private static Map<String, Object> money(long amount, String currency) {
		return Map.of("amount", amount, "currency", currency);
	}

	private static String unique(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	private static List<String> codes(Api.Response list) {
		return list.json().path("data").values().stream().map(p -> p.path("code").asString()).toList();
	}
}
