package dev.subdesk.cancellation;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.billing.Billing;
import dev.subdesk.subscriptions.Subscriptions;
import java.util.List;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

/**
 * Closes accounts: every DIRECT subscription cancelled IMMEDIATE with the refunds the policy gives, the payment
 * methods removed, the devices of the cancelled subscriptions deactivated, then the personal data erased, all in one
 * transaction after the account row is locked ({@link CancellationLocks}). Charges, refunds and cancellations are
 * kept; store-billed subscriptions run until the store ends them, and the answer says where to cancel them.
 */
@Service
public class AccountClosures {

	/** A store-billed subscription that keeps running after the account closes, and where to cancel it. */
	public record ChannelManaged(String subscriptionId, ChannelInstructions channelInstructions) {
	}

	public record Closure(Account account, List<Cancellation> cancellations, List<ChannelManaged> channelManaged) {
	}

	private final Cancellations cancellations;
	private final CancellationLocks locks;
	private final JdbcCancellationRepository repository;
	private final Subscriptions subscriptions;
	private final Accounts accounts;
	private final Billing billing;

	AccountClosures(Cancellations cancellations, CancellationLocks locks, JdbcCancellationRepository repository,
			Subscriptions subscriptions, Accounts accounts, Billing billing) {
		this.cancellations = cancellations;
		this.locks = locks;
		this.repository = repository;
		this.subscriptions = subscriptions;
		this.accounts = accounts;
		this.billing = billing;
	}

	/** Closes the account; already closed: {@code 409 ACCOUNT_CLOSED}. Refunds are paid back after the commit. */
	public Closure close(String accountId, CancellationChannel channel, String actor) {
		return billing.recordThenSettle(() -> closeLocked(accountId, channel, actor),
				(closure, settledNow) -> new Closure(closure.account(),
						closure.cancellations().stream().map(c -> cancellations.settled(c, settledNow)).toList(),
						closure.channelManaged()),
				(closure, paid) -> closure.cancellations().forEach(c -> cancellations.signReceipt(c, paid)));
	}

	private Closure closeLocked(String accountId, CancellationChannel channel, String actor) {
		Account account = locks.openAccount(accountId);
		Cancellations.CancelAllResult result = cancellations.cancelAllLocked(account,
				new CancelRequest(Cancellation.Mode.IMMEDIATE, null, null, channel, actor));
		List<ChannelManaged> managed = subscriptions.forAccount(accountId)
			.stream()
			.filter(s -> s.storeBilled() && !s.ended())
			.map(s -> new ChannelManaged(s.id(), cancellations.instructionsFor(s)))
			.toList();
		Account closed = accounts.closeAndErase(accountId);
		return new Closure(closed, result.cancellations(), managed);
	}

	/**
	 * The feedback a closed account's customer typed when cancelling (free text that may name or describe them) is
	 * erased in the closing transaction; confirmation numbers, reasons, dates and refunds stay.
	 */
	@EventListener
	void on(AccountClosed closed) {
		repository.eraseFeedback(closed.accountId());
	}
}
