package dev.subdesk.web;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.cancellation.CancelRequest;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.CancellationErrorCode;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.cancellation.ChannelInstructions;
import dev.subdesk.stores.StoreSubscriptions;
import dev.subdesk.cancellation.Quote;
import dev.subdesk.cancellation.Receipts;
import dev.subdesk.cancellation.RetentionOffers;
import dev.subdesk.cancellation.Withdrawal;
import dev.subdesk.cancellation.WithdrawalRequest;
import dev.subdesk.cancellation.Withdrawals;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.devices.Device;
import dev.subdesk.devices.Devices;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.PriceChangeAtRenewal;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * "My subscriptions" and the cancel flow: the list (one click to a subscription's cancel page), the cancel page
 * with both choices and the "Cancel now" button beside any offer (second click), the confirmation with its
 * number and the printable signed receipt. Every id in a URL is checked against the signed-in account: one
 * that is not the customer's is the same 404 as one that does not exist.
 */
@Controller
class PortalController {

	private final Subscriptions subscriptions;
	private final Cancellations cancellations;
	private final RetentionOffers offers;
	private final Receipts receipts;
	private final Catalog catalog;
	private final Accounts accounts;
	private final Devices devices;
	private final Withdrawals withdrawals;
	private final JsonMapper json;
	private final ReceiptPageController receiptPage;
	private final StoreSubscriptions stores;
	private final PortalPriceChangeController priceChanges;

	PortalController(Subscriptions subscriptions, Cancellations cancellations, RetentionOffers offers, Receipts receipts,
			Catalog catalog, Accounts accounts, Devices devices, Withdrawals withdrawals, JsonMapper json,
			ReceiptPageController receiptPage, StoreSubscriptions stores, PortalPriceChangeController priceChanges) {
		this.priceChanges = priceChanges;
		this.stores = stores;
		this.subscriptions = subscriptions;
		this.cancellations = cancellations;
		this.offers = offers;
		this.receipts = receipts;
		this.catalog = catalog;
		this.accounts = accounts;
		this.devices = devices;
		this.withdrawals = withdrawals;
		this.json = json;
		this.receiptPage = receiptPage;
	}

	/**
	 * One subscription as the list shows it; {@code statusKey} is a message key, {@code devices} the names of the
	 * devices using its seats.
	 */
	record Row(String id, String name, String orderNumber, String statusKey, @Nullable String nextChargeDate,
			@Nullable String nextChargeAmount, @Nullable String endDate, boolean endedAlready, boolean cancellable,
			boolean resumable, boolean canStopRenewal, boolean withdrawable, @Nullable StoreRow store,
			List<String> devices, List<Row> addOns, @Nullable String trialEndsOn) {
	}

	/**
	 * A store-billed subscription's store: its name, the store's own steps to cancel while it runs (Acme cannot cancel
	 * it), the date it renews through the store, and the date the store refunded it.
	 */
	record StoreRow(String channel, @Nullable ChannelInstructions instructions, @Nullable String renewsOn,
			@Nullable String refundedOn) {
	}

	@GetMapping("/portal")
	String subscriptions(Authentication who, Locale locale, Model model) {
		String accountId = who.getName();
		Account account = accounts.get(accountId);
		List<Subscription> all = subscriptions.forAccount(accountId);
		Map<String, List<String>> devicesBySubscription = devicesInUse(accountId);
		Map<String, PriceChangeAtRenewal> next = priceChanges.atNextRenewal(all);
		List<Row> rows = new ArrayList<>();
		for (Subscription s : all) {
			boolean parentListed = s.parentId() != null && all.stream().anyMatch(p -> p.id().equals(s.parentId()));
			if (!parentListed) {
				List<Row> addOns = all.stream()
					.filter(a -> s.id().equals(a.parentId()))
					.map(a -> row(a, account, List.of(), devicesBySubscription, locale, next))
					.toList();
				rows.add(row(s, account, addOns, devicesBySubscription, locale, next));
			}
		}
		model.addAttribute("account", account);
		model.addAttribute("rows", rows);
		model.addAttribute("priceChanges", priceChanges.rows(all, next, locale));
		model.addAttribute("anyCancellable", all.stream().anyMatch(Subscription::cancellable));
		return "web/portal";
	}

	@GetMapping("/portal/subscriptions/{id}/cancel")
	String cancelPage(@PathVariable String id, Authentication who, Locale locale, Model model) {
		Subscription s = owned(id, who);
		if (!s.cancellable()) {
			return "redirect:/portal";
		}
		Quote quote = cancellations.quote(id);
		Quote.Option endOfTerm = option(quote, Cancellation.Mode.END_OF_TERM);
		Quote.Option immediately = option(quote, Cancellation.Mode.IMMEDIATE);
		Map<String, List<String>> devicesBySubscription = devicesInUse(who.getName());
		model.addAttribute("s", row(s, accounts.get(s.accountId()), List.of(), devicesBySubscription, locale));
		model.addAttribute("devicesEnding", devicesEnding(devicesBySubscription, id, quote.alsoCancels()));
		model.addAttribute("serviceUntil", PageFormats.date(endOfTerm.effectiveAt(), locale));
		model.addAttribute("refund", immediately.refund().positive() ? PageFormats.money(immediately.refund(), locale) : null);
		model.addAttribute("trialEndsOn", quote.trial() == null ? null : PageFormats.date(quote.trial().endsAt(), locale));
		model.addAttribute("alsoEnds", quote.alsoCancels().stream().map(a -> name(subscriptions.get(a), locale)).toList());
		model.addAttribute("offer", quote.offer());
		model.addAttribute("reasons", Arrays.asList(Cancellation.Reason.values()));
		return "web/portal-cancel";
	}

	@PostMapping("/portal/subscriptions/{id}/cancel")
	String cancel(@PathVariable String id, @RequestParam(defaultValue = "END_OF_TERM") String mode,
			@RequestParam(required = false) @Nullable String reason,
			@RequestParam(required = false) @Nullable String comment, Authentication who) {
		owned(id, who);
		Cancellation.Mode chosen = mode(mode);
		Cancellation.Reason why = reason == null || reason.isEmpty() ? null
				: Arrays.stream(Cancellation.Reason.values())
					.filter(r -> r.name().equals(reason))
					.findFirst()
					.orElseThrow(WebErrors::invalid);
		if (comment != null && comment.strip().length() > 2000) {
			throw WebErrors.invalid();
		}
		String feedback = comment == null || comment.isBlank() ? null : comment.strip();
		try {
			Cancellation c = cancellations.cancel(id,
					new CancelRequest(chosen, why, feedback, CancellationChannel.PORTAL, "customer:" + who.getName()));
			return "redirect:/portal/cancellations/" + c.confirmationNumber();
		}
		catch (SubdeskException e) {
			// a second tab, or a second click, after the first ended it: show the confirmation that ended it
			String endedBy = subscriptions.get(id).scheduledBy();
			if (!"ALREADY_CANCELLED".equals(e.code()) || endedBy == null) {
				throw e;
			}
			return "redirect:/portal/cancellations/" + endedBy;
		}
	}

	/** Takes back a scheduled cancellation: auto-renewal is on again. */
	@PostMapping("/portal/subscriptions/{id}/resume")
	String resume(@PathVariable String id, Authentication who, RedirectAttributes redirect) {
		owned(id, who);
		cancellations.resume(id);
		redirect.addFlashAttribute("notice", "portal.resumed");
		return "redirect:/portal";
	}

	/**
	 * Auto-renewal off (the same as cancelling at the end of the term, with its confirmation number) or on again
	 * (the same as resuming).
	 */
	@PostMapping("/portal/subscriptions/{id}/auto-renew")
	String autoRenew(@PathVariable String id, @RequestParam(defaultValue = "") String autoRenew, Authentication who,
			RedirectAttributes redirect) {
		owned(id, who);
		if (!List.of("true", "false").contains(autoRenew)) {
			throw WebErrors.invalid();
		}
		boolean on = Boolean.parseBoolean(autoRenew);
		Cancellations.AutoRenewChange change = cancellations.setAutoRenew(id, on, CancellationChannel.PORTAL,
				"customer:" + who.getName());
		redirect.addFlashAttribute("notice", on ? "portal.resumed" : "portal.autoRenewOff");
		if (change.confirmationNumber() != null) {
			redirect.addFlashAttribute("numbers", List.of(change.confirmationNumber()));
		}
		return "redirect:/portal";
	}

	/** "Withdraw from contract here" for a contract still in its EU withdrawal period; others are not offered it. */
	@GetMapping("/portal/subscriptions/{id}/withdraw")
	String withdrawPage(@PathVariable String id, Authentication who, Locale locale, Model model) {
		Subscription s = owned(id, who);
		Account account = accounts.get(s.accountId());
		if (!withdrawals.eligible(s, account)) {
			return "redirect:/portal";
		}
		return withdrawPage(s, account.name(), account.email(), List.of(), locale, model);
	}

	@PostMapping("/portal/subscriptions/{id}/withdraw")
	String withdraw(@PathVariable String id, @RequestParam(defaultValue = "") String name,
			@RequestParam(defaultValue = "") String email, Authentication who, Locale locale, Model model,
			HttpServletResponse response) {
		Subscription s = owned(id, who);
		PublicWithdrawalForm form = new PublicWithdrawalForm(name, email, s.orderNumber());
		if (!form.errors().isEmpty()) {
			response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
			return withdrawPage(s, name, email, form.errors(), locale, model);
		}
		Withdrawal w = withdrawals.withdraw(id, new WithdrawalRequest(PublicWithdrawalForm.text(name),
				PublicWithdrawalForm.text(email), CancellationChannel.PORTAL, "customer:" + who.getName()));
		return "redirect:/portal/withdrawals/" + w.referenceNumber();
	}

	@GetMapping("/portal/withdrawals/{reference}")
	String withdrawal(@PathVariable String reference, Authentication who, Locale locale, Model model) {
		Withdrawal w = withdrawals.find(reference)
			.filter(found -> found.accountId().equals(who.getName()))
			.orElseThrow(WebErrors::notFound);
		Cancellation ended = cancellations.get(w.confirmationNumber());
		model.addAttribute("w", w);
		model.addAttribute("receivedAt", PageFormats.dateTime(w.receivedAt(), locale));
		model.addAttribute("endedAt", PageFormats.dateTime(ended.effectiveAt(), locale));
		model.addAttribute("contract", name(subscriptions.get(w.subscriptionId()), locale) + " · " + w.orderNumber());
		model.addAttribute("refund", w.refundTotal().positive() ? PageFormats.money(w.refundTotal(), locale) : null);
		return "web/portal-withdrawn";
	}

	private String withdrawPage(Subscription s, String name, String email, List<String> errors, Locale locale, Model model) {
		Withdrawals.Preview preview = withdrawals.preview(s);
		model.addAttribute("s", row(s, accounts.get(s.accountId()), List.of(), Map.of(), locale));
		model.addAttribute("deadline", PageFormats.dateTime(preview.periodEnd(), locale));
		model.addAttribute("refund", preview.refund().positive() ? PageFormats.money(preview.refund(), locale) : null);
		model.addAttribute("alsoEnds", preview.alsoEnds().stream().map(a -> name(subscriptions.get(a), locale)).toList());
		model.addAttribute("devicesEnding", devicesEnding(devicesInUse(s.accountId()), s.id(), preview.alsoEnds()));
		model.addAttribute("name", name);
		model.addAttribute("email", email);
		model.addAttribute("errors", errors);
		return "web/portal-withdraw";
	}

	/** "Cancel everything": every subscription Acme bills, with its add-ons, at the end of its term or at once. */
	@PostMapping("/portal/cancel-all")
	String cancelAll(@RequestParam(defaultValue = "END_OF_TERM") String mode, Authentication who,
			RedirectAttributes redirect) {
		Cancellation.Mode chosen = mode(mode);
		Cancellations.CancelAllResult result = cancellations.cancelAll(who.getName(),
				new CancelRequest(chosen, null, null, CancellationChannel.PORTAL, "customer:" + who.getName()));
		redirect.addFlashAttribute("notice", "portal.cancelledAll");
		redirect.addFlashAttribute("numbers",
				result.cancellations().stream().map(Cancellation::confirmationNumber).distinct().toList());
		return "redirect:/portal";
	}

	/**
	 * Accepting the offer shown on the cancel page; it must be the open offer of the customer's subscription, found
	 * without making one (a quote here would make an offer nobody was shown), else nothing is done. It is accepted as it
	 * was last shown: terms changed since are refused ({@link RetentionOffers#accept}), as over the API and the console;
	 * nothing is accepted, and the customer is back on the cancel page, told so, with the offer as it stands now (if
	 * there still is one), rather than on an error page that says nothing of what happened.
	 */
	@PostMapping("/portal/subscriptions/{id}/offer")
	String acceptOffer(@PathVariable String id, @RequestParam String offerId, Authentication who,
			RedirectAttributes redirect) {
		Subscription s = owned(id, who);
		if (!s.cancellable()) {
			throw WebErrors.notFound();
		}
		if (offers.openOffer(s.id()).filter(open -> open.id().equals(offerId)).isEmpty()) {
			throw WebErrors.notFound();
		}
		try {
			offers.accept(offerId);
		}
		catch (SubdeskException e) {
			if (!CancellationErrorCode.OFFER_NOT_AVAILABLE.name().equals(e.code())) {
				throw e;
			}
			redirect.addFlashAttribute("notice", "portal.offer.changed");
			return "redirect:/portal/subscriptions/" + s.id() + "/cancel";
		}
		redirect.addFlashAttribute("notice", "portal.offer.accepted");
		return "redirect:/portal";
	}

	@GetMapping("/portal/cancellations/{number}")
	String confirmation(@PathVariable String number, Authentication who, Locale locale, Model model) {
		Cancellation c = ownedCancellation(number, who);
		model.addAttribute("c", c);
		// a bookmarked or emailed link to a cancellation later withdrawn or replaced says so before anything else
		model.addAttribute("statusNow", c.inForce() ? null : "cancellation.status." + c.status().name());
		model.addAttribute("requestedAt", PageFormats.dateTime(c.requestedAt(), locale));
		model.addAttribute("effectiveAt", PageFormats.dateTime(c.effectiveAt(), locale));
		model.addAttribute("refund", c.refundTotal().positive() ? PageFormats.money(c.refundTotal(), locale) : null);
		model.addAttribute("ended", c.subscriptions().stream().map(i -> name(subscriptions.get(i.id()), locale)).toList());
		return "web/portal-cancelled";
	}

	/** The signed receipt as a page to print or save. */
	@GetMapping("/portal/cancellations/{number}/receipt")
	String receipt(@PathVariable String number, Authentication who, Locale locale, Model model) {
		Cancellation c = ownedCancellation(number, who);
		JsonNode receipt = receipts.find(c.confirmationNumber()).orElseThrow(WebErrors::notFound);
		return receiptPage.describe(c, receipt, locale, model);
	}

	/** The signed receipt exactly as issued, to keep or to check with {@code POST /api/v1/receipts/verify}. */
	@GetMapping("/portal/cancellations/{number}/receipt.json")
	ResponseEntity<byte[]> receiptJson(@PathVariable String number, Authentication who) {
		Cancellation c = ownedCancellation(number, who);
		JsonNode receipt = receipts.find(c.confirmationNumber()).orElseThrow(WebErrors::notFound);
		return ResponseEntity.ok()
			.contentType(MediaType.APPLICATION_JSON)
			.header(HttpHeaders.CONTENT_DISPOSITION,
					ContentDisposition.attachment().filename("receipt-" + c.confirmationNumber() + ".json").build().toString())
			.body(json.writeValueAsString(receipt).getBytes(StandardCharsets.UTF_8));
	}

	/** The mode a cancel form sends; anything else is a 400 page. */
	private static Cancellation.Mode mode(String mode) {
		return switch (mode) {
			case "IMMEDIATE" -> Cancellation.Mode.IMMEDIATE;
			case "END_OF_TERM" -> Cancellation.Mode.END_OF_TERM;
			default -> throw WebErrors.invalid();
		};
	}

	private Subscription owned(String id, Authentication who) {
		return subscriptions.find(id).filter(s -> s.accountId().equals(who.getName())).orElseThrow(WebErrors::notFound);
	}

	private Cancellation ownedCancellation(String number, Authentication who) {
		return cancellations.find(number)
			.filter(c -> !c.subscriptionIds().isEmpty()
					&& subscriptions.get(c.subscriptionIds().get(0)).accountId().equals(who.getName()))
			.orElseThrow(WebErrors::notFound);
	}

	private Map<String, List<String>> devicesInUse(String accountId) {
		return devices.list(accountId, Page.Request.first(500))
			.data()
			.stream()
			.filter(d -> d.status() == Device.Status.ACTIVE && d.subscriptionId() != null)
			.collect(Collectors.groupingBy(d -> java.util.Objects.requireNonNull(d.subscriptionId()),
					Collectors.mapping(d -> d.name() + " (" + d.platform() + ")", Collectors.toList())));
	}

	/** The devices that lose protection when a subscription and the add-ons that end with it end. */
	private static List<String> devicesEnding(Map<String, List<String>> devicesBySubscription, String id,
			List<String> alsoEnding) {
		List<String> ending = new ArrayList<>(List.of(id));
		ending.addAll(alsoEnding);
		return ending.stream().flatMap(e -> devicesBySubscription.getOrDefault(e, List.of()).stream()).toList();
	}

	private Row row(Subscription s, Account account, List<Row> addOns, Map<String, List<String>> devicesBySubscription,
			Locale locale) {
		return row(s, account, addOns, devicesBySubscription, locale, priceChanges.atNextRenewal(List.of(s)));
	}

	/**
	 * {@code next}: what the next renewal charges where a pending price change reaches it (the new price, or a lower
	 * discount accepted for it); otherwise the subscription's price is what it charges.
	 */
	private Row row(Subscription s, Account account, List<Row> addOns, Map<String, List<String>> devicesBySubscription,
			Locale locale, Map<String, PriceChangeAtRenewal> next) {
		PriceChangeAtRenewal change = next.get(s.id());
		Money nextCharge = change == null ? s.price() : change.charge();
		boolean renews = !s.ended() && s.autoRenew() && s.cancelAt() == null;
		Instant end = s.ended() ? (s.cancelAt() != null ? s.cancelAt() : s.currentPeriodEnd()) : s.cancelAt();
		String status = s.ended() ? "status." + s.status()
				: s.scheduledToEnd() ? "status.ENDING" : "status." + s.status();
		StoreRow store = null;
		if (s.storeBilled()) {
			var reported = stores.status(s.id());
			Instant refundedAt = reported.map(StoreSubscriptions.StoreStatus::refundedAt).orElse(null);
			status = refundedAt != null ? "status.store.REFUNDED" : status.replace("status.", "status.store.");
			store = new StoreRow(s.channel().name(), s.ended() ? null : cancellations.instructionsFor(s, locale),
					renews ? PageFormats.date(s.currentPeriodEnd(), locale) : null,
					refundedAt == null ? null : PageFormats.date(refundedAt, locale));
			renews = false; // the store charges its own price: no amount of ours to show
		}
		// a running free trial: one click ends it, at once or at the trial's end, and nothing is charged either way
		boolean trial = s.status() == Subscription.Status.TRIALING && !s.scheduledToEnd();
		return new Row(s.id(), name(s, locale), s.orderNumber(), status,
				renews ? PageFormats.date(s.currentPeriodEnd(), locale) : null, renews ? PageFormats.money(nextCharge, locale) : null,
				end == null ? null : PageFormats.date(end, locale), s.ended(), s.cancellable(),
				s.scheduledToEnd() && !s.storeBilled(), renews && !s.storeBilled() && !trial, withdrawals.eligible(s, account),
				store, devicesBySubscription.getOrDefault(s.id(), List.of()), addOns,
				trial ? PageFormats.date(s.currentPeriodEnd(), locale) : null);
	}

	private String name(Subscription s, Locale locale) {
		return catalog.name(s.planCode(), locale);
	}

	private static Quote.Option option(Quote quote, Cancellation.Mode mode) {
		return quote.options().stream().filter(o -> o.mode() == mode).findFirst().orElseThrow();
	}
}
