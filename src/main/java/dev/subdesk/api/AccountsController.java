package dev.subdesk.api;

import dev.subdesk.api.CancellationViews.CancelAllView;
import dev.subdesk.api.CancellationViews.CancellationView;
import dev.subdesk.api.CancellationViews.ChannelManagedView;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.api.Views.AccountView;
import dev.subdesk.api.Views.ChargeView;
import dev.subdesk.api.Views.DeviceView;
import dev.subdesk.api.Views.ListView;
import dev.subdesk.api.Views.NoticeView;
import dev.subdesk.api.Views.PaymentMethodView;
import dev.subdesk.api.Views.SubscriptionView;
import dev.subdesk.billing.Billing;
import dev.subdesk.cancellation.CancelRequest;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.AccountClosures;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.devices.Device;
import dev.subdesk.devices.Devices;
import dev.subdesk.notices.Notices;
import dev.subdesk.subscriptions.Subscriptions;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/** Accounts, payment methods, devices, closure, cancel-all, and the account's lists. */
@RestController
@RequestMapping("/api/v1/accounts")
class AccountsController {

	private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

	private final Accounts accounts;
	private final Subscriptions subscriptions;
	private final Devices devices;
	private final Billing billing;
	private final Notices notices;
	private final Cancellations cancellations;
	private final AccountClosures closures;
	private final JsonMapper json;
	private final SubscriptionViews views;

	private final Paging paging;

	AccountsController(Accounts accounts, Subscriptions subscriptions, Devices devices, Billing billing,
			Notices notices, Cancellations cancellations, AccountClosures closures, JsonMapper json, Paging paging,
			SubscriptionViews views) {
		this.paging = paging;
		this.views = views;
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.devices = devices;
		this.billing = billing;
		this.notices = notices;
		this.cancellations = cancellations;
		this.closures = closures;
		this.json = json;
	}

