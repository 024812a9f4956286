package dev.subdesk.cancellation;

import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
	 * Makes due scheduled cancellations take effect, each stamped with its own {@code cancelAt}. Returns how
	 * many subscriptions ended.
	 */
	public int takeEffect(Instant until) {
		int ended = 0;
		List<String> due;
		do {
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
	 * is refunded in full at once, with a REFUND_ISSUED notice. Looks at each charge once, in batches.
	 * Returns how many charges were refunded.
	 */
	public int sweepChargesAfterCancellation() {
		int refunded = 0;
		while (true) {
			long watermark = repository.sweepWatermark();
			List<Charge> imported = billing.importedChargesAfter(watermark, 1000);
			if (imported.isEmpty()) {
				return refunded;
			}
			List<Charge> charges = imported.stream().filter(c -> c.successful() && c.remaining().positive()).toList();
			Set<String> offending = charges.isEmpty() ? Set.of() : repository.chargesStartingAfterCancellation(charges);
			for (Charge charge : charges) {
				if (offending.contains(charge.id())) {
					billing.refund(charge.id(), null,
							"Charged for a period after the cancellation took effect: refunded in full automatically");
					refunded++;
				}
			}
			repository.advanceSweepWatermark(imported.get(imported.size() - 1).seq());
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
