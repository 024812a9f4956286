package dev.subdesk.web;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.channels.OfficialChannels;
import dev.subdesk.intake.PublicCancellations;
import dev.subdesk.intake.PublicFormLimits;
import dev.subdesk.intake.PublicWithdrawals;
import dev.subdesk.jurisdictions.Jurisdictions;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.context.MessageSource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The pages anyone can open: "Cancel contracts here" and "Withdraw from contract here" with their saved results,
 * and the official support channels.
 */
@Controller
class PublicPagesController {

	/** The message of a form refused by {@link PublicFormLimits}. */
	static final String TOO_MANY = "public.error.tooMany";

	private static final int TOO_MANY_REQUESTS = 429;

	/** What the result page of a cancellation request shows: what was sent, and when it was received. */
	record CancellationReceived(String id, Instant receivedAt, String kind, @Nullable String reason, String name,
			String email, String orderNumber, String timing, String confirmationEmail) {

		static CancellationReceived of(PublicCancellations.Received r) {
			return new CancellationReceived(r.id(), r.receivedAt(), r.kind(), r.reason(), r.name(), r.email(),
					r.orderNumber(), r.timing(), r.confirmationEmail());
		}
	}

	/** What the result page of a withdrawal request shows: the same whatever came of it. */
	record WithdrawalReceived(String id, Instant receivedAt, String name, String email, String orderNumber) {

		static WithdrawalReceived of(PublicWithdrawals.Received r) {
			return new WithdrawalReceived(r.id(), r.receivedAt(), r.name(), r.email(), r.orderNumber());
		}
	}

	private final PublicCancellations requests;
	private final PublicWithdrawals withdrawals;
	private final PublicFormLimits limits;
	private final MessageSource messages;
	private final OfficialChannels channels;
	private final Jurisdictions jurisdictions;
	private final Accounts accounts;

	PublicPagesController(PublicCancellations requests, PublicWithdrawals withdrawals, PublicFormLimits limits,
			MessageSource messages, OfficialChannels channels, Jurisdictions jurisdictions, Accounts accounts) {
		this.accounts = accounts;
		this.requests = requests;
		this.withdrawals = withdrawals;
		this.limits = limits;
		this.messages = messages;
		this.channels = channels;
		this.jurisdictions = jurisdictions;
	}

	private static final java.util.regex.Pattern ORDER_NUMBER = java.util.regex.Pattern.compile(
			"ORD-[" + dev.subdesk.shared.Ids.CROCKFORD + "]{4}-[" + dev.subdesk.shared.Ids.CROCKFORD + "]{4}");

	/**
	 * The order number a link fills in (the reminders link {@code /cancel?order=ORD-...}), only if it is one: the
	 * official form must not show whatever text a link to it carries (a phone number, a call to action).
	 */
	private static @Nullable String prefilled(@Nullable String order) {
		return order != null && ORDER_NUMBER.matcher(dev.subdesk.shared.Ids.normalizeNumber(order)).matches() ? order.trim()
				: null;
	}

	@GetMapping("/")
	String home() {
		return "web/home";
	}

	@GetMapping("/cancel")
	String cancelForm(@RequestParam(required = false) @Nullable String order, Model model) {
		model.addAttribute("form", PublicCancellationForm.empty(prefilled(order)));
		model.addAttribute("errors", List.of());
		model.addAttribute("invalid", Map.of());
		return "web/cancel";
	}

	@PostMapping("/cancel")
	String cancel(@ModelAttribute("form") PublicCancellationForm form, Model model, HttpServletRequest request,
			HttpServletResponse response, Locale locale) {
		Optional<Account> signedIn = signedIn(request);
		String refused = refused("web/cancel", form.errors(),
				List.of(form.text(form.email()), form.text(form.confirmationEmail())), signedIn, form.text(form.email()),
				() -> requests.owners(form.request()), model, request, response);
		return refused != null ? refused
				: "redirect:/cancel/received/" + requests.submit(form.request(), locale, signedIn.map(Account::id).orElse(null));
	}

	/**
	 * The account the browser is signed in to the portal as, while that session holds (the account open, with the
	 * address its sign-in code went to; {@link CustomerSessionCheck}): the one proof on the public forms that a
	 * request is its owner's, as typing the owner's email and order number is not. Reads only.
	 */
	private Optional<Account> signedIn(HttpServletRequest request) {
		if (!request.isUserInRole("CUSTOMER") || request.getUserPrincipal() == null) {
			return Optional.empty();
		}
		jakarta.servlet.http.HttpSession session = request.getSession(false);
		if (session == null || !(session.getAttribute(CustomerSessionCheck.SIGNED_IN_EMAIL) instanceof String email)) {
			return Optional.empty();
		}
		return accounts.find(request.getUserPrincipal().getName())
			.filter(a -> !a.closed() && accounts.sameEmail(a.email(), email));
	}

