package dev.subdesk.console;

import dev.subdesk.cancellation.CancelRequest;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.cancellation.Quote;
import dev.subdesk.cancellation.RetentionOffers;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.CallerVerification;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Cancelling on a verified caller's behalf: the quote first, with at most one retention offer whose answer is
 * recorded; then the original request, done as asked in one action (channel AGENT, the agent as actor).
 */
@Controller
class CancelController {

	/** The caller's request: how and why to cancel, and the retention offer shown, if any. */
	record CancelForm(Cancellation.@Nullable Mode mode, Cancellation.@Nullable Reason reason,
			@Nullable String caseNumber, @Nullable String offerId) {

		/** The mode asked for; the end of the term when none was (the default everywhere, docs/DESIGN-NOTES.md). */
		Cancellation.Mode modeOrEndOfTerm() {
			return mode == null ? Cancellation.Mode.END_OF_TERM : mode;
		}
	}

	private final Cancellations cancellations;
	private final RetentionOffers offers;
	private final Subscriptions subscriptions;
	private final Catalog catalog;
	private final CallerVerification verification;
	private final CallCases cases;
	private final AgentLog log;

	CancelController(Cancellations cancellations, RetentionOffers offers, Subscriptions subscriptions, Catalog catalog,
			CallerVerification verification, CallCases cases, AgentLog log) {
		this.cancellations = cancellations;
		this.offers = offers;
		this.subscriptions = subscriptions;
		this.catalog = catalog;
		this.verification = verification;
		this.cases = cases;
		this.log = log;
	}

	@PostMapping("/console/accounts/{accountId}/subscriptions/{subscriptionId}/quote")
	String quote(@PathVariable String accountId, @PathVariable String subscriptionId, CancelForm form, Principal agent,
			Model model) {
		Subscription s = subscriptionOf(accountId, subscriptionId, agent);
		String caseNumber = caseOf(accountId, form, agent);
		Cancellation.Mode mode = form.modeOrEndOfTerm();
		// the quote records the offer it shows: that and its entries commit together
		Quote quote = log.inOneTransaction(() -> {
			Quote quoted = cancellations.quote(s.id());
			log.acted(agent.getName(), "QUOTE_CANCELLATION", accountId,
					"Quoted %s cancellation of %s".formatted(mode, s.orderNumber()), caseNumber, reasonText(form.reason()));
			if (quoted.offer() != null) {
				log.acted(agent.getName(), "OFFER_PRESENTED", accountId, quoted.offer().description(), caseNumber,
						"retention offer read to the caller once");
			}
			return quoted;
		});
		Quote.Option option = quote.options().stream().filter(o -> o.mode() == mode).findFirst().orElse(null);
		model.addAttribute("accountId", accountId);
		model.addAttribute("caseNumber", caseNumber);
		model.addAttribute("subscription", s);
		model.addAttribute("plan", catalog.get(s.planCode()).name());
		model.addAttribute("mode", mode);
		model.addAttribute("immediate", mode == Cancellation.Mode.IMMEDIATE);
		model.addAttribute("reason", form.reason());
		model.addAttribute("effective", option == null ? null : Formats.dateTime(option.effectiveAt()));
		model.addAttribute("refund", option == null ? null : Formats.money(option.refund()));
		model.addAttribute("trialEnds", quote.trial() == null ? null : Formats.date(quote.trial().endsAt()));
		model.addAttribute("offer", quote.offer());
		model.addAttribute("channelInstructions", quote.channelInstructions());
		model.addAttribute("alsoEnds", quote.alsoCancels()
			.stream()
			.map(id -> catalog.get(subscriptions.get(id).planCode()).name() + " (order " + subscriptions.get(id).orderNumber() + ")")
			.toList());
		return "console/quote";
	}

	@PostMapping("/console/accounts/{accountId}/subscriptions/{subscriptionId}/cancel")
	String cancel(@PathVariable String accountId, @PathVariable String subscriptionId, CancelForm form, Principal agent,
			RedirectAttributes redirect) {
		Subscription s = subscriptionOf(accountId, subscriptionId, agent);
		String caseNumber = caseOf(accountId, form, agent);
		// only the offer this subscription has open was shown and can have been declined; any other id in the form
		// records nothing (and makes no offer: a quote here would make one that nobody was shown)
		boolean declinedAnOffer = form.offerId() != null && !form.offerId().isBlank()
				&& offers.openOffer(s.id()).filter(open -> open.id().equals(form.offerId())).isPresent();
		Cancellation c = log.perform(agent.getName(), "CANCEL", accountId, caseNumber, reasonText(form.reason()),
				() -> {
					Cancellation done = cancellations.cancel(s.id(), new CancelRequest(form.modeOrEndOfTerm(), form.reason(),
							null, CancellationChannel.AGENT, agent.getName()));
					if (declinedAnOffer) {
						// the cancellation declined it
						log.acted(agent.getName(), "OFFER_DECLINED", accountId, "The customer declined the retention offer",
								caseNumber, "customer's answer");
					}
					return done;
				},
				done -> "%s cancelled %s: %s, refund %s".formatted(s.orderNumber(), done.mode(), done.confirmationNumber(),
						Formats.money(done.refundTotal())));
		redirect.addAttribute("case", caseNumber);
		redirect.addAttribute("number", c.confirmationNumber());
		return "redirect:/console/accounts/{accountId}/cancellations/{number}";
	}

