package dev.subdesk.api;

import dev.subdesk.api.Views.ListView;
import dev.subdesk.api.Views.PatchedSubscriptionView;
import dev.subdesk.api.Views.SubscriptionView;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.checkout.ConsentRequest;
import dev.subdesk.clock.TestClock;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.PurchaseRequest;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/** Buying, reading and changing subscriptions. */
@RestController
@RequestMapping("/api/v1/subscriptions")
class SubscriptionsController {

	private static final Set<String> PURCHASE_FIELDS = Set.of("accountId", "planCode", "paymentMethodId",
			"parentSubscriptionId", "channel", "consent");

	private final Subscriptions subscriptions;
	private final Cancellations cancellations;
	private final TestClock clock;
	private final JsonMapper json;
	private final TransactionTemplate tx;
	private final SubscriptionViews views;

	private final Paging paging;

	SubscriptionsController(Subscriptions subscriptions, Cancellations cancellations, TestClock clock, JsonMapper json,
			PlatformTransactionManager txManager, Paging paging,
			SubscriptionViews views) {
		this.paging = paging;
		this.views = views;
		this.subscriptions = subscriptions;
		this.cancellations = cancellations;
		this.clock = clock;
		this.json = json;
		this.tx = new TransactionTemplate(txManager);
	}

	@PostMapping
	ResponseEntity<SubscriptionView> purchase(@RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json);
		// a purchase charges a card: a misspelled field (a "consents" outside the US) is refused, never dropped
		body.allowOnly(PURCHASE_FIELDS);
		String accountId = body.text("accountId", true, 1, 100);
		String planCode = body.text("planCode", true, 1, 100);
		String paymentMethodId = body.text("paymentMethodId", false, 1, 100);
		String parentId = body.text("parentSubscriptionId", false, 1, 100);
		Channel channel = body.enumValue("channel", false, Channel.class);
		ConsentRequest consent = CheckoutController.consent(body);
		if (channel != null && channel.storeBilled() && !clock.enabled()) {
			body.reject("channel", "must be DIRECT (store-billed subscriptions come from the store sync)");
		}
		body.validate();
		Subscription created = subscriptions.purchase(new PurchaseRequest(accountId, planCode, paymentMethodId,
				parentId, channel == null ? Channel.DIRECT : channel, consent));
		return ResponseEntity.status(HttpStatus.CREATED).body(views.of(created));
	}

	@GetMapping("/{id}")
	SubscriptionView get(@PathVariable String id) {
		return views.of(subscriptions.get(id));
	}

	@GetMapping
	ListView<SubscriptionView> byOrderNumber(@RequestParam(required = false) @Nullable String orderNumber,
			@RequestParam(required = false) @Nullable String limit, @RequestParam(required = false) @Nullable String cursor) {
		if (orderNumber == null || orderNumber.isBlank()) {
			throw SubdeskException.invalid("orderNumber", "is required");
		}
		if (!JsonBody.storable(orderNumber)) {
			throw SubdeskException.invalid("orderNumber", "must not contain U+0000 or unpaired surrogates");
		}
		List<Subscription> found = subscriptions.findByOrderNumber(orderNumber).stream().toList();
		return paging.list(views.page(paging.slice(found, limit, cursor)), v -> v);
	}

	/**
	 * {@code autoRenew: false} is cancel END_OF_TERM, {@code true} is resume; {@code paymentMethodId} moves the
	 * subscription to another card. Both checks run before either change, and both changes commit together.
	 */
	@PatchMapping("/{id}")
	PatchedSubscriptionView patch(@PathVariable String id, @RequestBody(required = false) @Nullable String raw,
			HttpServletRequest http) {
		Subscription current = subscriptions.get(id);
		JsonBody body = JsonBody.parse(raw, json);
		body.allowOnly(Set.of("autoRenew", "paymentMethodId"));
		Boolean autoRenew = body.bool("autoRenew");
		String paymentMethodId = body.text("paymentMethodId", false, 1, 100);
		body.validate();
		String actor = Actors.of(http);
		return tx.execute(status -> {
			Subscription s = current;
			String confirmation = null;
			if (paymentMethodId != null) {
				s = subscriptions.changePaymentMethod(id, paymentMethodId);
			}
			if (autoRenew != null) {
				var change = cancellations.setAutoRenew(id, autoRenew, CancellationChannel.API, actor);
				s = change.subscription();
				confirmation = change.confirmationNumber();
			}
			return views.patched(subscriptions.get(s.id()), confirmation);
		});
	}
}
