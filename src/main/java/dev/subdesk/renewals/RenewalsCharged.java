package dev.subdesk.renewals;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.subscriptions.Subscription;
import java.time.Instant;
import java.util.List;

/**
 * One batch of renewals was charged, in the transaction that records the charges: each subscription has moved to its
 * next period and its receipt (a RENEWAL_RECEIPT notice) is due. One event for the whole batch, so that its receipts
 * are stored together.
 */
public record RenewalsCharged(List<Charged> renewals) {

	public RenewalsCharged {
		renewals = List.copyOf(renewals);
	}

	/**
	 * One renewal: the subscription as it was due (its current period is the one charged for), the successful charge,
	 * the account holder to tell, and when the renewal was due.
	 */
	public record Charged(Subscription subscription, String chargeId, Accounts.Addressee to, Instant dueAt) {
	}
}
