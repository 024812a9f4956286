package dev.subdesk.intake;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.AccountErasing;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.Withdrawal;
import dev.subdesk.cancellation.WithdrawalRequest;
import dev.subdesk.cancellation.Withdrawals;
import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.shared.Formats;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.Support;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Requests from the public "Withdraw from contract here" form (R-EU-5..7). A request whose order number exists,
 * whose email is the account's (letter case ignored) and whose contract may still be withdrawn from (or already
 * was) goes to {@link Withdrawals}. Any other request is kept for an agent, with a support case when an account
 * can be told (at most {@link PublicCaseAllowance} a day per account); the sender sees the same wording either way, so the form reveals no account or contract, and every
 * withdrawal sent is acknowledged by email: one that matched, or repeats a withdrawal already made, at the account's
 * own address; one that matched nothing at the address given with it.
 */
@Service
public class PublicWithdrawals {

	private static final String INSERT = """
			INSERT INTO public_withdrawal_requests (id, received_at, name, email, order_number, account_id,
			  reference_number, case_number, owners, signed_in)
			VALUES (:id, :at, :name, :email, :order, :account, :reference, :case, :owners, :signedIn)
			""";

	private static final String SELECT = """
			SELECT id, received_at, name, email, order_number FROM public_withdrawal_requests WHERE id = :id
			""";

	private static final String ERASE = """
			UPDATE public_withdrawal_requests SET name = 'Erased customer', email = :tombstone,
			  order_number = CASE WHEN upper(btrim(order_number)) ~ :shape THEN order_number ELSE 'Erased' END
			WHERE account_id = :account
			""";

	private static final String ERASE_SENT_WITH = """
			UPDATE public_withdrawal_requests SET name = 'Erased customer', email = :tombstone,
			  order_number = CASE WHEN upper(btrim(order_number)) ~ :shape THEN order_number ELSE 'Erased' END
			WHERE %s OR %s
			""".formatted(AccountErasing.sqlTypedWithEmail("email", "received_at"),
			AccountErasing.sqlTypedWhileHeld("email", "received_at"));

	/** A request as received: what the page shows, the same whatever came of it. */
	public record Received(String id, Instant receivedAt, String name, String email, String orderNumber) {
	}

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Subscriptions subscriptions;
	private final Accounts accounts;
	private final Withdrawals withdrawals;
	private final Support support;
	private final ApplicationEventPublisher events;
	private final PublicCaseAllowance caseAllowance;

	PublicWithdrawals(JdbcClient jdbc, Clock clock, Subscriptions subscriptions, Accounts accounts,
			Withdrawals withdrawals, Support support, ApplicationEventPublisher events,
			PublicCaseAllowance caseAllowance) {
		this.caseAllowance = caseAllowance;
		this.events = events;
		this.jdbc = jdbc;
		this.clock = clock;
		this.subscriptions = subscriptions;
		this.accounts = accounts;
		this.withdrawals = withdrawals;
		this.support = support;
	}

	/**
	 * Whether the form names a contract with the email of its own account that may be withdrawn from (or already was):
	 * the owner's request, which the form acts on.
	 */
	@Transactional(readOnly = true)
	public boolean owners(PublicWithdrawalRequest request) {
		Optional<Subscription> subscription = subscriptions.findByOrderNumber(request.orderNumber());
		Optional<Account> owner = subscription.map(s -> accounts.get(s.accountId())).filter(a -> !a.closed());
		return owner.isPresent() && EmailAddresses.same(jdbc, owner.get().email(), request.email())
				&& (withdrawals.eligible(subscription.get()) || withdrawals.forSubscription(subscription.get().id()).isPresent());
	}

	/**
	 * Records a valid form and acts on it; returns the id of the saved result. A withdrawal is acknowledged by email
	 * either way: one for a contract already withdrawn from by {@link PublicWithdrawalRepeated}, one that matched nothing in {@code language} (the page's), to the address typed.
	 */
	@Transactional
	public String submit(PublicWithdrawalRequest request, Locale language) {
		return submit(request, language, null);
	}

