package dev.subdesk.api;

import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.api.CancellationViews.ChannelInstructionsView;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.stores.AppStoreNotifications;
import dev.subdesk.stores.GooglePlayNotifications;
import dev.subdesk.stores.StoreOutcome;
import dev.subdesk.stores.StoreSubscriptions;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * Store sync at the API edge: the App Store's and Google Play's notifications (public: their signatures authenticate
 * them, {@link ApiSecurity}), the token the vendor's app sets on a store purchase, and a store-billed subscription as
 * the store reports it. Module stores decides; this only translates.
 */
@RestController
class StoresController {

	private final AppStoreNotifications apple;
	private final GooglePlayNotifications google;
	private final StoreSubscriptions stores;
	private final Subscriptions subscriptions;
	private final Cancellations cancellations;
	private final JsonMapper json;

	StoresController(AppStoreNotifications apple, GooglePlayNotifications google, StoreSubscriptions stores,
			Subscriptions subscriptions, Cancellations cancellations, JsonMapper json) {
		this.apple = apple;
		this.google = google;
		this.stores = stores;
		this.subscriptions = subscriptions;
		this.cancellations = cancellations;
		this.json = json;
	}

	/** {@code {"outcome", "subscriptionId", "caseNumber"}}. */
	record OutcomeView(String outcome, @Nullable String subscriptionId, @Nullable String caseNumber) {

		static OutcomeView of(StoreOutcome o) {
			return new OutcomeView(o.outcome(), o.subscriptionId(), o.caseNumber());
		}
	}

	/** App Store Server Notifications V2: {@code {"signedPayload"}}. */
	@PostMapping("/api/v1/channels/apple/notifications")
	OutcomeView apple(@RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json);
		body.allowOnly(Set.of("signedPayload"));
		String signedPayload = body.text("signedPayload", true, 1, 200_000);
		body.validate();
		return OutcomeView.of(apple.receive(java.util.Objects.requireNonNull(signedPayload)));
	}

	/**
	 * A Google Play Real-time Developer Notification, pushed by Pub/Sub with Google's bearer token: the token is
	 * checked first ({@code 401}), then the body as every body is ({@code 400}: not UTF-8, U+0000 or an unpaired
	 * surrogate anywhere, a name twice).
	 */
	@PostMapping("/api/v1/channels/google/rtdn")
	OutcomeView google(@RequestHeader(name = "Authorization", required = false) @Nullable String authorization,
			@RequestBody(required = false) @Nullable String raw) {
		return OutcomeView.of(google.receive(authorization, () -> JsonBody.parse(raw, json).node()));
	}

	/** {@code {"accountId", "appAccountToken", "obfuscatedExternalAccountId"}}: both the same UUID. */
	record StoreAccountTokenView(String accountId, String appAccountToken, String obfuscatedExternalAccountId) {
	}

	@GetMapping("/api/v1/accounts/{id}/store-account-token")
	StoreAccountTokenView token(@PathVariable String id) {
		String token = stores.accountToken(id).toString();
		return new StoreAccountTokenView(id, token, token);
	}

	/**
	 * {@code {"subscriptionId", "channel", "status", "storeState", "refunded", "refundedAt", "channelInstructions"}}:
	 * {@code storeState} is null until a store notification placed the subscription.
	 */
	record StoreStatusView(String subscriptionId, String channel, String status, @Nullable String storeState,
			boolean refunded, @Nullable Instant refundedAt, ChannelInstructionsView channelInstructions) {
	}

	@GetMapping("/api/v1/subscriptions/{id}/store-status")
	StoreStatusView storeStatus(@PathVariable String id) {
		Subscription s = subscriptions.get(id);
		if (!s.storeBilled()) {
			throw SubdeskException.of(ApiErrorCode.NOT_STORE_BILLED, "This subscription is billed by Acme, not by a store");
		}
		var status = stores.status(id);
		return new StoreStatusView(id, s.channel().name(), s.status().name(),
				status.map(StoreSubscriptions.StoreStatus::storeState).orElse(null),
				status.map(StoreSubscriptions.StoreStatus::refunded).orElse(false),
				status.map(StoreSubscriptions.StoreStatus::refundedAt).orElse(null),
				ChannelInstructionsView.of(cancellations.instructionsFor(s)));
	}
}
