package dev.subdesk.cancellation;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosedException;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The one locking order of cancellation work: the account row first, then its subscriptions. Every cancel, resume,
 * closure and scheduled end takes its locks here, so two of them on one account wait for each other instead of
 * deadlocking, and each sees what the other committed. Callers are in a transaction.
 */
@Component
class CancellationLocks {

	/**
	 * A subscription locked for work, with its account, locked first, and its add-ons that have not ended (none for
	 * an add-on), locked after it: what a cancellation of it ends.
	 */
	record Locked(Account owner, Subscription subscription, List<Subscription> liveAddOns) {
	}

	private final Accounts accounts;
	private final Subscriptions subscriptions;

	CancellationLocks(Accounts accounts, Subscriptions subscriptions) {
		this.accounts = accounts;
		this.subscriptions = subscriptions;
	}

	/**
	 * Locks the subscription's account, then the subscription and its add-ons: two statements, each row read once.
	 * No such subscription: {@code 404}.
	 */
	Locked forWork(String subscriptionId) {
		Account owner = accounts.lockHolderOf(subscriptionId)
			.orElseThrow(() -> SubdeskException.notFound("Subscription", subscriptionId));
		return subscriptionOf(owner, subscriptionId);
	}

	/**
	 * Locks the subscription's account, then the subscription alone (not its add-ons): for a decision about its charges
	 * that must hold until the caller's transaction commits. No such subscription: {@code 404}.
	 */
	Subscription forItsCharges(String subscriptionId) {
		accounts.lockHolderOf(subscriptionId).orElseThrow(() -> SubdeskException.notFound("Subscription", subscriptionId));
		return subscriptions.lock(subscriptionId);
	}

	/** Locks an account that must still be open; closed: {@code 409 ACCOUNT_CLOSED}. */
	Account openAccount(String accountId) {
		Account account = accounts.lock(accountId);
		if (account.closed()) {
			throw new AccountClosedException(accountId);
		}
		return account;
	}

	/**
	 * Locks a subscription of an account already locked by {@link #openAccount} or {@link #forWork}, and its add-ons
	 * with it (one statement).
	 */
	Locked subscriptionOf(Account locked, String subscriptionId) {
		Subscriptions.WithAddOns family = subscriptions.lockWithLiveAddOns(subscriptionId);
		Subscription s = family.subscription();
		if (!s.accountId().equals(locked.id())) {
			throw new IllegalStateException(subscriptionId + " is not a subscription of " + locked.id());
		}
		return new Locked(locked, s, family.liveAddOns());
	}
}
