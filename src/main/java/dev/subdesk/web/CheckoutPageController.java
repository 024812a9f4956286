package dev.subdesk.web;

import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.catalog.Plan;
import dev.subdesk.checkout.ClientEvidence;
import dev.subdesk.checkout.ConsentChannel;
import dev.subdesk.checkout.ConsentMethod;
import dev.subdesk.checkout.ConsentRequest;
import dev.subdesk.checkout.Disclosure;
import dev.subdesk.checkout.Disclosures;
import dev.subdesk.intake.SignInCodes;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.PurchaseRequest;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.context.MessageSource;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The hosted checkout, {@code /checkout/{planCode}} (issue 12; R-US-1, R-US-2, R-CA-1/2): a buyer signs in with the
 * emailed code or opens an account here (opened once the code, or its link, proves the email), reads the disclosure next to
 * the button (the terms first, before the card is chosen: R-US-1), ticks the separate box where the jurisdiction asks
 * for one or the plan has a free trial (R-CARD-1), picks a sandbox card and buys. The button's words say what it does
 * ("Subscribe — renews automatically at $59.99 a year until you cancel"); the consent is recorded with channel
 * CHECKOUT, the client address, the user agent and the words of the box and the button shown (R-US-2).
 */
@Controller
class CheckoutPageController {

	/** Where sign-in returns to after the code: a checkout page the buyer came from. */
	static final String RETURN_ATTRIBUTE = "checkout.returnTo";

	/**
	 * How long a second click may wait for the purchase of the first before it is answered with the page saying the
	 * purchase is being completed: the common double click sees its thanks page at once, and no request thread is held
	 * for another click's payment for longer.
	 */
	static final java.time.Duration FIRST_CLICK_WAIT = java.time.Duration.ofSeconds(2);

	/**
	 * How many second clicks a node lets wait ({@link #FIRST_CLICK_WAIT}) at once; any other is answered at once, so
	 * that however many arrive, the request threads stay free for every other page (the cancel and withdraw forms).
	 */
	static final int FIRST_CLICK_WAITERS = 4;

	/** How often the page of a purchase being completed reloads itself, in seconds. */
	static final int PENDING_REFRESH_SECONDS = 2;

	/** The session's last purchase on this page that bought nothing: what its page showed ({@link Failure}). */
	static final String FAILURE_ATTRIBUTE = "checkout.failed";

	/** The sandbox cards the form offers (API.md's tokens), in the order shown; their labels are messages. */
	static final List<String> SANDBOX_CARDS = List.of("tok_visa", "tok_mastercard", "tok_chargeDeclined");

	/** The countries the account form offers, by ISO code, in the order shown; their names are messages. */
	static final List<String> COUNTRIES = List.of("US", "CA", "GB", "IE", "DE", "AT", "FR", "NL", "ES", "IT");

	private final Catalog catalog;
	private final Accounts accounts;
	private final Subscriptions subscriptions;
	private final Disclosures disclosures;
	private final SignInCodes codes;
	private final MessageSource messages;

	private final dev.subdesk.catalog.PriceChanges priceChanges;
	private final java.time.Clock clock;
	private final dev.subdesk.checkout.Consents consents;

	private final java.util.concurrent.Semaphore firstClickWaiters = new java.util.concurrent.Semaphore(FIRST_CLICK_WAITERS);

	CheckoutPageController(Catalog catalog, Accounts accounts, Subscriptions subscriptions, Disclosures disclosures,
			SignInCodes codes, dev.subdesk.catalog.PriceChanges priceChanges, java.time.Clock clock,
			MessageSource messages, dev.subdesk.checkout.Consents consents) {
		this.consents = consents;
		this.priceChanges = priceChanges;
		this.clock = clock;
		this.messages = messages;
		this.catalog = catalog;
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.disclosures = disclosures;
		this.codes = codes;
	}

	/** The cards the buyer can pay with: their saved ones, then the sandbox's. */
	record CardChoice(String value, String label) {
	}

