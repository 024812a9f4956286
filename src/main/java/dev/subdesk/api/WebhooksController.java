package dev.subdesk.api;

import dev.subdesk.api.Views.ListView;
import dev.subdesk.webhooks.Delivery;
import dev.subdesk.webhooks.WebhookEndpoint;
import dev.subdesk.webhooks.WebhookEndpoints;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Webhook endpoints, their secrets and their deliveries log (shared/API.md, Webhooks 1.1). */
@RestController
@RequestMapping("/api/v1/webhook-endpoints")
class WebhooksController {

	private final WebhookEndpoints endpoints;
	private final JsonMapper json;

	private final Paging paging;

	WebhooksController(WebhookEndpoints endpoints, JsonMapper json, Paging paging) {
		this.paging = paging;
		this.endpoints = endpoints;
		this.json = json;
	}

	record EndpointView(String id, String url, List<String> events, String status, @Nullable String description,
			Instant createdAt) {

		static EndpointView of(WebhookEndpoint e) {
			return new EndpointView(e.id(), e.url(), e.events(), e.status().name(), e.description(), e.createdAt());
		}
	}

	/** The answer of a creation: the only time, with a rotation's, that the secret is shown. */
	record CreatedEndpointView(String id, String url, List<String> events, String status,
			@Nullable String description, Instant createdAt, String secret) {
	}

	record SecretView(String secret) {
	}

	record DeliveryView(String id, String eventId, String eventType, String status, int attempts,
			@Nullable Integer lastStatusCode, @Nullable String lastError, @Nullable Instant nextAttemptAt,
			Instant createdAt) {

		static DeliveryView of(Delivery d) {
			return new DeliveryView(d.id(), d.eventId(), d.eventType(), d.status().name(), d.attempts(),
					d.lastStatusCode(), d.lastError(), d.nextAttemptAt(), d.createdAt());
		}
	}

	@PostMapping
	ResponseEntity<CreatedEndpointView> create(@RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json);
		body.allowOnly(Set.of("url", "events", "description"));
		String url = body.text("url", true, 1, 2000);
		List<String> events = events(body, true);
		String description = body.text("description", false, 0, 500);
		body.validate();
		var made = endpoints.create(java.util.Objects.requireNonNull(url), java.util.Objects.requireNonNull(events),
				description);
		WebhookEndpoint e = made.endpoint();
		return ResponseEntity.status(HttpStatus.CREATED)
			.body(new CreatedEndpointView(e.id(), e.url(), e.events(), e.status().name(), e.description(),
					e.createdAt(), made.secret()));
	}

	@GetMapping
	ListView<EndpointView> list(@RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		return paging.list(endpoints.list(paging.of(limit, cursor)), EndpointView::of);
	}

	@GetMapping("/{id}")
	EndpointView get(@PathVariable String id) {
		return EndpointView.of(endpoints.get(id));
	}

	@PatchMapping("/{id}")
	EndpointView patch(@PathVariable String id, @RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json, () -> endpoints.get(id));
		body.allowOnly(Set.of("url", "events", "status"));
		String url = body.text("url", false, 1, 2000);
		List<String> events = events(body, false);
		WebhookEndpoint.Status status = body.enumValue("status", false, WebhookEndpoint.Status.class);
		body.validate();
		return EndpointView.of(endpoints.update(id, url, events, status));
	}

	@DeleteMapping("/{id}")
	ResponseEntity<Void> delete(@PathVariable String id) {
		endpoints.delete(id);
		return ResponseEntity.noContent().build();
	}

	@PostMapping("/{id}/rotate-secret")
	SecretView rotate(@PathVariable String id, @RequestBody(required = false) @Nullable String raw) {
		JsonBody.parse(raw, json, () -> endpoints.get(id)).validate();
		return new SecretView(endpoints.rotateSecret(id));
	}

	@GetMapping("/{id}/deliveries")
	ListView<DeliveryView> deliveries(@PathVariable String id, @RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		endpoints.get(id);
		return paging.list(endpoints.deliveries(id, paging.of(limit, cursor)), DeliveryView::of);
	}

	@PostMapping("/{id}/deliveries/{deliveryId}/retry")
	ResponseEntity<DeliveryView> retry(@PathVariable String id, @PathVariable String deliveryId,
			@RequestBody(required = false) @Nullable String raw) {
		endpoints.delivery(id, deliveryId);
		JsonBody.parse(raw, json).validate();
		return ResponseEntity.status(HttpStatus.ACCEPTED).body(DeliveryView.of(endpoints.retry(id, deliveryId)));
	}

	/** {@code events}: a non-empty array of strings (which types exist is the module's check). */
	private static @Nullable List<String> events(JsonBody body, boolean required) {
		JsonNode value = body.node().get("events");
		if (value == null || value.isNull()) {
			if (required) {
				body.reject("events", "is required");
			}
			return null;
		}
		if (!value.isArray() || value.isEmpty() || value.size() > 50) {
			body.reject("events", "must be an array of 1 to 50 event types, or [\"*\"]");
			return null;
		}
		List<String> events = new ArrayList<>();
		for (JsonNode item : value) {
			if (!item.isString()) {
				body.reject("events", "must hold event type names");
				return null;
			}
			events.add(item.stringValue());
		}
		return events;
	}
}
