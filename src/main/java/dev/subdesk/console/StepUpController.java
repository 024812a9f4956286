package dev.subdesk.console;

import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.AccountClosures;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.CallerVerification;
import dev.subdesk.support.RefundApproval;
import dev.subdesk.support.RefundApprovals;
import dev.subdesk.support.StepUpCodes;
import java.security.Principal;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The sensitive actions: closing the account, removing a card, changing the email and asking for a refund
 * outside the policy. Each needs, besides the verified caller, the six-digit code sent to the email on file and
 * read back by the caller ({@link StepUpCodes}); without it they are refused with {@code 403 STEP_UP_REQUIRED}
 * and change nothing.
 */
@Controller
class StepUpController {

	/** The call's case, and what the action needs. */
	record StepUpForm(@Nullable String caseNumber, @Nullable String code, @Nullable String email,
			@Nullable String amount, @Nullable String reason) {
	}

	private final Accounts accounts;
	private final Subscriptions subscriptions;
	private final AccountClosures closures;
	private final Billing billing;
	private final StepUpCodes stepUp;
	private final RefundApprovals approvals;
	private final CallerVerification verification;
	private final CallCases cases;
	private final AgentLog log;

	StepUpController(Accounts accounts, Subscriptions subscriptions, AccountClosures closures, Billing billing,
			StepUpCodes stepUp, RefundApprovals approvals, CallerVerification verification, CallCases cases,
			AgentLog log) {
		this.verification = verification;
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.closures = closures;
		this.billing = billing;
		this.stepUp = stepUp;
		this.approvals = approvals;
		this.cases = cases;
		this.log = log;
	}

	@PostMapping("/console/accounts/{accountId}/step-up/send")
	String send(@PathVariable String accountId, StepUpForm form, Principal agent, RedirectAttributes redirect) {
		return stepUpCheck(accountId, form, agent, redirect, caseNumber -> switch (stepUp.send(accountId,
				agent.getName(), caseNumber)) {
			case SENT -> "A six-digit code was sent to the email on file. Ask the caller to read it back.";
			case TOO_MANY_REQUESTS -> "Three codes were sent in the last 15 minutes; ask the caller to use the latest one.";
		});
	}

	@PostMapping("/console/accounts/{accountId}/step-up/confirm")
	String confirm(@PathVariable String accountId, StepUpForm form, Principal agent, RedirectAttributes redirect) {
		String code = form.code() == null ? "" : form.code().strip();
		if (!code.matches("\\d{6}")) {
			accounts.get(accountId);
			verification.requireVerified(accountId, agent.getName());
			return OnBehalfController.back(redirect, cases.ofAccount(accountId, form.caseNumber()).orElse(null),
					"Type the six digits of the code as the caller reads them out; no try was used.");
		}
		return stepUpCheck(accountId, form, agent, redirect, caseNumber -> switch (stepUp.confirm(accountId,
				agent.getName(), caseNumber, code)) {
			case CONFIRMED -> "Code confirmed: the sensitive actions are open for 10 minutes.";
			case WRONG_CODE -> "That is not the code that was sent. Ask the caller to read it again.";
			case NO_LIVE_CODE -> "No code is waiting (expired, used or too many tries); send a new one.";
		});
	}

	/** A step of the code check for a verified caller, noted on the call's case with what the agent is told. */
	private String stepUpCheck(String accountId, StepUpForm form, Principal agent, RedirectAttributes redirect,
			java.util.function.Function<String, String> step) {
		Account account = accounts.get(accountId);
		verification.requireVerified(accountId, agent.getName());
		String caseNumber = cases.continueOrOpen(account, form.caseNumber(), agent.getName());
		String message = step.apply(caseNumber);
		cases.note(caseNumber, agent.getName(), "Step-up code: " + message);
		return OnBehalfController.back(redirect, caseNumber, message);
	}