	@GetMapping("/checkout/{planCode}")
	String page(@PathVariable String planCode, @Nullable Authentication who, Locale locale, Model model) {
		Plan plan = basePlan(planCode);
		String accountId = customer(who);
		if (accountId == null) {
			startModel(plan, locale, model);
			return "web/checkout-start";
		}
		return form(plan, accounts.get(accountId), locale, model, null);
	}

	@PostMapping("/checkout/{planCode}/sign-in")
	String signIn(@PathVariable String planCode, @RequestParam(defaultValue = "") String email,
			HttpServletRequest request, HttpServletResponse response, Locale locale, Model model) {
		Plan plan = basePlan(planCode);
		if (!EmailAddresses.headerSafe(email.strip())) {
			return start(plan, response, locale, model, "checkout.error.email");
		}
		return sendCode(plan, email, null, request, response, locale, model);
	}

	/**
	 * "I am new here": opens no account yet. Anyone can type anyone's address, so what was typed waits with the code
	 * mailed to the address ({@link SignInCodes}), and the account is opened when the code or its link proves the
	 * address; an address with an account gets its owner's code, and nothing typed is applied to the account. The
	 * answer is the same either way.
	 */
	@PostMapping("/checkout/{planCode}/account")
	String openAccount(@PathVariable String planCode, @RequestParam(defaultValue = "") String email,
			@RequestParam(defaultValue = "") String name, @RequestParam(defaultValue = "") String country,
			@RequestParam(defaultValue = "") String region, HttpServletRequest request, HttpServletResponse response,
			Locale locale, Model model) {
		Plan plan = basePlan(planCode);
		SignInCodes.NewAccount typed = newAccount(email, name, country, region);
		if (typed == null) {
			return start(plan, response, locale, model, "checkout.error.account");
		}
		return sendCode(plan, typed.email(), typed, request, response, locale, model);
	}

	/**
	 * What was typed for a new account, checked as the account form asks (a plain address, a name of up to 200
	 * characters, one of {@link #COUNTRIES}, a region code of up to three letters or digits, upper-cased), else null.
	 */
	static SignInCodes.@Nullable NewAccount newAccount(String email, String name, String country, String region) {
		String state = region.trim().toUpperCase(Locale.ROOT);
		if (!EmailAddresses.plain(email.strip()) || name.isBlank() || name.length() > 200 || !COUNTRIES.contains(country)
				|| !state.matches("([A-Z0-9]{1,3})?")) {
			return null;
		}
		return new SignInCodes.NewAccount(email.strip(), name.trim(), country, state.isEmpty() ? null : state);
	}

