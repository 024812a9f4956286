package dev.subdesk.api;

import dev.subdesk.api.Views.ListView;
import dev.subdesk.catalog.PriceChange;
import dev.subdesk.shared.Money;
import dev.subdesk.subscriptions.SubscriptionPriceChange;
import dev.subdesk.subscriptions.SubscriptionPriceChanges;
import dev.subdesk.subscriptions.Subscriptions;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
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

/**
 * Scheduled price changes of a plan, and a subscriber's consent to one (issue 12; docs/DESIGN-NOTES.md, "Price
 * changes"). The rules are SubscriptionPriceChanges'; this only translates.
 */
@RestController
class PriceChangesController {

	private final SubscriptionPriceChanges priceChanges;
	private final Subscriptions subscriptions;
	private final JsonMapper json;

	private final Paging paging;

	PriceChangesController(SubscriptionPriceChanges priceChanges, Subscriptions subscriptions, JsonMapper json, Paging paging) {
		this.paging = paging;
		this.priceChanges = priceChanges;
		this.subscriptions = subscriptions;
		this.json = json;
	}

	record PriceChangeView(String id, String planCode, Money price, Instant effectiveFrom, String existingSubscribers,
			Instant createdAt) {

		static PriceChangeView of(PriceChange c) {
			return new PriceChangeView(c.id(), c.planCode(), c.price(), c.effectiveFrom(), c.existingSubscribers().name(),
					c.createdAt());
		}
	}

	record SubscriptionPriceChangeView(String subscriptionId, String priceChangeId, Money oldPrice, Money newPrice,
			Instant renewalAt, Instant noticeSentAt, boolean consentRequired, @Nullable Instant consentedAt,
			@Nullable String consentChannel, String status) {

		static SubscriptionPriceChangeView of(SubscriptionPriceChange p) {
			return new SubscriptionPriceChangeView(p.subscriptionId(), p.priceChangeId(), p.oldPrice(), p.newPrice(),
					p.renewalAt(), p.noticeSentAt(), p.consentRequired(), p.consentedAt(), p.consentChannel(),
					p.status().name());
		}
	}

	@PostMapping("/api/v1/plans/{code}/price-changes")
	ResponseEntity<PriceChangeView> schedule(@PathVariable String code, @RequestBody(required = false) @Nullable String raw,
			HttpServletRequest http) {
		JsonBody body = JsonBody.parse(raw, json, () -> priceChanges.forPlan(code));
		body.allowOnly(Set.of("price", "effectiveFrom", "existingSubscribers"));
		Money price = money(body, "price");
		Instant effectiveFrom = instantOrDay(body, "effectiveFrom");
		PriceChange.Existing existing = body.enumValue("existingSubscribers", true, PriceChange.Existing.class);
		priceChanges.forPlan(code);
		body.validate();
		PriceChange change = priceChanges.schedule(code, java.util.Objects.requireNonNull(price),
				java.util.Objects.requireNonNull(effectiveFrom), java.util.Objects.requireNonNull(existing), Actors.of(http));
		return ResponseEntity.status(HttpStatus.CREATED).body(PriceChangeView.of(change));
	}

	@GetMapping("/api/v1/plans/{code}/price-changes")
	ListView<PriceChangeView> list(@PathVariable String code, @RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		return paging.list(paging.slice(priceChanges.forPlan(code), limit, cursor), PriceChangeView::of);
	}

	/** The subscription's pending price change ({@code 404} on {@code NOT_FOUND} when it has none). */
	@GetMapping("/api/v1/subscriptions/{id}/price-change")
	SubscriptionPriceChangeView pending(@PathVariable String id) {
		subscriptions.get(id);
		return priceChanges.pending(id)
			.map(SubscriptionPriceChangeView::of)
			.orElseThrow(() -> dev.subdesk.shared.SubdeskException.notFound("Pending price change of", id));
	}

	/** The customer's consent to the pending price increase, given through the vendor's own app (channel API). */
	@PostMapping("/api/v1/subscriptions/{id}/price-change-consent")
	SubscriptionPriceChangeView consent(@PathVariable String id, @RequestBody(required = false) @Nullable String raw) {
		subscriptions.get(id);
		JsonBody body = JsonBody.parse(raw, json);
		body.allowOnly(Set.of());
		body.validate();
		return SubscriptionPriceChangeView.of(priceChanges.consent(id, "API"));
	}

	/** A Money object {@code {"amount": integer >= 0, "currency": "USD"}}; problems reported on the field. */
	private static @Nullable Money money(JsonBody body, String field) {
		JsonNode node = body.node().get(field);
		if (node == null || node.isNull()) {
			body.reject(field, "is required");
			return null;
		}
		JsonNode amount = node.path("amount");
		JsonNode currency = node.path("currency");
		boolean onlyKnown = node.isObject() && node.propertyNames().stream().allMatch(n -> Set.of("amount", "currency").contains(n));
		if (!onlyKnown || !amount.isIntegralNumber() || !amount.canConvertToLong() || amount.longValue() < 0
				|| !currency.isString() || !currency.stringValue().matches("[A-Z]{3}")) {
			body.reject(field, "must be {\"amount\": an integer >= 0 in the currency's minor unit, \"currency\": ISO 4217}");
			return null;
		}
		return Money.of(amount.longValue(), currency.stringValue());
	}

	/** A day {@code YYYY-MM-DD} (its start, UTC) or an instant in whole seconds {@code 2027-01-01T00:00:00Z}. */
	private static @Nullable Instant instantOrDay(JsonBody body, String field) {
		String text = body.text(field, true, 10, 30);
		if (text == null) {
			return null;
		}
		try {
			if (text.length() == 10) {
				return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
			}
			Instant at = Instant.parse(text);
			if (!at.truncatedTo(ChronoUnit.SECONDS).equals(at)) {
				body.reject(field, "must be whole seconds");
				return null;
			}
			return at;
		}
		catch (DateTimeParseException e) {
			body.reject(field, "must be a day YYYY-MM-DD or an instant such as 2027-01-01T00:00:00Z");
			return null;
		}
	}
}
