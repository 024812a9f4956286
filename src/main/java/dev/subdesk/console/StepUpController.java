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
import dev.subdesk.support.SensitiveAction;
import dev.subdesk.support.StepUpCodes;
import java.security.Principal;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The sensitive actions: closing the account, removing a card, changing the email and asking for a refund
 * outside the policy. Each needs, besides the verified caller, a six-digit code sent for that one action and its
 * target to the email on file and read back by the caller ({@link StepUpCodes}); the action uses it up. Without it
 * they are refused with {@code 403 STEP_UP_REQUIRED} and change nothing. Changing the email also needs a second code,
 * sent to the new address and read back from there.
 */
@Controller
class StepUpController {

	/**
	 * The call's case, and what the action needs; {@code action} and {@code target} (a card or charge id) name what a
	 * code is sent for, {@code email} and {@code amount} complete it; {@code code} is the code the caller reads back.
	 */
	record StepUpForm(@Nullable String caseNumber, @Nullable String code, @Nullable String email,
			@Nullable String amount, @Nullable String reason, @Nullable String action, @Nullable String target) {
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

	/** The one action a code is asked for, and how the agent is told about it; or why none could be read. */
	private record Chosen(@Nullable SensitiveAction action, String label) {
	}

	@PostMapping("/console/accounts/{accountId}/step-up/send")
	String send(@PathVariable String accountId, StepUpForm form, Principal agent, RedirectAttributes redirect) {
		accounts.get(accountId);
		verification.requireVerified(accountId, agent.getName());
		String given = cases.ofAccount(accountId, form.caseNumber()).orElse(null);
		Chosen chosen = chosen(accountId, form);
		if (chosen.action() == null) {
			// nothing asked for that could be sent: no case is opened for it, nothing is written
			return OnBehalfController.back(redirect, given, chosen.label());
		}
		return stepUpCheck(accountId, form, agent, redirect, caseNumber -> {
			return switch (stepUp.send(accountId, agent.getName(), caseNumber, chosen.action())) {
				case SENT -> "A six-digit code for %s was sent to the email on file. Ask the caller to read it back."
					.formatted(chosen.label());
				case TOO_MANY_REQUESTS -> "Three codes were sent in the last 15 minutes; ask the caller to use the latest one.";
			};
		});
	}

	/** An address another account has: no code goes to either address, since the change would be refused. */
	private static final String TAKEN = "No code sent: another account has this address, so the email cannot be "
			+ "changed to it. The caller can use another address, or sign in to that account.";

	/** The action the agent chose for a code, with its target read from the form and checked against the account. */
	private Chosen chosen(String accountId, StepUpForm form) {
		String target = AccountController.blankToNull(form.target());
		String action = form.action() == null ? "" : form.action().strip();
		switch (action) {
			case "CLOSE_ACCOUNT":
				return new Chosen(new SensitiveAction.CloseAccount(), "closing the account");
			case "REMOVE_CARD":
				if (target != null) {
					PaymentMethod card = accounts.paymentMethod(accountId, target)
						.orElseThrow(() -> SubdeskException.notFound("Payment method", target));
					return new Chosen(new SensitiveAction.RemoveCard(card.id()), "removing card " + Masking.card(card));
				}
				break;
			case "CHANGE_EMAIL":
				String email = AccountController.blankToNull(form.email());
				if (!EmailAddresses.plain(email)) {
					return new Chosen(null, "No code sent: give the new address as local@domain.tld, without spaces.");
				}
				if (accounts.emailTakenByAnother(accountId, email.strip())) {
					return new Chosen(null, TAKEN);
				}
				return new Chosen(new SensitiveAction.ChangeEmail(email.strip()),
						"changing the email to " + Masking.email(email.strip()));
			case "REFUND":
				if (target != null) {
					Charge charge = OnBehalfController.chargeOf(billing, accountId, target);
					if (!charge.successful() || !charge.remaining().positive()) {
						return new Chosen(null, "No code sent: nothing of charge %s is left to refund.".formatted(target));
					}
					try {
						long amount = Amounts.parse(form.amount(), charge.remaining());
						return new Chosen(new SensitiveAction.Refund(charge.id(), amount), "a refund of %s of charge %s"
							.formatted(Formats.money(Money.of(amount, charge.currency())), charge.id()));
					}
					catch (IllegalArgumentException e) {
						return new Chosen(null, "No code sent: " + e.getMessage());
					}
				}
				break;
			default:
				break;
		}
		return new Chosen(null, "No code sent: a code is for one action; send it from that action (close, remove a card, "
				+ "change the email, a refund outside the policy).");
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
		return stepUpCheck(accountId, form, agent, redirect, caseNumber -> {
			StepUpCodes.Checked checked = stepUp.confirm(accountId, agent.getName(), caseNumber, code);
			return switch (checked.outcome()) {
				case CONFIRMED -> "Code confirmed for %s: that action, on what the code was sent for, is open for 10 minutes, once."
					.formatted(checked.action());
				case WRONG_CODE -> "That is not the code that was sent. Ask the caller to read it again.";
				case NO_LIVE_CODE -> "No code is waiting (expired, used or too many tries); send a new one.";
			};
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
		SensitiveAction action = new SensitiveAction.CloseAccount();
		Account account = stepUpConfirmed(accountId, agent, action);
		String caseNumber = cases.continueOrOpen(account, form.caseNumber(), agent.getName());
		String detail = log.perform(agent.getName(), "ACCOUNT_CLOSED", accountId, caseNumber,
				"caller asked to close the account", () -> {
					stepUp.consume(accountId, agent.getName(), action);
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
		SensitiveAction action = new SensitiveAction.RemoveCard(paymentMethodId);
		Account account = stepUpConfirmed(accountId, agent, action);
		PaymentMethod card = accounts.paymentMethod(accountId, paymentMethodId)
			.orElseThrow(() -> SubdeskException.notFound("Payment method", paymentMethodId));
		String caseNumber = cases.continueOrOpen(account, form.caseNumber(), agent.getName());
		String detail = log.perform(agent.getName(), "CARD_REMOVED", accountId, caseNumber, "caller asked", () -> {
			stepUp.consume(accountId, agent.getName(), action);
			subscriptions.removePaymentMethod(accountId, card.id());
			return "Card %s removed".formatted(Masking.card(card));
		});
		return OnBehalfController.back(redirect, caseNumber, detail + ".");
	}

	/**
	 * Sends the second code of a change of email, to the new address, once the code for that change was read back
	 * from the email on file.
	 */
	@PostMapping("/console/accounts/{accountId}/email/send-code")
	String sendToNewAddress(@PathVariable String accountId, StepUpForm form, Principal agent,
			RedirectAttributes redirect) {
		accounts.get(accountId);
		verification.requireVerified(accountId, agent.getName());
		String email = AccountController.blankToNull(form.email());
		if (!EmailAddresses.plain(email)) {
			return OnBehalfController.back(redirect, cases.ofAccount(accountId, form.caseNumber()).orElse(null),
					"No code sent: give the new address as local@domain.tld, without spaces.");
		}
		stepUp.requireConfirmed(accountId, agent.getName(), new SensitiveAction.ChangeEmail(email.strip()));
		if (accounts.emailTakenByAnother(accountId, email.strip())) {
			return OnBehalfController.back(redirect, cases.ofAccount(accountId, form.caseNumber()).orElse(null), TAKEN);
		}
		return stepUpCheck(accountId, form, agent, redirect, caseNumber -> switch (stepUp.sendToNewAddress(accountId,
				agent.getName(), caseNumber, email.strip())) {
			case SENT -> "A six-digit code was sent to the new address %s. Ask the caller to read it back from there."
				.formatted(Masking.email(email.strip()));
			case TOO_MANY_REQUESTS -> "Three codes were sent to a new address in the last 15 minutes; ask the caller to use the latest one.";
		});
	}

	@PostMapping("/console/accounts/{accountId}/email")
	String changeEmail(@PathVariable String accountId, StepUpForm form, Principal agent, RedirectAttributes redirect) {
		Account account = accounts.get(accountId);
		verification.requireVerified(accountId, agent.getName());
		String given = cases.ofAccount(accountId, form.caseNumber()).orElse(null);
		String typed = AccountController.blankToNull(form.email());
		if (!EmailAddresses.plain(typed)) {
			return OnBehalfController.back(redirect, given,
					"Email not changed: give the new address as local@domain.tld, without spaces.");
		}
		String email = typed.strip();
		SensitiveAction action = new SensitiveAction.ChangeEmail(email);
		stepUp.requireConfirmed(accountId, agent.getName(), action);
		String code = form.code() == null ? "" : form.code().strip();
		if (!code.matches("\\d{6}")) {
			return OnBehalfController.back(redirect, given, "Email not changed: send a code to the new address and type "
					+ "the six digits the caller reads from there; no try was used.");
		}
		String caseNumber = cases.continueOrOpen(account, given, agent.getName());
		StepUpCodes.Confirmation read = stepUp.confirmNewAddress(accountId, agent.getName(), caseNumber, email, code);
		if (read != StepUpCodes.Confirmation.CONFIRMED) {
			String message = read == StepUpCodes.Confirmation.WRONG_CODE
					? "Email not changed: that is not the code sent to the new address. Ask the caller to read it again."
					: "Email not changed: no code is waiting at the new address (expired, used or too many tries); send a new one.";
			cases.note(caseNumber, agent.getName(), "Step-up code: " + message);
			return OnBehalfController.back(redirect, caseNumber, message);
		}
		log.perform(agent.getName(), "EMAIL_CHANGED", accountId, caseNumber, "caller asked", () -> {
			stepUp.consume(accountId, agent.getName(), action);
			accounts.changeEmail(accountId, email);
			return "Email changed from %s to %s, confirmed at the new address".formatted(Masking.email(account.email()),
					Masking.email(email));
		});
		return OnBehalfController.back(redirect, caseNumber, "Email changed; the previous address was told.");
	}

	@PostMapping("/console/accounts/{accountId}/charges/{chargeId}/goodwill")
	String requestGoodwillRefund(@PathVariable String accountId, @PathVariable String chargeId, StepUpForm form,
			Principal agent, RedirectAttributes redirect) {
		Account account = accounts.get(accountId);
		verification.requireVerified(accountId, agent.getName());
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
		stepUp.requireConfirmed(accountId, agent.getName(), new SensitiveAction.Refund(chargeId, amount));
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

	private Account stepUpConfirmed(String accountId, Principal agent, SensitiveAction action) {
		Account account = accounts.get(accountId);
		stepUp.requireConfirmed(accountId, agent.getName(), action);
		return account;
	}
}
