package dev.subdesk.cancellation;

import dev.subdesk.billing.Charge;
import dev.subdesk.catalog.Plan;
import dev.subdesk.shared.Money;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The written refund policy: cancelling IMMEDIATE refunds what is left of the latest successful charge when
 * now ≤ that charge's {@code createdAt} + {@code moneyBackDays} × 24 h. The window restarts at every charge,
 * so a renewal can be refunded within the window after it. END_OF_TERM never refunds.
 * <p>
 * A customer who may terminate without notice (R-DE-6: § 312k (6) BGB, when the cancellation button was missing
 * or broken; switched on by {@code subdesk.compliance.de-termination-without-notice}) owes nothing for the time
 * after the contract ends: outside the money-back window, ending it at once refunds the unused share of the
 * latest charge, counted in seconds and rounded down to the minor unit.
 */
final class RefundPolicy {

	/** What an IMMEDIATE cancellation refunds of one subscription, and under which rule. */
	record Decision(Money amount, Quote.RefundReason reason) {
	}

	private RefundPolicy() {
	}

	/** What an IMMEDIATE cancellation refunds of this charge now; empty when nothing. */
	static Optional<Money> refundFor(Plan plan, Optional<Charge> latestSuccessful, Instant now) {
		return latestSuccessful.filter(c -> !now.isAfter(c.createdAt().plus(plan.moneyBackWindow())))
			.map(Charge::remaining)
			.filter(Money::positive);
	}

	/** As {@link #refundFor}, and for a termination without notice the unused share when the window has closed. */
	static Optional<Decision> decide(Plan plan, Optional<Charge> latestSuccessful, Instant now,
			boolean withoutNotice) {
		Optional<Decision> moneyBack = refundFor(plan, latestSuccessful, now)
			.map(amount -> new Decision(amount, Quote.RefundReason.MONEY_BACK_WINDOW));
		if (moneyBack.isPresent() || !withoutNotice) {
			return moneyBack;
		}
		return latestSuccessful.flatMap(c -> unusedShare(c, now))
			.map(amount -> new Decision(amount, Quote.RefundReason.UNUSED_TERM));
	}

	/** The part of a charge for its period's time after {@code now}, never more than what is left of it. */
	static Optional<Money> unusedShare(Charge charge, Instant now) {
		long period = Duration.between(charge.periodStart(), charge.periodEnd()).toSeconds();
		long unused = Duration.between(now, charge.periodEnd()).toSeconds();
		if (period <= 0 || unused <= 0) {
			return Optional.empty();
		}
		// amount × seconds can pass a long (a year is 3.2e7 seconds); the share itself never passes the amount
		long share = BigInteger.valueOf(charge.amount())
			.multiply(BigInteger.valueOf(Math.min(unused, period)))
			.divide(BigInteger.valueOf(period))
			.longValueExact();
		return Optional.of(Money.of(Math.min(share, charge.amount() - charge.refundedAmount()), charge.currency()))
			.filter(Money::positive);
	}
}
