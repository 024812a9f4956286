package dev.subdesk.subscriptions;

import dev.subdesk.shared.SubdeskException;
import dev.subdesk.catalog.Term;
import dev.subdesk.shared.Money;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A subscription. {@code cancelAt} is the scheduled end (or, once ended by a cancellation, the instant it
 * took effect); {@code scheduledBy} is the confirmation number of the cancellation that scheduled it.
 * {@code price} is what the next renewal will cost. {@code storeGraceUntil}: while a store-billed subscription is
 * PAST_DUE in the store's billing retry, until when the store keeps serving it (the end of its grace period, or
 * {@code currentPeriodEnd} when it gives none); null otherwise, or when the store named no end.
 */
public record Subscription(String id, String accountId, String planCode, String orderNumber, Channel channel,
		Status status, boolean autoRenew, Term term, Instant anchor, int periodIndex, Instant currentPeriodStart,
		Instant currentPeriodEnd, @Nullable Instant cancelAt, @Nullable Instant cancelledAt,
		@Nullable String scheduledBy, @Nullable String parentId, @Nullable String paymentMethodId, Money price,
		int deviceLimit, Instant createdAt, long seq, @Nullable Instant storeGraceUntil) {

	/**
	 * {@code TRIALING}: in a free trial, charged nothing until the renewal engine converts it at the trial's end
	 * ({@code currentPeriodEnd}) into ACTIVE with the first charge (a declined one makes it PAST_DUE, as any renewal).
	 */
	public enum Status {
		TRIALING, ACTIVE, PAST_DUE, CANCELLED, EXPIRED
	}

	/**
	 * The end of the free trial while the subscription is still in its trial period (index -1, TRIALING, or ended
	 * or past due in it); empty once a paid period started or when it had no trial.
	 */
	public java.util.Optional<Instant> trialEndsAt() {
		return periodIndex < 0 ? java.util.Optional.of(currentPeriodEnd) : java.util.Optional.empty();
	}

	/** CANCELLED or EXPIRED: it will never be charged again. */
	public boolean ended() {
		return status == Status.CANCELLED || status == Status.EXPIRED;
	}

	/**
	 * Whether its end is due at {@code now}, even when the job that records it has not run yet (a job due at X runs once
	 * the clock is at or past X, maybe later): its scheduled end ({@code cancelAt}) has come, or, PAST_DUE in our own
	 * dunning, its last retry is due, after which it either recovers or expires at that retry's instant. An ended one
	 * is. A store-billed PAST_DUE one is not: its store, not our retries, ends it.
	 */
	public boolean endsBy(Instant now) {
		if (ended() || cancelAt != null && !now.isBefore(cancelAt)) {
			return true;
		}
		return status == Status.PAST_DUE && !storeBilled() && !now.isBefore(lastRetryAt());
	}

	/**
	 * When the last dunning retry of the renewal due at the end of the current period runs
	 * ({@link RenewalQueue#RETRY_DAYS}, counted from that end).
	 */
	public Instant lastRetryAt() {
		return currentPeriodEnd.plus(java.time.Duration.ofDays(RenewalQueue.RETRY_DAYS[RenewalQueue.RETRY_DAYS.length - 1]));
	}

	/** Not ended, with a scheduled end. */
	public boolean scheduledToEnd() {
		return !ended() && cancelAt != null;
	}

	public boolean isAddOn() {
		return parentId != null;
	}

	public boolean storeBilled() {
		return channel.storeBilled();
	}

	/**
	 * The one rule of whether a subscription may be cancelled (or its card changed) here: it has not ended, and it
	 * is billed by us, not by a store (a store bills and ends its own).
	 */
	public boolean cancellable() {
		return !ended() && !storeBilled();
	}

	/**
	 * Auto-renewal off and service until {@code at}, scheduled by cancellation {@code number} (null: the app store
	 * that bills it reported auto-renewal off). Ended: {@code 409 ALREADY_CANCELLED}.
	 */
	public Subscription scheduleEnd(Instant at, @Nullable String number) {
		refuseIfEnded();
		return change(d -> {
			d.autoRenew = false;
			d.cancelAt = at;
			d.cancelledAt = null;
			d.scheduledBy = number;
		});
	}

	/** The scheduled end taken back: auto-renewing again, billed to {@code paymentMethod}. Ended: refused. */
	public Subscription resume(@Nullable String paymentMethod) {
		refuseIfEnded();
		return change(d -> {
			d.autoRenew = true;
			d.cancelAt = null;
			d.scheduledBy = null;
			d.paymentMethodId = paymentMethod;
		});
	}

	/**
	 * Ended at {@code at}: CANCELLED by cancellation {@code number}, or EXPIRED by failed payment. An end status
	 * only; already ended: {@code 409 ALREADY_CANCELLED} (an end is final).
	 */
	public Subscription end(Status end, Instant at, @Nullable String number) {
		if (end != Status.CANCELLED && end != Status.EXPIRED) {
			throw new IllegalArgumentException("not an end status: " + end);
		}
		refuseIfEnded();
		return change(d -> {
			d.status = end;
			d.autoRenew = false;
			d.storeGraceUntil = null;
			if (end == Status.CANCELLED) {
				d.cancelAt = at;
				d.cancelledAt = at;
			}
			if (number != null) {
				d.scheduledBy = number;
			}
		});
	}

	/**
	 * A store-billed subscription the store renewed (or recovered from its billing retry): ACTIVE for the period the
	 * store reports, auto-renewing.
	 */
	Subscription storeRenewed(Instant periodStart, Instant periodEnd) {
		return change(d -> {
			if (periodStart.isAfter(d.currentPeriodStart)) {
				d.periodIndex++;
			}
			d.status = Status.ACTIVE;
			d.autoRenew = true;
			d.cancelAt = null;
			d.scheduledBy = null;
			d.currentPeriodStart = periodStart;
			d.currentPeriodEnd = periodEnd;
			d.storeGraceUntil = null;
		});
	}

	/**
	 * A store-billed subscription moved by the store to another plan (an upgrade, or a downgrade from its renewal on):
	 * the plan's code, term, price and seats from now on; with another term, its periods are counted from the store's
	 * new period ({@code periodStart} to {@code periodEnd}).
	 */
	Subscription onStorePlan(String plan, Term newTerm, Money newPrice, int seats, Instant periodStart,
			Instant periodEnd) {
		if (newTerm == term) {
			return new Subscription(id, accountId, plan, orderNumber, channel, status, autoRenew, term, anchor,
					periodIndex, currentPeriodStart, currentPeriodEnd, cancelAt, cancelledAt, scheduledBy, parentId,
					paymentMethodId, newPrice, seats, createdAt, seq, storeGraceUntil);
		}
		// another term counts its periods afresh from the store's new one, so that the next boundary is one new term on
		return new Subscription(id, accountId, plan, orderNumber, channel, status, autoRenew, newTerm, periodStart, 0,
				periodStart, periodEnd, cancelAt, cancelledAt, scheduledBy, parentId, paymentMethodId, newPrice, seats,
				createdAt, seq, storeGraceUntil);
	}

	/**
	 * A store-billed subscription whose renewal the store could not bill: PAST_DUE while the store retries, served
	 * until {@code graceUntil} (the store's grace end, or {@code currentPeriodEnd} without grace; null: the store
	 * named no end).
	 */
	Subscription storePastDue(@Nullable Instant graceUntil) {
		return change(d -> {
			d.status = Status.PAST_DUE;
			d.storeGraceUntil = graceUntil;
		});
	}

	/** The price of the next renewal. Ended: refused (there is none). */
	public Subscription withRenewalPrice(Money next) {
		refuseIfEnded();
		return change(d -> d.price = next);
	}

	/** The domain error of a transition an ended subscription forbids. */
	private void refuseIfEnded() {
		if (ended()) {
			throw SubdeskException.of(SubscriptionsErrorCode.ALREADY_CANCELLED, "This subscription has already ended");
		}
	}

	public Subscription withPaymentMethod(@Nullable String paymentMethod) {
		return change(d -> d.paymentMethodId = paymentMethod);
	}

	Subscription withOrderNumber(String number) {
		return change(d -> d.orderNumber = number);
	}

	private Subscription change(java.util.function.Consumer<Draft> change) {
		Draft d = new Draft(this);
		change.accept(d);
		return new Subscription(id, accountId, planCode, d.orderNumber, channel, d.status, d.autoRenew, term, anchor,
				d.periodIndex, d.currentPeriodStart, d.currentPeriodEnd, d.cancelAt, d.cancelledAt, d.scheduledBy,
				parentId, d.paymentMethodId, d.price, deviceLimit, createdAt, seq, d.storeGraceUntil);
	}

	/** The mutable fields of a subscription while one business action changes them. */
	private static final class Draft {

		String orderNumber;
		Status status;
		boolean autoRenew;
		int periodIndex;
		Instant currentPeriodStart;
		Instant currentPeriodEnd;
		@Nullable Instant cancelAt;
		@Nullable Instant cancelledAt;
		@Nullable String scheduledBy;
		@Nullable String paymentMethodId;
		Money price;
		@Nullable Instant storeGraceUntil;

		Draft(Subscription s) {
			orderNumber = s.orderNumber;
			status = s.status;
			autoRenew = s.autoRenew;
			periodIndex = s.periodIndex;
			currentPeriodStart = s.currentPeriodStart;
			currentPeriodEnd = s.currentPeriodEnd;
			cancelAt = s.cancelAt;
			cancelledAt = s.cancelledAt;
			scheduledBy = s.scheduledBy;
			paymentMethodId = s.paymentMethodId;
			price = s.price;
			storeGraceUntil = s.storeGraceUntil;
		}
	}

	/** The end of the next period, counted from the first period start. */
	public Instant nextPeriodEnd() {
		return term.boundary(anchor, periodIndex + 2);
	}
}
