package dev.subdesk.web;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.AccountClosures;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.DisputeOutcome;
import dev.subdesk.support.DisputeRequest;
import dev.subdesk.support.Support;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The account page of the portal: charges with "I don't recognise this charge" and "I was charged after
 * cancelling" (the dispute rules of the API), cards (add a sandbox card, remove one), and closing the account
 * with an explicit confirmation. Every id is checked against the signed-in account.
 */
@Controller
class PortalAccountController {

	/** The sandbox cards a demo customer can add (the gateway's tokens; a real gateway's form would go here). */
	static final Map<String, String> SANDBOX_CARDS = Map.of("tok_visa", "VISA ending 4242", "tok_mastercard",
			"Mastercard ending 4444");

	/** A billing postcode as the API takes it: 2-12 letters, digits, spaces or hyphens, a letter or digit at each end. */
	static final Pattern POSTCODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 -]{0,10}[A-Za-z0-9]");

	private final Accounts accounts;
	private final Billing billing;
	private final Support support;
	private final Subscriptions subscriptions;
	private final AccountClosures closures;
	private final Catalog catalog;

	PortalAccountController(Accounts accounts, Billing billing, Support support, Subscriptions subscriptions,
			AccountClosures closures, Catalog catalog) {
		this.accounts = accounts;
		this.billing = billing;
		this.support = support;
		this.subscriptions = subscriptions;
		this.closures = closures;
		this.catalog = catalog;
	}

	/** One charge as the page shows it. */
	record ChargeRow(String id, String date, String what, String amount, String statusKey, @Nullable String refunded,
			boolean disputable) {
	}

	@GetMapping("/portal/account")
	String account(Authentication who, Locale locale, Model model) {
		String accountId = who.getName();
		List<ChargeRow> charges = billing.charges(accountId, Page.Request.first(100)).data().stream()
			.map(c -> row(c, locale))
			.toList();
		model.addAttribute("account", accounts.get(accountId));
		model.addAttribute("charges", charges);
		model.addAttribute("cards", accounts.paymentMethods(accountId));
		model.addAttribute("sandboxCards", SANDBOX_CARDS);
		return "web/account";
	}

	@PostMapping("/portal/charges/{id}/dispute")
	String dispute(@PathVariable String id, @RequestParam String reason, Authentication who, Locale locale,
			RedirectAttributes redirect) {
		Charge charge = billing.charge(id).filter(c -> c.accountId().equals(who.getName())).orElseThrow(WebErrors::notFound);
		DisputeRequest.Reason why = switch (reason) {
			case "CHARGED_AFTER_CANCELLATION" -> DisputeRequest.Reason.CHARGED_AFTER_CANCELLATION;
			case "UNRECOGNIZED" -> DisputeRequest.Reason.UNRECOGNIZED;
			default -> throw WebErrors.invalid();
		};
		DisputeOutcome outcome = support.dispute(charge.id(), new DisputeRequest(why, null, null, "WEB"));
		if (outcome.outcome() == DisputeOutcome.Outcome.REFUNDED) {
			redirect.addFlashAttribute("notice", "account.dispute.refunded");
			redirect.addFlashAttribute("detail", outcome.refund() == null
					? PageFormats.money(Money.zero(charge.currency()), locale)
					: PageFormats.money(Money.of(outcome.refund().amount(), outcome.refund().currency()), locale));
		}
		else {
			redirect.addFlashAttribute("notice", "account.dispute.review");
			redirect.addFlashAttribute("detail", outcome.caseNumber());
		}
		return "redirect:/portal/account";
	}

	/**
	 * Adds a sandbox card, with the billing postcode it was registered with when the customer gives one (the same
	 * rule as the API's {@code billingPostcode}; an agent may check it as a knowledge factor). A card or postcode
	 * the page does not accept is the account page again with the problem, status 400, nothing added.
	 */
	@PostMapping("/portal/cards")
	String addCard(@RequestParam(defaultValue = "") String token, @RequestParam(defaultValue = "") String billingPostcode,
			Authentication who, Locale locale, Model model, HttpServletResponse response, RedirectAttributes redirect) {
		String postcode = billingPostcode.strip();
		@Nullable String problem = !SANDBOX_CARDS.containsKey(token) ? "account.card.unknown"
				: !postcode.isEmpty() && !POSTCODE.matcher(postcode).matches() ? "account.card.postcodeInvalid" : null;
		if (problem != null) {
			model.addAttribute("billingPostcode", billingPostcode);
			return problem(problem, who, locale, model, response);
		}
		accounts.addPaymentMethod(who.getName(), token, postcode.isEmpty() ? null : postcode);
		redirect.addFlashAttribute("notice", "account.card.added");
		return "redirect:/portal/account";
	}

	@PostMapping("/portal/cards/{id}/remove")
	String removeCard(@PathVariable String id, Authentication who, RedirectAttributes redirect) {
		PaymentMethod card = accounts.paymentMethod(who.getName(), id).orElseThrow(WebErrors::notFound);
		try {
			subscriptions.removePaymentMethod(who.getName(), card.id());
			redirect.addFlashAttribute("notice", "account.card.removed");
		}
		catch (SubdeskException e) {
			if (!"PAYMENT_METHOD_IN_USE".equals(e.code())) {
				throw e;
			}
			redirect.addFlashAttribute("problem", "account.card.inUse");
		}
		return "redirect:/portal/account";
	}

	/**
	 * Closes the account once the customer has typed the confirmation word: every subscription Acme bills is
	 * cancelled at once with the refunds the policy gives, cards are removed and personal data erased.
	 */
	@PostMapping("/portal/account/close")
	String close(@RequestParam(defaultValue = "") String confirm, Authentication who, HttpServletRequest request,
			HttpServletResponse response, Locale locale, RedirectAttributes redirect, Model model) throws ServletException {
		if (!List.of("CLOSE", "SCHLIESSEN").contains(confirm.strip().toUpperCase(Locale.ROOT))) {
			return problem("account.close.confirmMissing", who, locale, model, response);
		}
		AccountClosures.Closure closure = closures.close(who.getName(), CancellationChannel.PORTAL,
				"customer:" + who.getName());
		request.logout();
		redirect.addFlashAttribute("numbers",
				closure.cancellations().stream().map(Cancellation::confirmationNumber).distinct().toList());
		redirect.addFlashAttribute("storeBilled", closure.channelManaged().size());
		return "redirect:/portal/closed";
	}

	/** The account page again with what was wrong, status 400: nothing was changed. */
	private String problem(String messageKey, Authentication who, Locale locale, Model model, HttpServletResponse response) {
		response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
		model.addAttribute("problem", messageKey);
		return account(who, locale, model);
	}

	@GetMapping("/portal/closed")
	String closed() {
		return "web/account-closed";
	}

	private ChargeRow row(Charge c, Locale locale) {
		String what = subscriptions.find(c.subscriptionId()).map(s -> catalog.name(s.planCode(), locale)).orElse("");
		return new ChargeRow(c.id(), PageFormats.date(c.createdAt(), locale), what,
				PageFormats.money(Money.of(c.amount(), c.currency()), locale), "charge." + c.status(),
				c.refundedAmount() > 0 ? PageFormats.money(Money.of(c.refundedAmount(), c.currency()), locale) : null,
				c.successful() && c.remaining().positive());
	}
}
