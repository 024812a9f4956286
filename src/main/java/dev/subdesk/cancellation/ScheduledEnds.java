package dev.subdesk.cancellation;

import dev.subdesk.billing.Billing;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the jobs do for cancellations: scheduled ends take effect when due, each in its own transaction under the
 * usual locks ({@link CancellationLocks}), and the sweep behind invariant 1 refunds a charge for a period that
 * starts after its subscription's cancellation took effect.
 */
@Service
public class ScheduledEnds {

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ScheduledEnds.class);

	private static final int SWEEP_BATCH = 1000;

	private final JdbcCancellationRepository repository;
	private final CancellationLocks locks;
	private final Subscriptions subscriptions;
	private final Billing billing;
	private final TransactionTemplate tx;

	ScheduledEnds(JdbcCancellationRepository repository, CancellationLocks locks, Subscriptions subscriptions,
			Billing billing, PlatformTransactionManager txManager) {
		this.repository = repository;
		this.locks = locks;
		this.subscriptions = subscriptions;
		this.billing = billing;
		this.tx = new TransactionTemplate(txManager);
	}

	/**
	 * Makes due scheduled cancellations take effect, each stamped with its own {@code cancelAt} and in its own
	 * transaction, 200 at a time. Returns how many subscriptions ended. {@code stopping}: the jobs' run asks whether
	 * the node has begun to stop; once it has, no chunk is read after the one in hand (whose ends all take effect), and
	 * the rest stays due for the next run, on any node.
	 */
	public int takeEffect(Instant until, java.util.function.BooleanSupplier stopping) {
		int ended = 0;
		List<String> due;
		do {
			if (stopping.getAsBoolean()) {
				return ended;
			}
			due = subscriptions.dueToEnd(until, 200);
			for (String id : due) {
				Boolean done = tx.execute(status -> takeEffectOne(id, until));
				if (Boolean.TRUE.equals(done)) {
					ended++;
				}
			}
		}
		while (!due.isEmpty());
		return ended;
	}

	private boolean takeEffectOne(String subscriptionId, Instant until) {
		Subscription s = locks.forWork(subscriptionId).subscription();
		Instant at = s.cancelAt();
		if (!s.scheduledToEnd() || at == null || at.isAfter(until)) {
			return false;
		}
		subscriptions.end(s, Subscription.Status.CANCELLED, at, null);
		String number = s.scheduledBy();
		if (number != null) {
			repository.findRow(number)
				.filter(row -> row.subscriptionId().equals(s.id()) && row.status() == Cancellation.Status.SCHEDULED)
				.ifPresent(row -> repository.setStatus(number, Cancellation.Status.EFFECTIVE));
		}
		return true;
	}

	/**
	 * The sweep behind invariant 1: a successful charge for a period starting at or after the {@code effectiveAt}
	 * of a SCHEDULED or EFFECTIVE cancellation of its subscription (possible only through imports or store sync)
	 * has what is left of it refunded at once, with a REFUND_ISSUED notice. Driven by change, not by a watermark:
	 * each change that can make a charge qualify (an import, a cancellation, a change to an imported charge) queues
	 * its subscription in its own transaction (V347), and only the charges of the subscriptions queued when this run
	 * started are read, each from the state as it is once its change has committed: a charge that qualifies only once
	 * a later cancellation is made, or whose import committed after later ones, is found all the same; a charge
	 * refunded meanwhile (another node's sweep, a dispute) is left as it is. Returns how many charges were refunded.
	 */
	public int sweepChargesAfterCancellation() {
		Optional<Long> upTo = repository.lastChargeCheck();
		if (upTo.isEmpty()) {
			return 0;
		}
		int refunded = 0;
		while (true) {
			List<JdbcCancellationRepository.ChargeCheck> checks = repository.chargeChecks(upTo.get(), SWEEP_BATCH);
			if (checks.isEmpty()) {
				return refunded;
			}
			java.util.Set<String> subscriptions = new java.util.LinkedHashSet<>();
			checks.forEach(check -> subscriptions.add(check.subscriptionId()));
			java.util.Set<String> again = new java.util.LinkedHashSet<>();
			for (JdbcCancellationRepository.ChargeToRefund charge : repository
				.chargesToRefundAfterCancellation(subscriptions)) {
				try {
					if (billing.refundRemaining(charge.id(),
							"Charged for a period after the cancellation took effect: refunded in full automatically")
						.isPresent()) {
						refunded++;
					}
				}
				catch (RuntimeException e) {
					// one charge that cannot be refunded now holds back none of the others: its subscription is queued
					// again, and the next run tries it again
					log.error("Charge {} is due a refund after its cancellation but could not be refunded", charge.id(), e);
					again.add(charge.subscriptionId());
				}
			}
			// deleted once read and acted on: a run that stops before this leaves them for the next one
			repository.checked(checks, again);
		}
	}

	/**
	 * A subscription that expires (an add-on whose base dunning ended) ends the cancellation that was scheduled for it
	 * too: SCHEDULED until its subscription has ended, then EFFECTIVE (API.md), in the same transaction. A cancellation
	 * ending it (CANCELLED) records that itself: no statement is added to its path.
	 */
	@org.springframework.context.event.EventListener
	void on(dev.subdesk.subscriptions.SubscriptionEnded ended) {
		if (ended.status() == Subscription.Status.EXPIRED) {
			repository.takenEffect(ended.subscriptionId());
		}
	}

	/** The earliest instant at which a scheduled cancellation takes effect. */
	public Optional<Instant> nextDue() {
		return subscriptions.nextScheduledEnd();
	}
}
