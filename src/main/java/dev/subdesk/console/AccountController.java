package dev.subdesk.console;

import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.cancellation.ChannelInstructions;
import dev.subdesk.stores.StoreSubscriptions;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.shared.Formats;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.CallerVerification;
import java.security.Principal;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** Search, the account page and caller verification. */
@Controller
class AccountController {

	/**
	 * One search hit, masked: the caller is not verified yet; {@code cardUnchecked} when a card's digits were searched
	 * with but could not be checked on this account (its verification is locked).
	 */
	record Hit(String accountId, String name, String email, List<String> cards, boolean cardUnchecked)
			implements java.io.Serializable {
	}

	/** A subscription as the agent sees it once the caller is verified. */
	record SubscriptionRow(String id, String plan, String orderNumber, String status, String periodEnd,
			boolean cancellable, boolean autoRenew, @Nullable StoreRow store, @Nullable TrialRow trial) {
	}

	/**
	 * A subscription in its free trial, told truthfully: when the trial ends, the first charge's amount and date
	 * ({@code firstCharge} null when it is set to end: none will come), and that ending it costs nothing.
	 */
	record TrialRow(String endsOn, @Nullable String firstCharge, @Nullable String firstChargeOn) {
	}

	/**
	 * A store-billed subscription: which store bills it, the store's last state ({@code null} before any store
	 * notification), when the store refunded it, and the store's steps to cancel to read to the caller (the agent
	 * cannot cancel it).
	 */
	record StoreRow(String store, @Nullable String storeState, @Nullable String refundedOn, String url,
			List<String> steps) {
	}

	/** What the caller said, typed by the agent. */
	record VerifyForm(@Nullable String email, @Nullable String orderNumber, @Nullable String cardLast4,
			@Nullable String billingPostcode, @Nullable String caseNumber, @Nullable String contact) {

		/** How the customer reached the agent, for the case a new contact opens (phone when not said). */
		CallCases.Contact contactChannel() {
			String given = blankToNull(contact);
			return given == null ? CallCases.Contact.PHONE : CallCases.Contact.valueOf(given);
		}

		/**
		 * What is wrong with the answers as typed, before they are checked: none given, or one that cannot be an
		 * answer at all (an email without {@code @}, five digits for the card...). Such a slip is not counted as a
		 * failed attempt.
		 */
		@Nullable String problem() {
			String email = blankToNull(this.email);
			String order = blankToNull(orderNumber);
			String last4 = blankToNull(cardLast4);
			String postcode = blankToNull(billingPostcode);
			if (email == null && order == null && last4 == null && postcode == null) {
				return "Type what the caller says: two of the email, an order number, the card's last four digits "
						+ "and the billing postcode.";
			}
			if (email != null && !dev.subdesk.shared.EmailAddresses.headerSafe(email)) {
				return "The email is not an address (local@domain.tld); nothing was checked.";
			}
			if (order != null && !order.matches("(?i)ORD-[0-9A-Z]{4}-[0-9A-Z]{4}")) {
				return "The order number has the form ORD-XXXX-XXXX; nothing was checked.";
			}
			if (last4 != null && !last4.matches("\\d{4}")) {
				return "The card's last four digits are four digits; nothing was checked.";
			}
			if (postcode != null && !postcode.matches("[A-Za-z0-9][A-Za-z0-9 -]{0,10}[A-Za-z0-9]")) {
				return "The billing postcode has 2 to 12 letters, digits, spaces or dashes; nothing was checked.";
			}
			String channel = blankToNull(contact);
			if (channel != null && !CallCases.Contact.names().contains(channel)) {
				return "The customer reached us by phone, chat or email; nothing was checked.";
			}
			return null;
		}
	}

	private final AccountSearch search;
	private final Accounts accounts;
	private final Subscriptions subscriptions;
	private final Catalog catalog;
	private final CallerVerification verification;
	private final CallCases cases;
	private final AgentLog log;
	private final CallerActions actions;

	private final StoreSubscriptions stores;
	private final Cancellations cancellations;

	private final dev.subdesk.subscriptions.SubscriptionPriceChanges priceChanges;

	AccountController(AccountSearch search, Accounts accounts, Subscriptions subscriptions, Catalog catalog,
			CallerVerification verification, CallCases cases, AgentLog log, CallerActions actions,
			StoreSubscriptions stores, Cancellations cancellations,
			dev.subdesk.subscriptions.SubscriptionPriceChanges priceChanges) {
		this.priceChanges = priceChanges;
		this.stores = stores;
		this.cancellations = cancellations;
		this.actions = actions;
		this.search = search;
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.catalog = catalog;
		this.verification = verification;
		this.cases = cases;
		this.log = log;
	}

	/** The search form's two fields: what the caller quotes, and a card's last four digits (only with a name). */
	record SearchForm(@Nullable String q, @Nullable String last4) {
	}

	/** The longest query an old link's {@code q} fills the form with (the rest is cut off). */
	static final int PREFILLED_MAX = 200;