	@PostMapping("/console/accounts/{accountId}/close")
	String close(@PathVariable String accountId, StepUpForm form, Principal agent, RedirectAttributes redirect) {
		Account account = stepUpConfirmed(accountId, agent);
		String caseNumber = cases.continueOrOpen(account, form.caseNumber(), agent.getName());
		String detail = log.perform(agent.getName(), "ACCOUNT_CLOSED", accountId, caseNumber,
				"caller asked to close the account", () -> {
					AccountClosures.Closure closure = closures.close(accountId, CancellationChannel.AGENT,
							agent.getName());
					return "Account closed: %d cancellation(s) %s, %d store-billed left to the store; personal data erased"
						.formatted(closure.cancellations().size(),
								closure.cancellations().stream().map(Cancellation::confirmationNumber).distinct().toList(),
								closure.channelManaged().size());
				});
		return OnBehalfController.back(redirect, caseNumber, detail + ".");
	}

	@PostMapping("/console/accounts/{accountId}/cards/{paymentMethodId}/remove")
	String removeCard(@PathVariable String accountId, @PathVariable String paymentMethodId, StepUpForm form,
			Principal agent, RedirectAttributes redirect) {
		Account account = stepUpConfirmed(accountId, agent);
		PaymentMethod card = accounts.paymentMethod(accountId, paymentMethodId)
			.orElseThrow(() -> SubdeskException.notFound("Payment method", paymentMethodId));
		String caseNumber = cases.continueOrOpen(account, form.caseNumber(), agent.getName());
		String detail = log.perform(agent.getName(), "CARD_REMOVED", accountId, caseNumber, "caller asked", () -> {
			subscriptions.removePaymentMethod(accountId, card.id());
			return "Card %s removed".formatted(Masking.card(card));
		});
		return OnBehalfController.back(redirect, caseNumber, detail + ".");
	}

	@PostMapping("/console/accounts/{accountId}/email")
	String changeEmail(@PathVariable String accountId, StepUpForm form, Principal agent, RedirectAttributes redirect) {
		Account account = stepUpConfirmed(accountId, agent);
		String given = cases.ofAccount(accountId, form.caseNumber()).orElse(null);
		String email = AccountController.blankToNull(form.email());
		if (!EmailAddresses.plain(email)) {
			return OnBehalfController.back(redirect, given,
					"Email not changed: give the new address as local@domain.tld, without spaces.");
		}
		String caseNumber = cases.continueOrOpen(account, given, agent.getName());
		log.perform(agent.getName(), "EMAIL_CHANGED", accountId, caseNumber, "caller asked", () -> {
			accounts.changeEmail(accountId, email);
			return "Email changed from %s to %s".formatted(Masking.email(account.email()), Masking.email(email));
		});
		return OnBehalfController.back(redirect, caseNumber, "Email changed; the previous address was told.");
	}

	@PostMapping("/console/accounts/{accountId}/charges/{chargeId}/goodwill")
	String requestGoodwillRefund(@PathVariable String accountId, @PathVariable String chargeId, StepUpForm form,
			Principal agent, RedirectAttributes redirect) {
		Account account = stepUpConfirmed(accountId, agent);
		Charge charge = OnBehalfController.chargeOf(billing, accountId, chargeId);
		String given = cases.ofAccount(accountId, form.caseNumber()).orElse(null);
		String reason = AccountController.blankToNull(form.reason());
		if (reason == null || reason.length() > 500) {
			return OnBehalfController.back(redirect, given,
					"Refund not requested: give the reason for the supervisor (at most 500 characters).");
		}
		long amount;
		try {
			amount = Amounts.parse(form.amount(), charge.remaining());
		}
		catch (IllegalArgumentException e) {
			return OnBehalfController.back(redirect, given, "Refund not requested: " + e.getMessage());
		}
		String caseNumber = cases.continueOrOpen(account, given, agent.getName());
		RefundApproval request;
		try {
			request = approvals.request(accountId, chargeId, amount, reason, agent.getName(), caseNumber);
		}
		catch (SubdeskException e) {
			throw log.refused(agent.getName(), "REFUND_APPROVAL_REQUESTED", accountId, caseNumber, reason, e);
		}
		return OnBehalfController.back(redirect, caseNumber, "Refund of %s requested; it waits for a supervisor's approval (%s)."
			.formatted(Formats.money(Money.of(request.amount(), request.currency())), request.id()));
	}

	private Account stepUpConfirmed(String accountId, Principal agent) {
		Account account = accounts.get(accountId);
		stepUp.requireConfirmed(accountId, agent.getName());
		return account;
	}
}