	/**
	 * Where an earlier click of the same form stands, as the page to send this one to: the thanks page of what it bought,
	 * or, while its purchase is under way, the page saying so ({@link #pending}), which reloads itself until it is done;
	 * empty when no purchase with the disclosure is made or under way. A request thread is never held for another
	 * click's payment: with {@code mayWait}, a purchase under way is waited for at most {@link #FIRST_CLICK_WAIT}, and
	 * only while fewer than {@link #FIRST_CLICK_WAITERS} others wait on this node.
	 */
	private java.util.Optional<String> earlierClick(String disclosureId, boolean mayWait) {
		if (mayWait && consents.underWay(disclosureId) && firstClickWaiters.tryAcquire()) {
			try {
				long deadline = System.nanoTime() + FIRST_CLICK_WAIT.toNanos();
				while (System.nanoTime() < deadline && consents.underWay(disclosureId)) {
					Thread.sleep(100);
				}
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			finally {
				firstClickWaiters.release();
			}
		}
		// under way first: once it is not, what it bought is recorded (a purchase records its consent as it ends)
		if (consents.underWay(disclosureId)) {
			return java.util.Optional.of("redirect:/checkout/pending/" + disclosureId);
		}
		return consents.purchaseWith(disclosureId).map(bought -> "redirect:/checkout/thanks/" + bought);
	}

	/**
	 * What the page of a purchase that bought nothing showed: the error (a message key) and its status, kept in the
	 * session for its disclosure so that a second click's {@link #pending} page shows the same once the first is done.
	 */
	record Failure(String disclosureId, int status, String error) {

		String stored() {
			return disclosureId + " " + status + " " + error;
		}

		/** The failure stored in the session for {@code disclosureId}, if the last one is its. */
		static java.util.Optional<Failure> of(@Nullable Object stored, String disclosureId) {
			if (!(stored instanceof String text)) {
				return java.util.Optional.empty();
			}
			String[] parts = text.split(" ", 3);
			if (parts.length != 3 || !parts[0].equals(disclosureId) || !parts[1].matches("[1-5][0-9]{2}")) {
				return java.util.Optional.empty();
			}
			return java.util.Optional.of(new Failure(parts[0], Integer.parseInt(parts[1]), parts[2]));
		}
	}

	/**
	 * The page a second click is sent to while a purchase with its disclosure is under way: it says the purchase is
	 * being completed and reloads itself. Once done, the reload lands where the click that made the purchase did: its
	 * thanks page, or, when it bought nothing, the checkout form with the error that click's page showed (a declined
	 * card: as this session recorded it, else that nothing was bought). A disclosure of another customer is the 404
	 * of an unknown one.
	 */
	@GetMapping("/checkout/pending/{disclosureId}")
	String pending(@PathVariable String disclosureId, @Nullable Authentication who, HttpServletRequest request,
			HttpServletResponse response, Locale locale, Model model) {
		String accountId = customer(who);
		Disclosure d = disclosures.find(disclosureId)
			.filter(found -> found.accountId().equals(accountId))
			.orElseThrow(WebErrors::notFound);
		if (consents.underWay(d.id())) {
			model.addAttribute("planName", catalog.name(d.planCode(), locale));
			model.addAttribute("disclosureId", d.id());
			model.addAttribute("refreshSeconds", PENDING_REFRESH_SECONDS);
			return "web/checkout-pending";
		}
		java.util.Optional<String> bought = consents.purchaseWith(d.id());
		if (bought.isPresent()) {
			return "redirect:/checkout/thanks/" + bought.get();
		}
		Plan plan = basePlan(d.planCode());
		jakarta.servlet.http.HttpSession session = request.getSession(false);
		Failure failure = Failure.of(session == null ? null : session.getAttribute(FAILURE_ATTRIBUTE), d.id())
			.orElse(new Failure(d.id(), 200, "checkout.error.notBought"));
		response.setStatus(failure.status());
		return form(plan, accounts.get(d.accountId()), locale, model, failure.error());
	}

	@PostMapping("/checkout/{planCode}")
	String buy(@PathVariable String planCode, @RequestParam(defaultValue = "") String disclosureId,
			@RequestParam(defaultValue = "") String card, @RequestParam(required = false) @Nullable String agree,
			@Nullable Authentication who, HttpServletRequest request, HttpServletResponse response, Locale locale,
			Model model) {
		Plan plan = basePlan(planCode);
		String accountId = customer(who);
		if (accountId == null) {
			return "redirect:/checkout/" + plan.code();
		}
		Account account = accounts.get(accountId);
		Disclosure shown = disclosures.find(disclosureId).filter(d -> d.accountId().equals(accountId)).orElse(null);
		if (shown == null) {
			response.setStatus(400);
			return form(plan, account, locale, model, "checkout.error.readAgain");
		}
		java.util.Optional<String> earlier = earlierClick(shown.id(), true);
		if (earlier.isPresent()) {
			// the same form sent again (a second click, the back button): what it bought, or the page saying it is being
			// bought; never a second purchase
			return earlier.get();
		}
		if (shown.separateConsentCheckbox() && !"yes".equals(agree)) {
			response.setStatus(400);
			model.addAttribute("agreeError", true);
			return form(plan, account, locale, model, "checkout.error.tick");
		}
		String paymentMethodId;
		boolean cardAddedNow = false;
		if (card.startsWith("pm_")) {
			paymentMethodId = accounts.paymentMethod(accountId, card).map(PaymentMethod::id).orElse(null);
		}
		else if (SANDBOX_CARDS.contains(card)) {
			paymentMethodId = accounts.addPaymentMethod(accountId, card).id();
			cardAddedNow = true;
		}
		else {
			paymentMethodId = null;
		}
		if (paymentMethodId == null) {
			response.setStatus(400);
			return form(plan, account, locale, model, "checkout.error.card");
		}
		ConsentMethod method = shown.separateConsentCheckbox() ? ConsentMethod.CHECKBOX : ConsentMethod.BUTTON;
		String agent = request.getHeader("User-Agent");
		// the words of the box and the button as the form showed them: the same disclosure in the page's language
		String words = disclosures.consentWords(shown, PageFormats.pageLocale(locale)).recorded();
		// what the connection says of the client, as evidence the consent can hold: its address literal (a forwarded
		// "[2001:db8::1]" without brackets, a link-local one without its zone) and one line of user agent; a forwarded
		// address that gives no literal is not kept
		String remote = request.getRemoteAddr();
		ConsentRequest consent = new ConsentRequest(shown.id(), method, ConsentChannel.CHECKOUT,
				remote == null ? null : ClientEvidence.address(remote).orElse(null),
				agent == null ? null : dev.subdesk.shared.StorableText.excerpt(agent, 1000), words);
		Subscription bought;
		java.util.concurrent.atomic.AtomicBoolean attempted = new java.util.concurrent.atomic.AtomicBoolean();
		try {
			bought = subscriptions.purchase(
					new PurchaseRequest(accountId, plan.code(), paymentMethodId, null, Channel.DIRECT, consent),
					() -> attempted.set(true));
		}
		catch (SubdeskException e) {
			if (cardAddedNow) {
				forgetCard(accountId, paymentMethodId); // nothing bought: the card typed for it is not kept either
			}
			java.util.Optional<String> meanwhile = earlierClick(shown.id(), false);
			if (meanwhile.isPresent()) {
				// a second click sent while the first was being charged: the first buys it, this one charged nothing
				return meanwhile.get();
			}
			String error = switch (e.code()) {
				case "PAYMENT_DECLINED" -> "checkout.error.declined";
				case "PAYMENT_GATEWAY_UNAVAILABLE" -> "checkout.error.gateway";
				case "ACCOUNT_CLOSED" -> "checkout.error.closed";
				default -> "checkout.error.changed";
			};
			if (attempted.get()) {
				// only the click that held the disclosure and tried to buy tells the pending page what happened: one
				// refused before that (a second click racing a first one that failed and let go) would put its own
				// error ("the terms changed") over the first click's ("declined")
				request.getSession().setAttribute(FAILURE_ATTRIBUTE, new Failure(shown.id(), e.status(), error).stored());
			}
			response.setStatus(e.status());
			return form(plan, account, locale, model, error);
		}
		return "redirect:/checkout/thanks/" + bought.id();
	}

	private void forgetCard(String accountId, String paymentMethodId) {
		try {
			subscriptions.removePaymentMethod(accountId, paymentMethodId);
		}
		catch (SubdeskException e) {
			// in use after all (a purchase with it went through meanwhile): it stays
		}
	}

	@GetMapping("/checkout/thanks/{subscriptionId}")
	String thanks(@PathVariable String subscriptionId, @Nullable Authentication who, Locale locale, Model model) {
		String accountId = customer(who);
		Subscription s = subscriptions.find(subscriptionId)
			.filter(found -> found.accountId().equals(accountId))
			.orElseThrow(WebErrors::notFound);
		model.addAttribute("s", s);
		model.addAttribute("planName", catalog.name(s.planCode(), locale));
		model.addAttribute("price", PageFormats.money(s.price(), locale));
		model.addAttribute("renews", PageFormats.date(s.currentPeriodEnd(), locale));
		model.addAttribute("trialEnds", s.trialEndsAt().map(end -> PageFormats.date(end, locale)).orElse(null));
		model.addAttribute("email", accounts.get(s.accountId()).email());
		return "web/checkout-thanks";
	}

	private String form(Plan plan, Account account, Locale locale, Model model, @Nullable String error) {
		if (account.closed()) {
			throw new SubdeskException(WebErrorCode.ACCOUNT_CLOSED, "This account is closed");
		}
		Locale language = PageFormats.pageLocale(locale);
		Disclosure d = disclosures.shown(account.id(), plan.code(), null, language);
		model.addAttribute("plan", plan);
		model.addAttribute("planName", catalog.name(plan.code(), language));
		model.addAttribute("disclosure", d);
		model.addAttribute("disclosureLanguage", language.getLanguage());
		model.addAttribute("paragraphs", List.of(d.text().split("\n")));
		Disclosures.ConsentWords words = disclosures.consentWords(d, language);
		model.addAttribute("buttonWords", words.button());
		model.addAttribute("buttonNote", words.buttonNote());
		model.addAttribute("checkboxWords", words.checkbox());
		List<CardChoice> cards = new ArrayList<>();
		accounts.paymentMethods(account.id())
			.forEach(pm -> cards.add(new CardChoice(pm.id(), message("checkout.card.saved", language, pm.brand(), pm.last4()))));
		for (String token : SANDBOX_CARDS) {
			cards.add(new CardChoice(token,
					message("checkout.card.sandbox", language, message("checkout.card." + token, language))));
		}
		model.addAttribute("cards", cards);
		model.addAttribute("error", error);
		return "web/checkout";
	}

	private String message(String key, Locale language, Object... args) {
		return messages.getMessage(key, args, language);
	}

	private void startModel(Plan plan, Locale locale, Model model) {
		model.addAttribute("plan", plan);
		model.addAttribute("planName", catalog.name(plan.code(), locale));
		model.addAttribute("price", PageFormats.money(plan.price(), locale));
		model.addAttribute("countries", COUNTRIES);
	}

	private String start(Plan plan, HttpServletResponse response, Locale locale, Model model, String error) {
		response.setStatus(400);
		startModel(plan, locale, model);
		model.addAttribute("error", error);
		return "web/checkout-start";
	}

	private String sendCode(Plan plan, String email, SignInCodes.@Nullable NewAccount newAccount,
			HttpServletRequest request, HttpServletResponse response, Locale locale, Model model) {
		if (codes.issue(email, request.getRemoteAddr(), SignInController.requester(request.getSession()),
				SignInController.knownBrowserCookies(request), newAccount) == SignInCodes.Issue.TOO_MANY_REQUESTS) {
			return tooManyCodes(plan, response, locale, model);
		}
		request.getSession().setAttribute(SignInController.EMAIL_ATTRIBUTE, codes.normalize(email));
		request.getSession().setAttribute(RETURN_ATTRIBUTE, "/checkout/" + plan.code());
		return "redirect:/portal/sign-in/code";
	}

	private String tooManyCodes(Plan plan, HttpServletResponse response, Locale locale, Model model) {
		String view = start(plan, response, locale, model, "checkout.error.tooManyCodes");
		response.setStatus(429); // after start's 400
		return view;
	}

	/**
	 * A base plan on sale at the price a purchase pays now (a scheduled price change in effect included; add-ons
	 * are bought from the portal's subscription, not here), else 404.
	 */
	private Plan basePlan(String planCode) {
		return catalog.forSale(planCode)
			.filter(p -> !p.isAddOn() && p.forSale())
			.map(p -> priceChanges.current(p, clock.instant()))
			.orElseThrow(WebErrors::notFound);
	}

	private static @Nullable String customer(@Nullable Authentication who) {
		if (who == null || who instanceof AnonymousAuthenticationToken || !who.isAuthenticated()) {
			return null;
		}
		boolean customer = who.getAuthorities().stream().anyMatch(a -> "ROLE_CUSTOMER".equals(a.getAuthority()));
		return customer ? who.getName() : null;
	}

}
