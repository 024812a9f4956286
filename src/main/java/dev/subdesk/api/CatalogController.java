package dev.subdesk.api;

import dev.subdesk.api.Views.ListView;
import dev.subdesk.api.Views.PlanView;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.catalog.CatalogAdmin;
import dev.subdesk.catalog.NewPlan;
import dev.subdesk.catalog.Plan;
import dev.subdesk.catalog.PlanChanges;
import dev.subdesk.catalog.PriceChanges;
import dev.subdesk.catalog.Product;
import dev.subdesk.shared.SubdeskException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The catalog: {@code GET /plans} of shared/API.md, and its administration (products, plans, prices in more
 * currencies, retiring a plan). The rules are the catalog module's ({@link CatalogAdmin}); this edge checks the
 * JSON's types and passes the values on.
 */
@RestController
class CatalogController {

	private final Catalog catalog;
	private final CatalogAdmin admin;
	private final PriceChanges priceChanges;
	private final Clock clock;
	private final JsonMapper json;

	private final Paging paging;

	CatalogController(Catalog catalog, CatalogAdmin admin, PriceChanges priceChanges, Clock clock, JsonMapper json, Paging paging) {
		this.paging = paging;
		this.catalog = catalog;
		this.admin = admin;
		this.priceChanges = priceChanges;
		this.clock = clock;
		this.json = json;
	}

	record ProductView(String code, String name) {

		static ProductView of(Product p) {
			return new ProductView(p.code(), p.name());
		}
	}

	/**
	 * The plans on sale in catalog order, at the price a purchase pays now (a scheduled price change in effect
	 * included); with {@code includeRetired=true} the retired ones too.
	 */
	@GetMapping("/api/v1/plans")
	ListView<PlanView> plans(@RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor,
			@RequestParam(required = false) @Nullable String includeRetired) {
		if (includeRetired != null && !Set.of("true", "false").contains(includeRetired)) {
			throw SubdeskException.invalid("includeRetired", "must be true or false");
		}
		List<Plan> plans = "true".equals(includeRetired) ? catalog.plans() : catalog.plansForSale();
		return paging.list(paging.slice(priceChanges.current(plans, clock.instant()), limit, cursor), PlanView::of);
	}

	@GetMapping("/api/v1/plans/{code}")
	PlanView plan(@PathVariable String code) {
		return PlanView.of(priceChanges.current(admin.requirePlan(code), clock.instant()));
	}

