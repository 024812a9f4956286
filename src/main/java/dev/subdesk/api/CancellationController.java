package dev.subdesk.api;

import dev.subdesk.api.CancellationViews.CancellationView;
import dev.subdesk.api.CancellationViews.QuoteView;
import dev.subdesk.api.CancellationViews.ReceiptKeyView;
import dev.subdesk.api.Views.ListView;
import dev.subdesk.api.Views.SubscriptionView;
import dev.subdesk.cancellation.CancelRequest;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.cancellation.Receipts;
import dev.subdesk.cancellation.RetentionOffers;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Subscriptions;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Quotes, cancellations, resume, receipts and retention offers. */
@RestController
class CancellationController {

	private final Cancellations cancellations;
	private final Subscriptions subscriptions;
	private final Receipts receipts;
	private final RetentionOffers offers;
	private final JsonMapper json;
	private final SubscriptionViews views;

	private final Paging paging;

	CancellationController(Cancellations cancellations, Subscriptions subscriptions, Receipts receipts,
			RetentionOffers offers, JsonMapper json, Paging paging,
			SubscriptionViews views) {
		this.paging = paging;
		this.views = views;
		this.cancellations = cancellations;
		this.subscriptions = subscriptions;
		this.receipts = receipts;
		this.offers = offers;
		this.json = json;
	}

	@PostMapping("/api/v1/subscriptions/{id}/cancellation-quote")
	QuoteView quote(@PathVariable String id, @RequestBody(required = false) @Nullable String raw) {
		JsonBody.parse(raw, json, () -> subscriptions.get(id)).validate();
		return QuoteView.of(cancellations.quote(id));
	}

	@PostMapping("/api/v1/subscriptions/{id}/cancel")
	CancellationView cancel(@PathVariable String id, @RequestBody(required = false) @Nullable String raw,
			HttpServletRequest http) {
		JsonBody body = JsonBody.parse(raw, json, () -> subscriptions.get(id));
		Cancellation.Mode mode = body.enumValue("mode", true, Cancellation.Mode.class);
		Cancellation.Reason reason = body.enumValue("reason", false, Cancellation.Reason.class);
		String feedback = body.text("feedback", false, 0, 2000);
		body.validate();
		return CancellationView.of(
				cancellations.cancel(id, new CancelRequest(mode, reason, feedback, CancellationChannel.API, Actors.of(http))));
	}

	@PostMapping("/api/v1/subscriptions/{id}/resume")
	SubscriptionView resume(@PathVariable String id, @RequestBody(required = false) @Nullable String raw) {
		subscriptions.get(id);
		JsonBody.parse(raw, json).validate();
		return views.of(cancellations.resume(id));
	}

	@GetMapping("/api/v1/cancellations/{number}")
	CancellationView get(@PathVariable String number) {
		return CancellationView.of(cancellations.get(number));
	}

	@GetMapping("/api/v1/cancellations/{number}/receipt")
	JsonNode receipt(@PathVariable String number) {
		return receipts.find(number).orElseThrow(() -> SubdeskException.notFound("Cancellation", number));
	}

	@GetMapping("/api/v1/receipt-keys")
	ListView<ReceiptKeyView> keys(@RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		return paging.list(paging.slice(receipts.keys(), limit, cursor), ReceiptKeyView::of);
	}

	@PostMapping("/api/v1/receipts/verify")
	Map<String, Boolean> verify(@RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json);
		return Map.of("valid", receipts.verify(body.node()));
	}

	/**
	 * Accepts an offer. It needs no body, but one that is sent must be a JSON object, as everywhere; an unknown
	 * offer is {@code 404} before a bad body is {@code 400}.
	 */
	@PostMapping("/api/v1/offers/{id}/accept")
	SubscriptionView accept(@PathVariable String id, @RequestBody(required = false) @Nullable String raw) {
		JsonBody.parse(raw, json, () -> offers.requireExists(id)).validate();
		return views.of(offers.accept(id));
	}
}
