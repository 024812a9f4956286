package dev.subdesk.renewals;

import dev.subdesk.cancellation.CancelRequest;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.subscriptions.SubscriptionPriceChange;
import dev.subdesk.subscriptions.SubscriptionPriceChanges;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The price-change jobs of a run: PRICE_CHANGE notices the rule table's days before the first renewal at a plan's
 * new price (R-CA-8, R-NY-2), and, where the customer's consent to an increase is required (EU) and none was given
 * by that renewal, the end of the subscription at the term's end: a SYSTEM cancellation at its period end, with its
 * confirmation notice, taking effect in the same run before the renewal attempts. The charge at the new price is
 * the renewal engine's (it asks SubscriptionPriceChanges per batch).
 */
@Service
class PriceChangeJobs {

	/** Who ends a subscription whose price-change consent lapsed (the audit trail's actor). */
	static final String ACTOR = "price-change";

	private final SubscriptionPriceChanges priceChanges;
	private final Cancellations cancellations;
	private final Clock clock;
	private final TransactionTemplate tx;
	private final int batchSize;

	PriceChangeJobs(SubscriptionPriceChanges priceChanges, Cancellations cancellations, Clock clock,
			PlatformTransactionManager txManager, @Value("${subdesk.renewals.batch-size:1000}") int batchSize) {
		this.priceChanges = priceChanges;
		this.cancellations = cancellations;
		this.clock = clock;
		this.tx = new TransactionTemplate(txManager);
		this.batchSize = batchSize;
	}

	/**
	 * Sends the PRICE_CHANGE notices due at or before {@code until}; once {@code stopping} (the node has begun to stop),
	 * no batch after the one in hand.
	 */
	int sendNotices(Instant until, java.util.function.BooleanSupplier stopping) {
		return priceChanges.sendNotices(until, batchSize, stopping);
	}

	Optional<Instant> nextNoticeDue() {
		return priceChanges.nextNoticeDue();
	}

	/**
	 * Ends at the term's end every subscription whose consent to a price increase was required and is missing at the
	 * renewal it was to apply at; returns how many. Each in its own transaction with its cancellation; once
	 * {@code stopping} says the node stops, none after the one in hand (the rest stays due for the next run, on any
	 * node).
	 */
	int endWithoutConsent(Instant until, java.util.function.BooleanSupplier stopping) {
		int ended = 0;
		while (true) {
			if (ended > 0 && stopping.getAsBoolean()) {
				return ended;
			}
			Integer n = tx.execute(status -> {
				List<SubscriptionPriceChange> lapsed = priceChanges.claimLapsed(until, 1);
				if (lapsed.isEmpty()) {
					return 0;
				}
				SubscriptionPriceChange change = lapsed.getFirst();
				cancellations.cancel(change.subscriptionId(), new CancelRequest(Cancellation.Mode.END_OF_TERM, null, null,
						CancellationChannel.SYSTEM, ACTOR));
				priceChanges.ended(change, clock.instant());
				return 1;
			});
			if (Objects.requireNonNullElse(n, 0) == 0) {
				return ended;
			}
			ended++;
		}
	}
}
