package dev.subdesk.console;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.devices.Device;
import dev.subdesk.devices.Devices;
import dev.subdesk.notices.Notice;
import dev.subdesk.notices.NoticeType;
import dev.subdesk.notices.Notices;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.Page;
import dev.subdesk.support.RefundApproval;
import dev.subdesk.support.RefundApprovals;
import dev.subdesk.support.SensitiveAction;
import dev.subdesk.support.StepUpCodes;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.ui.Model;

/** What the account page offers once the caller is verified: cards, charges, devices, confirmations, requests. */
@Component
class CallerActions {

	/** A card; {@code open}: a confirmed step-up code is waiting to remove this very card. */
	record CardRow(String id, String label, boolean open) {
	}

	/** A charge; {@code policyRefund} is what the written policy gives back now, {@code left} what any refund may. */
	record ChargeRow(String id, String date, String amount, String status, @Nullable String refunded,
			@Nullable String policyRefund, @Nullable String left) {
	}

	record DeviceRow(String id, String name, String platform) {
	}

	record RequestRow(String id, String chargeId, String amount, String status, String requestedBy) {
	}

	private final Accounts accounts;
	private final Billing billing;
	private final Cancellations cancellations;
	private final Devices devices;
	private final Notices notices;
	private final StepUpCodes stepUp;
	private final RefundApprovals approvals;

	CallerActions(Accounts accounts, Billing billing, Cancellations cancellations, Devices devices, Notices notices,
			StepUpCodes stepUp, RefundApprovals approvals) {
		this.accounts = accounts;
		this.billing = billing;
		this.cancellations = cancellations;
		this.devices = devices;
		this.notices = notices;
		this.stepUp = stepUp;
		this.approvals = approvals;
	}

	void describe(Account account, String agent, Model model) {
		String id = account.id();
		// what the confirmed codes of this agent and call open, each one action on one target, once
		model.addAttribute("stepUp", stepUp.confirmedActions(id, agent).stream().map(CallerActions::label).toList());
		model.addAttribute("closeOpen", stepUp.isConfirmed(id, agent, new SensitiveAction.CloseAccount()));
		model.addAttribute("cardRows", accounts.paymentMethods(id).stream()
			.map(c -> new CardRow(c.id(), Masking.card(c), stepUp.isConfirmed(id, agent, new SensitiveAction.RemoveCard(c.id()))))
			.toList());
		model.addAttribute("charges", billing.charges(id, Page.Request.first(100)).data().stream().map(this::row).toList());
		model.addAttribute("devices", devices.list(id, Page.Request.first(100)).data().stream()
			.filter(d -> d.status() == Device.Status.ACTIVE)
			.map(d -> new DeviceRow(d.id(), d.name(), d.platform().name()))
			.toList());
		model.addAttribute("confirmations", notices.list(id, Page.Request.first(100)).data().stream()
			.filter(n -> n.type() == NoticeType.CANCELLATION_CONFIRMATION)
			.map(Notice::relatedId)
			.distinct()
			.toList());
		model.addAttribute("requests", approvals.forAccount(id).stream().map(CallerActions::request).toList());
	}

	static String label(SensitiveAction.Kind action) {
		return switch (action) {
			case CLOSE_ACCOUNT -> "closing the account";
			case REMOVE_CARD -> "removing the card it was sent for";
			case CHANGE_EMAIL -> "changing the email to the address it was sent for";
			case REFUND -> "the refund (charge and amount) it was sent for";
		};
	}

	private ChargeRow row(Charge c) {
		Money policy = c.successful() ? cancellations.policyRefund(c.id()).orElse(null) : null;
		return new ChargeRow(c.id(), Formats.date(c.createdAt()), Formats.money(Money.of(c.amount(), c.currency())),
				c.status().name(), c.refundedAmount() > 0 ? Formats.money(Money.of(c.refundedAmount(), c.currency())) : null,
				policy == null ? null : Formats.money(policy),
				c.successful() && c.remaining().positive() ? Formats.money(c.remaining()) : null);
	}

	private static RequestRow request(RefundApproval a) {
		return new RequestRow(a.id(), a.chargeId(), Formats.money(Money.of(a.amount(), a.currency())), a.status().name(),
				a.requestedBy());
	}
}
