package dev.subdesk.cancellation;

import dev.subdesk.billing.Charge;
import dev.subdesk.catalog.Plan;
import dev.subdesk.shared.Money;
import java.time.Instant;
import java.util.Optional;

/**
 * The written refund policy: cancelling IMMEDIATE refunds what is left of the latest successful charge when
 * now ≤ that charge's {@code createdAt} + {@code moneyBackDays} × 24 h. The window restarts at every charge,
 * so a renewal can be refunded within the window after it. END_OF_TERM never refunds.
 */
final class RefundPolicy {

	private RefundPolicy() {
	}

	/** What an IMMEDIATE cancellation refunds of this charge now; empty when nothing. */
	static Optional<Money> refundFor(Plan plan, Optional<Charge> latestSuccessful, Instant now) {
		return latestSuccessful.filter(c -> !now.isAfter(c.createdAt().plus(plan.moneyBackWindow())))
			.map(Charge::remaining)
			.filter(Money::positive);
	}
}
