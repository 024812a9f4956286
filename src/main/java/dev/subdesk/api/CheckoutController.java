package dev.subdesk.api;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.api.Views.ListView;
import dev.subdesk.checkout.Consent;
import dev.subdesk.checkout.ConsentChannel;
import dev.subdesk.checkout.ConsentMethod;
import dev.subdesk.checkout.ConsentRequest;
import dev.subdesk.checkout.Consents;
import dev.subdesk.checkout.Disclosure;
import dev.subdesk.checkout.Disclosures;
import dev.subdesk.shared.Money;
import dev.subdesk.subscriptions.Subscriptions;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Disclosures before a purchase and the consent records after it (API.md, Checkout and consent). */
@RestController
class CheckoutController {

	private final Disclosures disclosures;
	private final Consents consents;
	private final Accounts accounts;
	private final Subscriptions subscriptions;
	private final JsonMapper json;

	private final Paging paging;

	CheckoutController(Disclosures disclosures, Consents consents, Accounts accounts, Subscriptions subscriptions,
			JsonMapper json, Paging paging) {
		this.paging = paging;
		this.disclosures = disclosures;
		this.consents = consents;
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.json = json;
	}

	record DisclosureView(String id, String accountId, String planCode, String jurisdiction, String text,
			String textSha256, Money price, Money renewalPrice, String term, int trialDays, Instant firstChargeAt,
			List<String> rules, Instant expiresAt) {

		static DisclosureView of(Disclosure d) {
			return new DisclosureView(d.id(), d.accountId(), d.planCode(), d.jurisdiction(), d.text(), d.textSha256(),
					d.price(), d.renewalPrice(), d.term(), d.trialDays(), d.firstChargeAt(), d.rules(), d.expiresAt());
		}
	}

	record ConsentView(String id, String subscriptionId, String disclosureId, String text, String textSha256,
			String method, Instant acceptedAt, String channel) {

		static ConsentView of(Consent c) {
			return new ConsentView(c.id(), c.subscriptionId(), c.disclosureId(), c.text(), c.textSha256(),
					c.method().name(), c.acceptedAt(), c.channel().name());
		}
	}

	@PostMapping("/api/v1/checkout/disclosures")
	ResponseEntity<DisclosureView> disclose(@RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json);
		body.allowOnly(Set.of("accountId", "planCode", "parentSubscriptionId", "language"));
		String accountId = body.text("accountId", true, 1, 100);
		String planCode = body.text("planCode", true, 1, 100);
		String parentId = body.text("parentSubscriptionId", false, 1, 100);
		String language = body.matching("language", false, 2, 2, "en|de", "must be en or de");
		body.validate();
		return ResponseEntity.status(HttpStatus.CREATED)
			.body(DisclosureView.of(disclosures.disclose(accountId, planCode, parentId,
					java.util.Locale.forLanguageTag(language == null ? "en" : language))));
	}

	@GetMapping("/api/v1/subscriptions/{id}/consents")
	ListView<ConsentView> ofSubscription(@PathVariable String id, @RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		subscriptions.get(id);
		return paging.list(paging.slice(consents.ofSubscription(id), limit, cursor), ConsentView::of);
	}

	@GetMapping("/api/v1/accounts/{id}/consents")
	ListView<ConsentView> ofAccount(@PathVariable String id, @RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		accounts.get(id);
		return paging.list(paging.slice(consents.ofAccount(id), limit, cursor), ConsentView::of);
	}

	/**
	 * The {@code consent} object of a purchase, every problem reported on {@code consent} (API.md); absent or
	 * {@code null}: none. Its channel is {@code API}.
	 */
	static @Nullable ConsentRequest consent(JsonBody body) {
		JsonNode node = body.node().get("consent");
		if (node == null || node.isNull()) {
			return null;
		}
		if (!node.isObject()) {
			body.reject("consent", "must be an object {disclosureId, method, ipAddress?, userAgent?}");
			return null;
		}
		String disclosureId = string(node, "disclosureId", 100);
		String ip = string(node, "ipAddress", 100);
		String agent = string(node, "userAgent", 1000);
		ConsentMethod method = null;
		try {
			method = node.path("method").isString() ? ConsentMethod.valueOf(node.path("method").stringValue()) : null;
		}
		catch (IllegalArgumentException e) {
			method = null;
		}
		Set<String> fields = Set.of("disclosureId", "method", "ipAddress", "userAgent");
		boolean unknownField = node.propertyNames().stream().anyMatch(n -> !fields.contains(n));
		// an empty ipAddress is no address (ConsentRequest: a blank one is none), not a malformed consent
		boolean noAddress = node.path("ipAddress").isString() && node.path("ipAddress").stringValue().isEmpty();
		if (disclosureId == null || method == null || unknownField || (!noAddress && bad(node, "ipAddress", ip))
				|| bad(node, "userAgent", agent)) {
			body.reject("consent", "needs disclosureId (a string) and method (CHECKBOX, BUTTON or AGENT_RECORDED); "
					+ "ipAddress (up to 100 characters) and userAgent (up to 1000) are optional; nothing else");
			return null;
		}
		// the vendor's own page (or its agent) showed the controls: their words are not known here
		return new ConsentRequest(disclosureId, method, ConsentChannel.API, ip, agent, null);
	}

	private static @Nullable String string(JsonNode node, String field, int max) {
		JsonNode value = node.get(field);
		if (value == null || !value.isString() || value.stringValue().isEmpty()
				|| value.stringValue().codePointCount(0, value.stringValue().length()) > max) {
			return null;
		}
		return value.stringValue();
	}

	private static boolean bad(JsonNode node, String field, @Nullable String parsed) {
		JsonNode value = node.get(field);
		return value != null && !value.isNull() && parsed == null;
	}
}