	@PostMapping
	ResponseEntity<AccountView> open(@RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json);
		String email = body.text("email", true, 3, dev.subdesk.shared.EmailAddresses.MAX_LENGTH);
		if (email != null && !dev.subdesk.shared.EmailAddresses.plain(email)) {
			body.reject("email", dev.subdesk.shared.EmailAddresses.RULE);
		}
		String name = body.text("name", true, 1, 200);
		String country = body.text("country", true, 2, 2);
		if (country != null && !COUNTRIES.contains(country)) {
			body.reject("country", "must be an ISO 3166-1 alpha-2 code in upper case, such as US or DE");
		}
		String region = body.matching("region", false, 1, 3, "[A-Z0-9]{1,3}",
				"must be an ISO 3166-2 subdivision code without the country prefix, such as CA");
		body.validate();
		return ResponseEntity.status(HttpStatus.CREATED)
			.body(AccountView.of(accounts.open(email, name, country, region)));
	}

	@GetMapping("/{id}")
	AccountView get(@PathVariable String id) {
		return AccountView.of(accounts.get(id));
	}

	@GetMapping
	ListView<AccountView> findByEmail(@RequestParam(required = false) @Nullable String email,
			@RequestParam(required = false) @Nullable String limit, @RequestParam(required = false) @Nullable String cursor) {
		if (email == null || email.isBlank()) {
			throw dev.subdesk.shared.SubdeskException.invalid("email", "is required");
		}
		if (!JsonBody.storable(email)) {
			throw dev.subdesk.shared.SubdeskException.invalid("email", "must not contain U+0000 or unpaired surrogates");
		}
		return paging.list(accounts.findByEmail(email, paging.of(limit, cursor)), AccountView::of);
	}

	@PostMapping("/{id}/payment-methods")
	ResponseEntity<PaymentMethodView> addPaymentMethod(@PathVariable String id,
			@RequestBody(required = false) @Nullable String raw) {
		accounts.get(id);
		JsonBody body = JsonBody.parse(raw, json);
		String token = body.text("token", true, 1, 200);
		String postcode = body.matching("billingPostcode", false, 2, 12, "[A-Za-z0-9][A-Za-z0-9 -]*[A-Za-z0-9]",
				"must be letters, digits, spaces or hyphens");
		body.validate();
		return ResponseEntity.status(HttpStatus.CREATED)
			.body(PaymentMethodView.of(accounts.addPaymentMethod(id, token, postcode)));
	}

	@GetMapping("/{id}/payment-methods")
	ListView<PaymentMethodView> paymentMethods(@PathVariable String id,
			@RequestParam(required = false) @Nullable String limit, @RequestParam(required = false) @Nullable String cursor) {
		accounts.get(id);
		return paging.list(accounts.paymentMethods(id, paging.of(limit, cursor)), PaymentMethodView::of);
	}

	@DeleteMapping("/{id}/payment-methods/{pmId}")
	ResponseEntity<Void> removePaymentMethod(@PathVariable String id, @PathVariable String pmId) {
		accounts.get(id);
		subscriptions.removePaymentMethod(id, pmId);
		return ResponseEntity.noContent().build();
	}

	@PostMapping("/{id}/devices")
	ResponseEntity<DeviceView> addDevice(@PathVariable String id, @RequestBody(required = false) @Nullable String raw) {
		accounts.get(id);
		JsonBody body = JsonBody.parse(raw, json);
		String name = body.text("name", true, 1, 200);
		Device.Platform platform = body.enumValue("platform", true, Device.Platform.class);
		String subscriptionId = body.text("subscriptionId", false, 1, 100);
		body.validate();
		return ResponseEntity.status(HttpStatus.CREATED)
			.body(DeviceView.of(devices.register(id, name, platform, subscriptionId)));
	}

	@GetMapping("/{id}/devices")
	ListView<DeviceView> devices(@PathVariable String id, @RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		accounts.get(id);
		return paging.list(devices.list(id, paging.of(limit, cursor)), DeviceView::of);
	}

	@DeleteMapping("/{id}/devices/{deviceId}")
	ResponseEntity<Void> removeDevice(@PathVariable String id, @PathVariable String deviceId) {
		accounts.get(id);
		devices.remove(id, deviceId);
		return ResponseEntity.noContent().build();
	}

	@GetMapping("/{id}/subscriptions")
	ListView<SubscriptionView> subscriptions(@PathVariable String id,
			@RequestParam(required = false) @Nullable String limit, @RequestParam(required = false) @Nullable String cursor) {
		accounts.get(id);
		return paging.list(views.page(subscriptions.forAccount(id, paging.of(limit, cursor))), v -> v);
	}

	@GetMapping("/{id}/charges")
	ListView<ChargeView> charges(@PathVariable String id, @RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		accounts.get(id);
		return paging.list(billing.charges(id, paging.of(limit, cursor)), ChargeView::of);
	}

	@GetMapping("/{id}/notices")
	ListView<NoticeView> notices(@PathVariable String id, @RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		accounts.get(id);
		return paging.list(notices.list(id, paging.of(limit, cursor)), NoticeView::of);
	}

	@PostMapping("/{id}/cancel-all")
	CancelAllView cancelAll(@PathVariable String id, @RequestBody(required = false) @Nullable String raw,
			HttpServletRequest http) {
		accounts.get(id);
		JsonBody body = JsonBody.parse(raw, json);
		Cancellation.Mode mode = body.enumValue("mode", true, Cancellation.Mode.class);
		Cancellation.Reason reason = body.enumValue("reason", false, Cancellation.Reason.class);
		body.validate();
		return CancelAllView.of(cancellations.cancelAll(id,
				new CancelRequest(mode, reason, null, CancellationChannel.API, Actors.of(http))));
	}

	@PostMapping("/{id}/close")
	ClosureView close(@PathVariable String id, @RequestBody(required = false) @Nullable String raw,
			HttpServletRequest http) {
		accounts.get(id);
		JsonBody.parse(raw, json).validate();
		var closure = closures.close(id, CancellationChannel.API, Actors.of(http));
		return new ClosureView(AccountView.of(closure.account()),
				closure.cancellations().stream().map(CancellationView::of).toList(),
				closure.channelManaged().stream().map(ChannelManagedView::of).toList());
	}

	record ClosureView(AccountView account, java.util.List<CancellationView> cancellations,
			java.util.List<ChannelManagedView> channelManaged) {
	}
}