	/**
	 * The search page, with the results of the search just posted when there are some (flash attributes, shown once:
	 * the masked hits or why it could not be run, never what was searched with), and the form. Opening it looks
	 * nobody up and writes nothing, whatever its address carries: an old link or bookmark with a query in its address
	 * ({@code /console?q=...}, from when the search was a GET) fills the form with it and asks the agent to press
	 * Search, which posts it as any search. Card digits in such an address are not filled in, in {@code last4} or
	 * in {@code q} (four digits in a row, outside an email address or an order, confirmation or case number).
	 */
	@GetMapping("/console")
	String search(@RequestParam(name = "q", required = false) @Nullable String q, Model model) {
		String prefilled = q == null ? "" : q.strip();
		if (prefilled.matches("(?s).*\\d{4}.*") && !prefilled.contains("@") && !prefilled.matches(AccountSearch.NUMBER)) {
			prefilled = ""; // card digits (or a whole card number) in an address are never filled in
		}
		if (prefilled.codePointCount(0, prefilled.length()) > PREFILLED_MAX) {
			prefilled = prefilled.substring(0, prefilled.offsetByCodePoints(0, PREFILLED_MAX));
		}
		model.addAttribute("q", prefilled);
		model.addAttribute("last4", "");
		model.addAttribute("prefilled", !prefilled.isEmpty());
		return "console/search";
	}

	/**
	 * A search is a form posted, then a redirect to the page of its results (post-redirect-get): a look-up of
	 * personal data is audited, once per account shown ({@code SEARCH_HIT}: who looked up whom), and a card's digits
	 * use the agent's allowance of such searches (see {@link AccountSearch}), so it is a request that changes something:
	 * it carries the form token, a reload or a prefetch of the page does not repeat it, and what the caller quoted (an
	 * email, a name, a card's digits) stays out of addresses, server logs, the browser's history and Referer headers.
	 * Nor is it kept in the session: only the masked hits (or the problem) are flashed, as the session, with its flash
	 * attributes, is stored in the database until the redirect is followed.
	 */
	@PostMapping("/console/search")
	String search(SearchForm form, Principal agent, RedirectAttributes redirect) {
		String q = form.q() == null ? "" : form.q().strip();
		String last4 = form.last4() == null ? "" : form.last4().strip();
		AccountSearch.Query query = AccountSearch.Query.of(q, last4);
		AccountSearch.Results results = query == null
				? new AccountSearch.Results(List.of(), "Type what the caller quotes: an email, an order, confirmation or case number, or a name.")
				: search.find(query, agent.getName());
		if (results.problem() != null) {
			redirect.addFlashAttribute("problem", results.problem());
		}
		else {
			List<Hit> hits = results.found().stream().map(this::hit).toList();
			hits.forEach(hit -> log.viewed(agent.getName(), "SEARCH_HIT", hit.accountId(), null));
			redirect.addFlashAttribute("hits", hits);
			if (results.more() != null) {
				redirect.addFlashAttribute("more", results.more());
			}
		}
		return "redirect:/console";
	}

	private Hit hit(AccountSearch.Found found) {
		Account account = found.account();
		return new Hit(account.id(), Masking.name(account.name()), Masking.email(account.email()),
				accounts.paymentMethods(account.id()).stream().map(Masking::unverifiedCard).toList(), found.cardUnchecked());
	}

	@GetMapping("/console/accounts/{accountId}")
	String account(@PathVariable String accountId, @RequestParam(name = "case", required = false) @Nullable String caseParam,
			Principal agent, HttpServletRequest request, Model model) {
		Account account = accounts.get(accountId);
		// the live call's case when the page is opened from an old resolved case (its forms then name the live one)
		String caseNumber = cases.ofCall(accountId, caseParam, agent.getName()).orElse(null);
		boolean verified = verification.isVerified(accountId, agent.getName());
		log.viewed(agent.getName(), verified ? "VIEW_ACCOUNT" : "VIEW_ACCOUNT_MASKED", accountId, caseNumber);
		List<PaymentMethod> cards = accounts.paymentMethods(accountId);
		model.addAttribute("accountId", accountId);
		model.addAttribute("caseNumber", caseNumber);
		model.addAttribute("verified", verified);
		model.addAttribute("name", verified ? account.name() : Masking.name(account.name()));
		model.addAttribute("email", verified ? account.email() : Masking.email(account.email()));
		model.addAttribute("cards", cards.stream().map(verified ? Masking::card : Masking::unverifiedCard).toList());
		model.addAttribute("closed", account.closed());
		model.addAttribute("openCase", cases.ownOpen(caseNumber, CaseActionsController.worker(agent, request)).orElse(null));
		if (verified) {
			model.addAttribute("country", account.country() + (account.region() == null ? "" : "-" + account.region()));
			List<Subscription> owned = subscriptions.forAccount(accountId);
			model.addAttribute("subscriptions", owned.stream().map(this::row).toList());
			model.addAttribute("priceChanges", priceChangeLines(owned));
			actions.describe(account, agent.getName(), model);
		}
		return "console/account";
	}