	/**
	 * As {@link #submit(PublicWithdrawalRequest, Locale)}, sent from a browser signed in to the portal as
	 * {@code signedInAccount} (null: not signed in): a request about that account uses its owner's own allowance of
	 * cases ({@link PublicCaseAllowance}).
	 */
	@Transactional
	public String submit(PublicWithdrawalRequest request, Locale language, @Nullable String signedInAccount) {
		Instant receivedAt = clock.instant();
		String name = request.name();
		String email = request.email();
		String orderNumber = request.orderNumber();
		Optional<Subscription> subscription = subscriptions.findByOrderNumber(orderNumber);
		NamedAccounts named = NamedAccounts.lock(accounts, subscription.map(Subscription::accountId), List.of(email));
		Optional<Account> owner = named.owner();
		boolean matches = owners(request);
		@Nullable Withdrawal withdrawal = null;
		@Nullable String caseNumber = null;
		Optional<Account> concerned = named.concerned(jdbc, email);
		boolean repeated = false;
		boolean signedIn = concerned.isPresent() && concerned.get().id().equals(signedInAccount);
		if (matches) {
			// under the owner's lock (NamedAccounts): a withdrawal found now is not this request's
			Optional<String> earlier = withdrawals.forSubscription(subscription.get().id()).map(Withdrawal::referenceNumber);
			withdrawal = withdrawals.withdraw(subscription.get().id(),
					WithdrawalRequest.notSignedIn(name, email, CancellationChannel.PORTAL, "customer:withdrawal-form"));
			repeated = earlier.isPresent() || withdrawal.receivedAt().isBefore(receivedAt);
		}
		else if (concerned.isPresent() && caseAllowance.mayOpenCase(concerned.get(), signedIn)) {
			caseNumber = support.open(concerned.get(), PublicCancellations.caseSubject("Withdrawal request", subscription, owner),
					"WEB", null, """
							Withdrawal sent with the "Withdraw from contract here" form; it matched no contract that can still be withdrawn from.
							Received: %s
							Name: %s
							Email: %s
							Order number: %s""".formatted(Formats.dateTime(receivedAt), PublicCancellations.line(name),
							PublicCancellations.line(email), PublicCancellations.line(orderNumber))).caseNumber();
		}
		String id = UUID.randomUUID().toString();
		jdbc.sql(INSERT)
			.param("id", id)
			.param("at", Timestamp.from(receivedAt))
			.param("name", name)
			.param("email", email)
			.param("order", orderNumber)
			.param("account", concerned.map(Account::id).orElse(null))
			.param("owners", concerned.filter(a -> PublicCaseAllowance.owners(jdbc, a, email)).isPresent())
			.param("signedIn", signedIn)
			.param("reference", withdrawal == null ? null : withdrawal.referenceNumber())
			.param("case", caseNumber)
			.update();
		if (withdrawal == null) {
			events.publishEvent(new PublicRequestUnmatched(id, PublicRequestUnmatched.Form.WITHDRAWAL, email, receivedAt,
					language, false, false));
		}
		else if (repeated) {
			Account account = owner.orElseThrow();
			events.publishEvent(new PublicWithdrawalRepeated(id, account.id(), account.country(), account.email(),
					receivedAt, withdrawal.referenceNumber(), withdrawal.receivedAt(), subscription.get().orderNumber()));
		}
		return id;
	}

	@Transactional(readOnly = true)
	public Optional<Received> find(String id) {
		return jdbc.sql(SELECT)
			.param("id", id)
			.query((rs, n) -> new Received(rs.getString("id"), rs.getTimestamp("received_at").toInstant(),
					rs.getString("name"), rs.getString("email"), rs.getString("order_number")))
			.optional();
	}

	/** What the form kept about a closed account's customer is erased with the account. */
	@EventListener
	void on(AccountClosed closed) {
		jdbc.sql(ERASE).param("shape", PublicRequestRetention.ORDER_NUMBER_SHAPE).param("tombstone", closed.tombstone()).param("account", closed.accountId()).update();
	}

	/**
	 * So are requests about anyone's contract that were sent with its email since it had it, or with an address the
	 * account had before while it had it (the customer's name and address typed there, filed under the other account;
	 * not what another account's customer typed with the same address while they held it, before or after).
	 */
	@EventListener
	void on(AccountErasing erasing) {
		jdbc.sql(ERASE_SENT_WITH).param("shape", PublicRequestRetention.ORDER_NUMBER_SHAPE).param("tombstone", Account.tombstoneEmail(erasing.accountId()))
			.params(erasing.params()).update();
	}
}
