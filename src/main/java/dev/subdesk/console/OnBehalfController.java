package dev.subdesk.console;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.billing.Refund;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.devices.Device;
import dev.subdesk.devices.Devices;
import dev.subdesk.notices.Notice;
import dev.subdesk.notices.NoticeType;
import dev.subdesk.notices.Notices;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.AgentRefunds;
import dev.subdesk.support.CallerVerification;
import java.security.Principal;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The ordinary actions on a verified caller's behalf (two knowledge factors): auto-renewal off and on, a refund
 * inside the written policy (at most {@link AgentRefunds#limit}), deactivating a device, and resending a cancellation confirmation. Each calls the
 * same service as the portal and the API, as channel AGENT with the agent as actor, and is recorded in the audit
 * trail and on the call's case.
 */
@Controller
class OnBehalfController {

	/** The call's case, and what the action needs. */
	record ActionForm(@Nullable String caseNumber, @Nullable Boolean autoRenew, @Nullable String amount,
			@Nullable String reason) {
	}

	private final Accounts accounts;
	private final Subscriptions subscriptions;
	private final Cancellations cancellations;
	private final Billing billing;
	private final Devices devices;
	private final Notices notices;
	private final CallerVerification verification;
	private final CallCases cases;
	private final AgentLog log;
	private final AgentRefunds refunds;

	OnBehalfController(Accounts accounts, Subscriptions subscriptions, Cancellations cancellations, Billing billing,
			Devices devices, Notices notices, CallerVerification verification, CallCases cases, AgentLog log,
			AgentRefunds refunds) {
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.cancellations = cancellations;
		this.billing = billing;
		this.devices = devices;
		this.notices = notices;
		this.verification = verification;
		this.cases = cases;
		this.log = log;
		this.refunds = refunds;
	}

	@PostMapping("/console/accounts/{accountId}/subscriptions/{subscriptionId}/auto-renew")
	String autoRenew(@PathVariable String accountId, @PathVariable String subscriptionId, ActionForm form,
			Principal agent, RedirectAttributes redirect) {
		Account account = verified(accountId, agent);
		Subscription s = subscriptions.find(subscriptionId)
			.filter(found -> found.accountId().equals(accountId))
			.orElseThrow(() -> SubdeskException.notFound("Subscription", subscriptionId));
		if (form.autoRenew() == null) {
			return back(redirect, cases.ofAccount(accountId, form.caseNumber()).orElse(null),
					"Auto-renewal not changed: say whether it goes on or off.");
		}
		boolean on = form.autoRenew();
		return act(account, form, agent, redirect, on ? "AUTO_RENEW_ON" : "AUTO_RENEW_OFF", () -> {
			Cancellations.AutoRenewChange change = cancellations.setAutoRenew(s.id(), on, CancellationChannel.AGENT,
					agent.getName());
			return on ? "Auto-renewal on for " + s.orderNumber()
					: "Auto-renewal off for %s; ends %s (%s)".formatted(s.orderNumber(),
							Formats.date(change.subscription().currentPeriodEnd()), change.confirmationNumber());
		});
	}

	@PostMapping("/console/accounts/{accountId}/charges/{chargeId}/refund")
	String refundInsidePolicy(@PathVariable String accountId, @PathVariable String chargeId, ActionForm form,
			Principal agent, RedirectAttributes redirect) {
		Account account = verified(accountId, agent);
		Charge charge = chargeOf(billing, accountId, chargeId);
		String given = cases.ofAccount(accountId, form.caseNumber()).orElse(null);
		Money allowed = refunds.limit(charge);
		if (!allowed.positive()) {
			String caseNumber = cases.continueOrOpen(account, given, agent.getName());
			SubdeskException refused = AgentRefunds.nothingToRefund(charge.id());
			log.refused(agent.getName(), "REFUND", accountId, caseNumber, "inside the refund policy", refused);
			return back(redirect, caseNumber, refused.getMessage() + ".");
		}
		long amount;
		try {
			amount = Amounts.parse(form.amount(), allowed);
		}
		catch (IllegalArgumentException e) {
			return back(redirect, given, "Refund not made: " + e.getMessage());
		}
		String caseNumber = cases.continueOrOpen(account, given, agent.getName());
		String detail = log.perform(agent.getName(), "REFUND", accountId, caseNumber, "inside the refund policy", () -> {
			Refund refund = refunds.refund(charge, amount);
			return "%s refunded of charge %s (refund %s)".formatted(
					Formats.money(Money.of(refund.amount(), refund.currency())), charge.id(), refund.id());
		});
		return back(redirect, caseNumber, detail + ".");
	}

	@PostMapping("/console/accounts/{accountId}/devices/{deviceId}/deactivate")
	String deactivateDevice(@PathVariable String accountId, @PathVariable String deviceId, ActionForm form,
			Principal agent, RedirectAttributes redirect) {
		Account account = verified(accountId, agent);
		Device device = devices.find(accountId, deviceId).orElseThrow(() -> SubdeskException.notFound("Device", deviceId));
		return act(account, form, agent, redirect, "DEVICE_DEACTIVATED", () -> {
			devices.remove(accountId, device.id());
			return "Device %s (%s) deactivated; its seat is free".formatted(device.name(), device.platform());
		});
	}

	@PostMapping("/console/accounts/{accountId}/cancellations/{number}/resend")
	String resendConfirmation(@PathVariable String accountId, @PathVariable String number, ActionForm form,
			Principal agent, RedirectAttributes redirect) {
		Account account = verified(accountId, agent);
		Notice confirmation = notices.find(accountId, NoticeType.CANCELLATION_CONFIRMATION, cancellations.get(number)
			.confirmationNumber()).orElseThrow(() -> SubdeskException.notFound("Cancellation", number));
		return act(account, form, agent, redirect, "CONFIRMATION_RESENT", () -> {
			notices.redeliver(confirmation, account.email(), agent.getName());
			return "Confirmation of %s sent again to the email on file".formatted(confirmation.relatedId());
		});
	}

	/** Does what the caller asked, in the call's case, and records it with the agent (audit trail and timeline). */
	private String act(Account account, ActionForm form, Principal agent, RedirectAttributes redirect, String action,
			Supplier<String> work) {
		String caseNumber = cases.continueOrOpen(account, form.caseNumber(), agent.getName());
		String detail = log.perform(agent.getName(), action, account.id(), caseNumber, "caller asked", work);
		return back(redirect, caseNumber, detail + ".");
	}

	private Account verified(String accountId, Principal agent) {
		Account account = accounts.get(accountId);
		verification.requireVerified(accountId, agent.getName());
		return account;
	}

	static Charge chargeOf(Billing billing, String accountId, String chargeId) {
		return billing.charge(chargeId)
			.filter(c -> c.accountId().equals(accountId))
			.orElseThrow(() -> SubdeskException.notFound("Charge", chargeId));
	}

	/** Back to the account page with a message, in the call's case if there is one. */
	static String back(RedirectAttributes redirect, @Nullable String caseNumber, String message) {
		redirect.addFlashAttribute("message", message);
		if (caseNumber != null) {
			redirect.addAttribute("case", caseNumber);
		}
		return "redirect:/console/accounts/{accountId}";
	}
}