	/**
	 * A line per pending price change of the account's subscriptions, keyed by order number (read only: the customer
	 * accepts in the portal or the vendor's app).
	 */
	private java.util.Map<String, String> priceChangeLines(List<Subscription> owned) {
		java.util.Map<String, dev.subdesk.subscriptions.SubscriptionPriceChange> pending = priceChanges
			.pending(owned.stream().map(Subscription::id).toList());
		java.util.Map<String, String> lines = new java.util.HashMap<>();
		java.util.Map<String, dev.subdesk.subscriptions.PriceChangeAtRenewal> next = pending.isEmpty()
				? java.util.Map.of() : priceChanges.atNextRenewal(owned);
		for (Subscription s : owned) {
			dev.subdesk.subscriptions.SubscriptionPriceChange p = pending.get(s.id());
			if (p != null) {
				dev.subdesk.subscriptions.PriceChangeAtRenewal at = next.get(s.id());
				// as the renewal charges it: a discount accepted for that renewal first, where it is kept
				String first = at == null || !at.discountFirst() ? ""
						: " (that renewal is charged %s, an accepted discount; the new price from the renewal on %s)"
							.formatted(Formats.money(at.charge()), Formats.date(at.newPriceFrom()));
				lines.put(s.orderNumber(), "Price changes from %s to %s at the renewal on %s%s (notice sent %s)%s.".formatted(
						Formats.money(p.oldPrice()), Formats.money(p.newPrice()), Formats.date(p.renewalAt()), first,
						Formats.date(p.noticeSentAt()),
						!p.consentRequired() ? "" : p.consentedAt() != null
								? "; the customer accepted on " + Formats.date(p.consentedAt()) + " (" + p.consentChannel() + ")"
								: "; needs the customer's consent (portal), else the subscription ends then"));
			}
		}
		return lines;
	}

	private SubscriptionRow row(Subscription s) {
		Instant cancelAt = s.cancelAt();
		String label = s.status() == Subscription.Status.TRIALING ? "Free trial" : s.status().name();
		String status = s.scheduledToEnd() && cancelAt != null ? label + ", ends " + Formats.date(cancelAt) : label;
		TrialRow trial = s.status() != Subscription.Status.TRIALING ? null : s.trialEndsAt()
			.map(end -> s.scheduledToEnd() ? new TrialRow(Formats.date(end), null, null)
					: new TrialRow(Formats.date(end), Formats.money(s.price()), Formats.date(end)))
			.orElse(null);
		StoreRow store = null;
		if (s.storeBilled()) {
			var reported = stores.status(s.id());
			ChannelInstructions instructions = cancellations.instructionsFor(s);
			store = new StoreRow(s.channel().storeName(), reported.map(StoreSubscriptions.StoreStatus::storeState).orElse(null),
					reported.map(StoreSubscriptions.StoreStatus::refundedAt).map(Formats::date).orElse(null),
					instructions.url(), instructions.steps());
		}
		return new SubscriptionRow(s.id(), catalog.get(s.planCode()).name(), s.orderNumber(), status,
				Formats.date(s.currentPeriodEnd()), !s.ended() && !s.storeBilled(), s.autoRenew(), store, trial);
	}

	@PostMapping("/console/accounts/{accountId}/verify")
	String verify(@PathVariable String accountId, VerifyForm form, Principal agent, RedirectAttributes redirect) {
		Account account = accounts.get(accountId);
		String given = cases.ofAccount(accountId, form.caseNumber()).orElse(null);
		String problem = form.problem();
		if (problem != null) {
			return OnBehalfController.back(redirect, given, problem);
		}
		String caseNumber = cases.forVerification(account, given, agent.getName(), form.contactChannel());
		CallerVerification.Result result = verification.verify(accountId, agent.getName(), caseNumber,
				new CallerVerification.Claims(blankToNull(form.email()), blankToNull(form.orderNumber()),
						blankToNull(form.cardLast4()), blankToNull(form.billingPostcode())));
		String message = switch (result.outcome()) {
			case VERIFIED -> "Caller verified.";
			case NOT_VERIFIED -> result.partial()
					? "Not verified yet: %d of %d factors matched; ask for one more. Attempts left: %d (a right answer uses none)."
						.formatted(result.matched(), result.needed(), result.attemptsLeft())
					// a wrong answer: how many others were right would tell a guessing caller which guesses to keep
					: "Not verified. Attempts left: %d.".formatted(result.attemptsLeft());
			case LOCKED -> "Verification is locked" + (result.lockedUntil() == null ? ""
					: " until " + Formats.dateTime(result.lockedUntil())) + " after too many failed attempts"
					+ (result.securityCase() == null ? "." : "; security case " + result.securityCase() + " is open.");
		};
		cases.note(caseNumber, agent.getName(), "Caller verification: " + result.outcome());
		redirect.addFlashAttribute("message", message);
		redirect.addAttribute("case", caseNumber);
		return "redirect:/console/accounts/{accountId}";
	}

	static @Nullable String blankToNull(@Nullable String value) {
		return value == null || value.isBlank() ? null : value.strip();
	}
}
