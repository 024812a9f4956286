package dev.subdesk.support;

import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.billing.Refund;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import java.time.Clock;
import org.springframework.stereotype.Service;

/**
 * The agent's refund limit: on a verified caller's behalf an agent refunds at most what the written refund policy
 * gives back of the charge now ({@link Cancellations#policyRefund}); anything more, or any refund where the policy
 * gives nothing, is a goodwill refund that needs the emailed step-up code and a supervisor's approval
 * ({@link RefundApprovals}).
 */
@Service
public class AgentRefunds {

	private final Cancellations cancellations;
	private final Billing billing;
	private final Clock clock;

	AgentRefunds(Cancellations cancellations, Billing billing, Clock clock) {
		this.cancellations = cancellations;
		this.billing = billing;
		this.clock = clock;
	}

	/**
	 * The most an agent may refund of {@code charge} under the policy now, as a quote to show; zero when the policy gives
	 * nothing back. {@link #refund} decides it again, under lock.
	 */
	public Money limit(Charge charge) {
		return cancellations.policyRefund(charge.id()).orElse(Money.zero(charge.currency()));
	}

	/** {@code 409 NOTHING_TO_REFUND}: the policy gives nothing back on the charge. */
	public static SubdeskException nothingToRefund(String chargeId) {
		return SubdeskException.of(SupportErrorCode.NOTHING_TO_REFUND, "The refund policy gives nothing back on charge " + chargeId
				+ "; a goodwill refund needs the emailed code and a supervisor's approval");
	}

	/**
	 * Refunds {@code amount} minor units of {@code charge} for an agent: {@code 409 NOTHING_TO_REFUND} when the
	 * policy gives nothing back, {@code 400 VALIDATION_FAILED} for an amount not above zero or above the limit. The
	 * limit is decided and the refund recorded in one transaction, under the locks of the account and then the
	 * subscription ({@link Cancellations#lockedPolicyRefund}): a renewal charge or a cancellation of the subscription
	 * cannot come between them. The gateway pays it back after the commit ({@link Billing#recordThenSettle}); inside a
	 * caller's transaction (the console's, with its audit entry) all of it joins that one.
	 */
	public Refund refund(Charge charge, long amount) {
		return billing.recordThenSettle(() -> {
			Money limit = cancellations.lockedPolicyRefund(charge.id()).orElse(Money.zero(charge.currency()));
			if (!limit.positive()) {
				throw nothingToRefund(charge.id());
			}
			if (amount <= 0 || amount > limit.amount()) {
				throw SubdeskException.invalid("amount", "give an amount above zero and at most " + Formats.money(limit));
			}
			// the reason reaches the customer (the refund's notice), webhooks and the API: who did it is the audit
			// trail's, never a console username, which is half of a staff credential
			return billing.recordRefund(charge.id(), amount, "Refund under the policy, by an Acme support agent",
					clock.instant());
		}, (recorded, settled) -> settled.containsKey(recorded.id()) ? settled.get(recorded.id())
				: billing.refundById(recorded.id()).orElseThrow());
	}
}