	/**
	 * The form's view again when it cannot be taken: {@code 400} with what is wrong, or {@code 429} once the address
	 * or one of the emails is past the public forms' limits; {@code null} when the request may go on. The customer's
	 * email typed ({@code email}) is the owner's in the limits when the browser is signed in as the account that has it,
	 * or when {@code owners} (the form names a contract of the account that has it), each with an allowance of its own.
	 */
	private @Nullable String refused(String view, List<String> errors, List<String> emails, Optional<Account> signedIn,
			String email, java.util.function.BooleanSupplier owners, Model model, HttpServletRequest request,
			HttpServletResponse response) {
		model.addAttribute("invalid", Map.of());
		if (!errors.isEmpty()) {
			model.addAttribute("errors", errors);
			model.addAttribute("invalid", PublicCancellationForm.invalidFields(errors));
			model.addAttribute("errorItems", PublicCancellationForm.errorItems(errors));
			response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
			return view;
		}
		boolean ownerSignedIn = signedIn.filter(a -> accounts.sameEmail(a.email(), email.strip())).isPresent();
		String ownersEmail = ownerSignedIn || owners.getAsBoolean() ? email : null;
		if (!limits.allow(request.getRemoteAddr(), emails, ownersEmail, ownerSignedIn)) {
			model.addAttribute("errors", List.of(TOO_MANY));
			model.addAttribute("errorItems", PublicCancellationForm.errorItems(List.of(TOO_MANY)));
			response.setStatus(TOO_MANY_REQUESTS);
			return view;
		}
		return null;
	}

	@GetMapping("/cancel/received/{id}")
	String received(@PathVariable String id, Locale locale, Model model) {
		CancellationReceived received = requests.find(id).map(CancellationReceived::of).orElseThrow(WebErrors::notFound);
		model.addAttribute("r", received);
		model.addAttribute("receivedAt", PageFormats.dateTime(received.receivedAt(), locale));
		return "web/cancel-received";
	}

	/** The same content as the result page, as a text file to keep (R-DE-4). */
	@GetMapping("/cancel/received/{id}/text")
	ResponseEntity<byte[]> receivedText(@PathVariable String id, Locale locale) {
		CancellationReceived r = requests.find(id).map(CancellationReceived::of).orElseThrow(WebErrors::notFound);
		StringBuilder text = new StringBuilder();
		line(text, locale, "received.title", null);
		line(text, locale, "received.receivedAt", PageFormats.dateTime(r.receivedAt(), locale));
		line(text, locale, "cancel.kind", message(locale, "cancel.kind." + r.kind()));
		if (r.reason() != null) {
			line(text, locale, "cancel.reason", r.reason());
		}
		line(text, locale, "cancel.name", r.name());
		line(text, locale, "cancel.email", r.email());
		line(text, locale, "cancel.order", r.orderNumber());
		line(text, locale, "cancel.timing", message(locale, "cancel.timing." + r.timing()));
		line(text, locale, "cancel.confirmationEmail", r.confirmationEmail());
		line(text, locale, "received.emailNote", null);
		return ResponseEntity.ok()
			.contentType(new MediaType("text", "plain", StandardCharsets.UTF_8))
			.header(HttpHeaders.CONTENT_DISPOSITION,
					ContentDisposition.attachment().filename("cancellation-" + r.receivedAt().getEpochSecond() + ".txt").build().toString())
			.body(text.toString().getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Whether customers in the United Kingdom may withdraw too (R-UK-5, while its switch is on): the withdrawal form
	 * says so, or it would tell them that only the EU may.
	 */
	@ModelAttribute("withdrawalInTheUk")
	boolean withdrawalInTheUk() {
		return jurisdictions.forCustomer("GB", null).withdrawal();
	}

	/** "Withdraw from contract here" (R-EU-5): name, contract and email, then the "Confirm withdrawal" button. */
	@GetMapping("/withdraw")
	String withdrawForm(@RequestParam(required = false) @Nullable String order, Model model) {
		model.addAttribute("form", PublicWithdrawalForm.empty(prefilled(order)));
		model.addAttribute("errors", List.of());
		return "web/withdraw";
	}

	@PostMapping("/withdraw")
	String withdraw(@ModelAttribute("form") PublicWithdrawalForm form, Model model, HttpServletRequest request,
			HttpServletResponse response, Locale locale) {
		Optional<Account> signedIn = signedIn(request);
		String refused = refused("web/withdraw", form.errors(), List.of(PublicWithdrawalForm.text(form.email())),
				signedIn, PublicWithdrawalForm.text(form.email()), () -> withdrawals.owners(form.request()), model,
				request, response);
		return refused != null ? refused
				: "redirect:/withdraw/received/" + withdrawals.submit(form.request(), locale,
						signedIn.map(Account::id).orElse(null));
	}

	/** What was sent, with the time of receipt: the same wording whether or not it matched a contract. */
	@GetMapping("/withdraw/received/{id}")
	String withdrawalReceived(@PathVariable String id, Locale locale, Model model) {
		WithdrawalReceived received = withdrawals.find(id).map(WithdrawalReceived::of).orElseThrow(WebErrors::notFound);
		model.addAttribute("r", received);
		model.addAttribute("receivedAt", PageFormats.dateTime(received.receivedAt(), locale));
		return "web/withdraw-received";
	}

	@GetMapping("/support")
	String support(Model model) {
		model.addAttribute("channels", channels.directory());
		return "web/support";
	}

	private void line(StringBuilder text, Locale locale, String key, @Nullable String value) {
		text.append(message(locale, key));
		if (value != null) {
			text.append(": ").append(value);
		}
		text.append('\n');
	}

	private String message(Locale locale, String key) {
		return messages.getMessage(key, null, key, locale);
	}
}
