package dev.subdesk.web;

import dev.subdesk.catalog.Catalog;
import dev.subdesk.devices.Device;
import dev.subdesk.devices.Devices;
import dev.subdesk.entitlements.Entitlements;
import dev.subdesk.shared.Page;
import dev.subdesk.subscriptions.Subscriptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The devices of the signed-in account, grouped by the subscription whose seat each uses, each with the date until
 * which it is covered (what its entitlement tokens say), and deactivating one to free its seat. A device id that is not the customer's is the same 404 as one that does not exist.
 */
@Controller
class PortalDevicesController {

	private final Devices devices;
	private final Subscriptions subscriptions;
	private final Catalog catalog;
	private final Entitlements entitlements;

	PortalDevicesController(Devices devices, Subscriptions subscriptions, Catalog catalog, Entitlements entitlements) {
		this.devices = devices;
		this.entitlements = entitlements;
		this.subscriptions = subscriptions;
		this.catalog = catalog;
	}

	/**
	 * One device as the page shows it; {@code statusKey} is a message key; {@code coveredUntil} (shown) and
	 * {@code coveredUntilInstant} (its ISO-8601 instant) are null when the device is covered by nothing now.
	 */
	record DeviceRow(String id, String name, String platform, String statusKey, String added, boolean active,
			@Nullable String coveredUntil, @Nullable String coveredUntilInstant) {
	}

	/** The devices on the seats of one subscription ({@code id} "none" for devices without a seat). */
	record Group(String id, @Nullable String title, List<DeviceRow> devices) {
	}

	@GetMapping("/portal/devices")
	String list(Authentication who, Locale locale, Model model) {
		Map<String, List<DeviceRow>> bySubscription = new LinkedHashMap<>();
		for (Device d : devices.list(who.getName(), Page.Request.first(500)).data()) {
			String key = d.subscriptionId() == null ? "none" : d.subscriptionId();
			Optional<Instant> covered = entitlements.coveredUntil(d);
			bySubscription.computeIfAbsent(key, k -> new ArrayList<>())
				.add(new DeviceRow(d.id(), d.name(), d.platform().name(), "device." + d.status(),
						PageFormats.date(d.createdAt(), locale), d.status() == Device.Status.ACTIVE,
						covered.map(at -> PageFormats.date(at, locale)).orElse(null),
						covered.map(Instant::toString).orElse(null)));
		}
		List<Group> groups = bySubscription.entrySet()
			.stream()
			.map(e -> new Group(e.getKey(), title(e.getKey(), locale), e.getValue()))
			.toList();
		model.addAttribute("groups", groups);
		return "web/devices";
	}

	@PostMapping("/portal/devices/{id}/deactivate")
	String deactivate(@PathVariable String id, Authentication who, RedirectAttributes redirect) {
		Device device = devices.find(who.getName(), id).orElseThrow(WebErrors::notFound);
		devices.remove(who.getName(), device.id());
		redirect.addFlashAttribute("notice", "devices.deactivated");
		redirect.addFlashAttribute("detail", device.name());
		return "redirect:/portal/devices";
	}

	private @Nullable String title(String subscriptionId, Locale locale) {
		return subscriptions.find(subscriptionId)
			.map(s -> catalog.name(s.planCode(), locale) + " · " + s.orderNumber())
			.orElse(null);
	}
}