	@PostMapping("/console/accounts/{accountId}/subscriptions/{subscriptionId}/offers/{offerId}/accept")
	String acceptOffer(@PathVariable String accountId, @PathVariable String subscriptionId, @PathVariable String offerId,
			CancelForm form, Principal agent, RedirectAttributes redirect) {
		Subscription s = subscriptionOf(accountId, subscriptionId, agent);
		String caseNumber = caseOf(accountId, form, agent);
		offers.requireExists(offerId);
		// as a cancel naming an offer: only the offer this subscription has open can have been shown, found without
		// making one (a quote here would make an offer nobody was shown); any other id is refused before anything is
		// done or recorded. The offer is accepted as it was last shown: terms changed since are refused by accept()
		// (OFFER_NOT_AVAILABLE, a new quote shows them), where a quote here would have rewritten them unseen.
		if (offers.openOffer(s.id()).filter(open -> open.id().equals(offerId)).isEmpty()) {
			throw SubdeskException.of(ConsoleErrorCode.OFFER_NOT_AVAILABLE, "This offer is no longer available");
		}
		Subscription kept = log.perform(agent.getName(), "OFFER_ACCEPTED", accountId, caseNumber, "customer's answer",
				() -> offers.accept(offerId), done -> "The customer accepted the retention offer on " + done.orderNumber()
						+ "; next renewal " + Formats.money(done.price()));
		redirect.addFlashAttribute("message", "Offer accepted: the next renewal costs " + Formats.money(kept.price()) + ".");
		redirect.addAttribute("case", caseNumber);
		return "redirect:/console/accounts/{accountId}";
	}

	@GetMapping("/console/accounts/{accountId}/cancellations/{number}")
	String confirmation(@PathVariable String accountId, @PathVariable String number,
			@RequestParam(name = "case", required = false) @Nullable String caseParam, Principal agent,
			HttpServletRequest request, Model model) {
		verification.requireVerified(accountId, agent.getName());
		Cancellation c = cancellations.get(number);
		if (!subscriptions.get(c.subscriptionIds().get(0)).accountId().equals(accountId)) {
			throw SubdeskException.notFound("Cancellation", number);
		}
		String caseNumber = cases.ofAccount(accountId, caseParam).orElse(null);
		log.viewed(agent.getName(), "VIEW_CANCELLATION", accountId, caseNumber);
		model.addAttribute("accountId", accountId);
		model.addAttribute("caseNumber", caseNumber);
		model.addAttribute("cancellation", c);
		model.addAttribute("effective", Formats.dateTime(c.effectiveAt()));
		model.addAttribute("refund", Formats.money(c.refundTotal()));
		model.addAttribute("openCase", cases.ownOpen(caseNumber, CaseActionsController.worker(agent, request)).orElse(null));
		model.addAttribute("resolution", "Cancelled %s (%s); confirmation %s, refund %s.".formatted(
				c.subscriptions().isEmpty() ? "" : subscriptions.get(c.subscriptions().get(0).id()).orderNumber(),
				c.mode() == Cancellation.Mode.IMMEDIATE ? "now" : "at the end of the term", c.confirmationNumber(),
				Formats.money(c.refundTotal())));
		return "console/cancelled";
	}

	/** The subscription, if it is this account's and the agent verified its caller. */
	private Subscription subscriptionOf(String accountId, String subscriptionId, Principal agent) {
		verification.requireVerified(accountId, agent.getName());
		Subscription s = subscriptions.get(subscriptionId);
		if (!s.accountId().equals(accountId)) {
			throw SubdeskException.notFound("Subscription", subscriptionId);
		}
		return s;
	}

	private @Nullable String caseOf(String accountId, CancelForm form, Principal agent) {
		return cases.ofCall(accountId, form.caseNumber(), agent.getName()).orElse(null);
	}

	private static String reasonText(Cancellation.@Nullable Reason reason) {
		return reason == null ? "customer asked to cancel" : "customer asked to cancel: " + reason;
	}
}