	@PostMapping("/api/v1/plans")
	ResponseEntity<PlanView> createPlan(@RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json);
		body.allowOnly(Set.of("code", "name", "products", "term", "price", "deviceLimit", "moneyBackDays", "addOnTo",
				"trialDays", "retentionOffer"));
		String code = body.text("code", false, 0, 1000);
		String name = body.text("name", false, 0, 1000);
		List<String> products = strings(body, "products");
		String term = body.text("term", false, 0, 10);
		Long amount = null;
		String currency = null;
		JsonNode price = body.node().get("price");
		if (price != null && !price.isNull() && !price.isObject()) {
			body.reject("price", "must be {\"amount\", \"currency\"}");
		}
		else if (price != null && !price.isNull()) {
			amount = integer(body, price, "price.amount", "amount");
			currency = text(body, price, "price.currency", "currency");
		}
		Integer deviceLimit = intOf(body, "deviceLimit");
		Integer moneyBackDays = intOf(body, "moneyBackDays");
		List<String> addOnTo = strings(body, "addOnTo");
		Integer trialDays = intOf(body, "trialDays");
		Integer percentOff = retentionOffer(body);
		body.validate();
		var created = admin.createPlan(new NewPlan(code, name, products, term, amount, currency, deviceLimit,
				moneyBackDays, addOnTo, trialDays, body.node().has("retentionOffer"), percentOff));
		return ResponseEntity.status(HttpStatus.CREATED).body(PlanView.of(created));
	}

	@PatchMapping("/api/v1/plans/{code}")
	PlanView updatePlan(@PathVariable String code, @RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json, () -> admin.requirePlan(code));
		for (String fixed : List.of("code", "products", "term", "price", "trialDays")) {
			if (body.node().has(fixed)) {
				body.reject(fixed, "cannot change once a plan exists (subscribers keep what they bought): "
						+ "retire the plan and create another");
			}
		}
		Set<String> allowed = Set.of("name", "deviceLimit", "moneyBackDays", "addOnTo", "retentionOffer", "code",
				"products", "term", "price", "trialDays");
		body.allowOnly(allowed);
		String name = body.text("name", false, 0, 1000);
		Integer deviceLimit = intOf(body, "deviceLimit");
		Integer moneyBackDays = intOf(body, "moneyBackDays");
		List<String> addOnTo = strings(body, "addOnTo");
		Integer percentOff = retentionOffer(body);
		body.validate();
		return PlanView.of(admin.updatePlan(code, new PlanChanges(name, deviceLimit, moneyBackDays, addOnTo,
				body.node().has("retentionOffer"), percentOff)));
	}

	@PostMapping("/api/v1/plans/{code}/retire")
	PlanView retire(@PathVariable String code, @RequestBody(required = false) @Nullable String raw) {
		JsonBody.parse(raw, json, () -> admin.requirePlan(code)).validate();
		return PlanView.of(admin.retire(code, clock.instant()));
	}

	@PostMapping("/api/v1/plans/{code}/prices")
	ResponseEntity<PlanView> addPrice(@PathVariable String code, @RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json, () -> admin.requirePlan(code));
		body.allowOnly(Set.of("amount", "currency"));
		Long amount = integer(body, body.node(), "amount", "amount");
		String currency = text(body, body.node(), "currency", "currency");
		body.validate();
		return ResponseEntity.status(HttpStatus.CREATED).body(PlanView.of(admin.addPrice(code, amount, currency, clock.instant())));
	}

	@GetMapping("/api/v1/products")
	ListView<ProductView> products(@RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		return paging.list(paging.slice(catalog.products(), limit, cursor), ProductView::of);
	}

	@PostMapping("/api/v1/products")
	ResponseEntity<ProductView> createProduct(@RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json);
		body.allowOnly(Set.of("code", "name"));
		String code = body.text("code", false, 0, 1000);
		String name = body.text("name", false, 0, 1000);
		body.validate();
		return ResponseEntity.status(HttpStatus.CREATED).body(ProductView.of(admin.createProduct(code, name)));
	}

	/** {@code retentionOffer}: {@code {"percentOff": n}}, or null for none; null when absent too. */
	private static @Nullable Integer retentionOffer(JsonBody body) {
		JsonNode offer = body.node().get("retentionOffer");
		if (offer == null || offer.isNull()) {
			return null;
		}
		if (!offer.isObject()) {
			body.reject("retentionOffer", "must be {\"percentOff\": 1..90} or null");
			return null;
		}
		for (String name : offer.propertyNames()) {
			if (!name.equals("percentOff") && !name.equals("kind")) {
				body.reject("retentionOffer." + name, "is not a field of this request");
			}
		}
		JsonNode kind = offer.get("kind");
		if (kind != null && !kind.isNull() && !(kind.isString() && "DISCOUNT".equals(kind.stringValue()))) {
			body.reject("retentionOffer.kind", "must be DISCOUNT");
		}
		Long percent = integer(body, offer, "retentionOffer.percentOff", "percentOff");
		if (percent == null && !offer.has("percentOff")) {
			body.reject("retentionOffer.percentOff", "is required");
		}
		return percent == null ? null : (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, percent));
	}

	private static @Nullable Integer intOf(JsonBody body, String field) {
		Long value = integer(body, body.node(), field, field);
		return value == null ? null : (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
	}

	/** An integer of {@code parent}'s {@code name}; a wrong type is an error on {@code field}. */
	private static @Nullable Long integer(JsonBody body, JsonNode parent, String field, String name) {
		JsonNode value = parent.get(name);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isIntegralNumber() || !value.canConvertToLong()) {
			body.reject(field, "must be an integer");
			return null;
		}
		return value.longValue();
	}

	private static @Nullable String text(JsonBody body, JsonNode parent, String field, String name) {
		JsonNode value = parent.get(name);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isString()) {
			body.reject(field, "must be a string");
			return null;
		}
		return value.stringValue();
	}

	private static @Nullable List<String> strings(JsonBody body, String field) {
		JsonNode value = body.node().get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isArray() || value.size() > 50) {
			body.reject(field, "must be an array of at most 50 codes");
			return null;
		}
		List<String> codes = new ArrayList<>();
		for (JsonNode item : value) {
			if (!item.isString()) {
				body.reject(field, "must be an array of codes (strings)");
				return null;
			}
			codes.add(item.stringValue());
		}
		return codes;
	}
}
