package dev.subdesk.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Small factories for the data a test needs, created through the public API. */
public final class Fixtures {

	private final Api api;

	public Fixtures(Api api) {
		this.api = api;
	}

	public static String uniqueEmail() {
		return "customer-" + UUID.randomUUID().toString().substring(0, 12) + "@example.com";
	}

	/** A new account in Germany (no retention-offer restrictions). */
	public String account() {
		return account("DE", null);
	}

	public String account(String country, @Nullable String region) {
		var body = new java.util.HashMap<String, Object>();
		body.put("email", uniqueEmail());
		body.put("name", "Test Customer");
		body.put("country", country);
		if (region != null) {
			body.put("region", region);
		}
		Api.Response response = api.post("/accounts", body);
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return response.id();
	}

	public String card(String accountId, String token) {
		Api.Response response = api.post("/accounts/" + accountId + "/payment-methods", Map.of("token", token));
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return response.id();
	}

	/**
	 * A new plan of its own product, priced in US dollars, through the catalog administration API: for a test that
	 * changes a plan's prices and must not touch the other tests' plans. Returns its code.
	 */
	public String plan(String codePrefix, String term, long amount) {
		String code = codePrefix + "-" + UUID.randomUUID().toString().substring(0, 8);
		Api.Response product = api.post("/products", Map.of("code", code, "name", "Test product " + code));
		assertThat(product.status()).as(product.toString()).isEqualTo(201);
		Api.Response plan = api.post("/plans", Map.of("code", code, "name", "Test plan " + code, "products",
				java.util.List.of(code), "term", term, "price", Map.of("amount", amount, "currency", "USD"),
				"deviceLimit", 1, "moneyBackDays", 30));
		assertThat(plan.status()).as(plan.toString()).isEqualTo(201);
		return code;
	}

	/** A new account with a VISA card that always pays. */
	public String accountWithVisa() {
		String account = account();
		card(account, "tok_visa");
		return account;
	}

	/**
	 * Buys a plan as a checkout would: a disclosure first, then the purchase with the buyer's consent to it (required
	 * for accounts in the US, recorded everywhere). When no disclosure can be had (an unknown plan, an add-on without
	 * its parent), the purchase goes without consent, so its own answer shows.
	 */
	public Api.Response buy(String accountId, String planCode) {
		var body = new java.util.HashMap<String, Object>(Map.of("accountId", accountId, "planCode", planCode));
		Api.Response disclosure = api.post("/checkout/disclosures", Map.of("accountId", accountId, "planCode", planCode));
		if (disclosure.status() == 201) {
			body.put("consent", Map.of("disclosureId", disclosure.id(), "method", "BUTTON"));
		}
		return api.post("/subscriptions", body);
	}

	/** A purchase's {@code consent} object: a new disclosure of the plan for the account, agreed by button. */
	public Map<String, Object> consent(String accountId, String planCode, @Nullable String parentId) {
		return Map.of("disclosureId", disclosure(accountId, planCode, parentId), "method", "BUTTON");
	}

	/** The id of a new disclosure of the plan for the account. */
	public String disclosure(String accountId, String planCode, @Nullable String parentId) {
		var body = new java.util.HashMap<String, Object>();
		body.put("accountId", accountId);
		body.put("planCode", planCode);
		if (parentId != null) {
			body.put("parentSubscriptionId", parentId);
		}
		Api.Response response = api.post("/checkout/disclosures", body);
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return response.id();
	}

	public String subscribe(String accountId, String planCode) {
		Api.Response response = buy(accountId, planCode);
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return response.id();
	}

	public String addOn(String accountId, String planCode, String parentId) {
		Api.Response response = api.post("/subscriptions", Map.of("accountId", accountId, "planCode", planCode,
				"parentSubscriptionId", parentId, "consent", consent(accountId, planCode, parentId)));
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return response.id();
	}

	public Api.Response cancel(String subscriptionId, String mode) {
		return api.post("/subscriptions/" + subscriptionId + "/cancel", Map.of("mode", mode));
	}

	public Api.Response subscription(String id) {
		return api.get("/subscriptions/" + id);
	}

	/** Advances the test clock by a duration of whole seconds. */
	public void advance(java.time.Duration duration) {
		advance("PT" + duration.toSeconds() + "S");
	}

	public void advance(String duration) {
		Api.Response response = api.post("/test-clock/advance", Map.of("duration", duration));
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
	}

	/** The test clock's time. */
	public java.time.Instant now() {
		return java.time.Instant.parse(api.get("/test-clock").text("now"));
	}

	/** The account's notices of one type (up to 100), newest first. */
	public java.util.List<tools.jackson.databind.JsonNode> notices(String accountId, String type) {
		return api.get("/accounts/" + accountId + "/notices?limit=100").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals(type))
			.toList();
	}

	/** The account's charges (up to 100), newest first. */
	public java.util.List<tools.jackson.databind.JsonNode> charges(String accountId) {
		return api.get("/accounts/" + accountId + "/charges?limit=100").json().path("data").values().stream().toList();
	}
}
