package dev.subdesk.intake;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.AccountErasing;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.cancellation.CancelRequest;
import dev.subdesk.cancellation.Cancellation;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.Cancellations;
import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.shared.Formats;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.Support;
import java.sql.ResultSet;
import java.sql.SQLException;
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
 * Requests from the public "Cancel contracts here" form (§ 312k BGB). A request whose order number exists and
 * whose email is the account's (letter case ignored) cancels that contract through {@link Cancellations}, the
 * same service as the API. Any other request is kept for an agent, with a support case when an account can be
 * told about it (at most {@link PublicCaseAllowance} a day per account, apart for its owner signed in to the portal); the sender sees the same wording either way, so the form reveals no account, and the receipt of
 * every request is confirmed by email to the address given for it (R-DE-5). The owner's request sent again shortly after its cancellation took effect
 * (a second click on "Cancel now" that waited for the first) is confirmed as that cancellation: it opens no case. What it keeps
 * about a customer is erased when their account is closed.
 */
@Service
public class PublicCancellations {

	private static final String INSERT = """
			INSERT INTO public_cancellation_requests (id, received_at, kind, reason, name, email, order_number, timing,
			  confirmation_email, confirmation_number, effective_at, case_number, account_id, owners, signed_in)
			VALUES (:id, :at, :kind, :reason, :name, :email, :order, :timing, :confirmationEmail, :number, :effective, :case,
			  :account, :owners, :signedIn)
			""";

	private static final String ERASE = """
			UPDATE public_cancellation_requests SET name = 'Erased customer', email = :tombstone,
			  confirmation_email = :tombstone, reason = NULL,
			  order_number = CASE WHEN upper(btrim(order_number)) ~ :shape THEN order_number ELSE 'Erased' END
			WHERE account_id = :account
			""";

	private static final String ERASE_SENT_WITH = """
			UPDATE public_cancellation_requests SET name = 'Erased customer', email = :tombstone,
			  confirmation_email = :tombstone, reason = NULL,
			  order_number = CASE WHEN upper(btrim(order_number)) ~ :shape THEN order_number ELSE 'Erased' END
			WHERE %s OR %s OR %s OR %s
			""".formatted(AccountErasing.sqlTypedWithEmail("email", "received_at"),
			AccountErasing.sqlTypedWithEmail("confirmation_email", "received_at"),
			AccountErasing.sqlTypedWhileHeld("email", "received_at"),
			AccountErasing.sqlTypedWhileHeld("confirmation_email", "received_at"));

	/** The owner's requests with this email that cancelled something, newest first: what a repeat may be of. */
	private static final String RECENT_CANCELLED = """
			SELECT order_number, confirmation_number, effective_at FROM public_cancellation_requests
			WHERE account_id = :account AND %s = %s AND confirmation_number IS NOT NULL
			  AND received_at > :since AND effective_at <= :now
			ORDER BY received_at DESC
			""".formatted(EmailAddresses.sqlKey("email"), EmailAddresses.sqlKey(":email"));

	/** How soon after a request that cancelled a contract the same request again is taken as its repeat. */
	static final java.time.Duration REPEAT_WINDOW = java.time.Duration.ofMinutes(15);

	private record Earlier(String orderNumber, String confirmationNumber, Instant effectiveAt) {
	}

	private static final String SELECT = """
			SELECT id, received_at, kind, reason, name, email, order_number, timing, confirmation_email,
			  confirmation_number, effective_at FROM public_cancellation_requests WHERE id = :id
			""";

	/** A request as received, and what came of it (the end date only when it matched a contract). */
	public record Received(String id, Instant receivedAt, String kind, @Nullable String reason, String name, String email,
			String orderNumber, String timing, String confirmationEmail, @Nullable String confirmationNumber,
			@Nullable Instant effectiveAt) {
	}

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Subscriptions subscriptions;
	private final Accounts accounts;
	private final Cancellations cancellations;
	private final Support support;
	private final ApplicationEventPublisher events;
	private final PublicCaseAllowance caseAllowance;

	PublicCancellations(JdbcClient jdbc, Clock clock, Subscriptions subscriptions, Accounts accounts,
			Cancellations cancellations, Support support, ApplicationEventPublisher events,
			PublicCaseAllowance caseAllowance) {
		this.caseAllowance = caseAllowance;
		this.jdbc = jdbc;
		this.clock = clock;
		this.subscriptions = subscriptions;
		this.accounts = accounts;
		this.cancellations = cancellations;
		this.support = support;
		this.events = events;
	}

	/**
	 * Whether the form names a contract that can be cancelled with the email of its own account: the owner's request,
	 * which the form acts on (anything else opens a case for an agent).
	 */
	@Transactional(readOnly = true)
	public boolean owners(PublicCancellationRequest request) {
		Optional<Subscription> subscription = subscriptions.findByOrderNumber(request.orderNumber());
		Optional<Account> owner = subscription.map(s -> accounts.get(s.accountId())).filter(a -> !a.closed());
		return owner.isPresent() && EmailAddresses.same(jdbc, owner.get().email(), request.email())
				&& subscription.get().cancellable();
	}

	/**
	 * Records a valid form and acts on it; returns the id of the saved result. Its receipt is confirmed by email
	 * either way, in {@code language} when it matched nothing (the page's; a matched one in its account's).
	 */
	@Transactional
	public String submit(PublicCancellationRequest request, Locale language) {
		return submit(request, language, null);
	}

	/**
	 * As {@link #submit(PublicCancellationRequest, Locale)}, sent from a browser signed in to the portal as
	 * {@code signedInAccount} (null: not signed in): a request about that account uses its owner's own allowance of
	 * cases ({@link PublicCaseAllowance}).
	 */
	@Transactional
	public String submit(PublicCancellationRequest request, Locale language, @Nullable String signedInAccount) {
		Instant receivedAt = clock.instant();
		String orderNumber = request.orderNumber();
		Optional<Subscription> subscription = subscriptions.findByOrderNumber(orderNumber);
		NamedAccounts named = NamedAccounts.lock(accounts, subscription.map(Subscription::accountId),
				List.of(request.email(), request.confirmationEmail()));
		Optional<Account> owner = named.owner();
		boolean matches = owners(request);
		String id = UUID.randomUUID().toString();
		@Nullable Cancellation cancellation = null;
		@Nullable String caseNumber = null;
		Optional<Account> concerned = named.concerned(jdbc, request.email());
		boolean signedIn = concerned.isPresent() && concerned.get().id().equals(signedInAccount);
		Optional<Earlier> repeated = matches ? Optional.empty() : repeatOf(request, subscription, owner, receivedAt);
		if (matches) {
			Cancellation.Mode mode = request.immediately() ? Cancellation.Mode.IMMEDIATE : Cancellation.Mode.END_OF_TERM;
			String feedback = request.extraordinary() ? "Extraordinary cancellation: " + request.reason() : null;
			cancellation = cancellations.cancel(subscription.get().id(),
					new CancelRequest(mode, null, feedback, CancellationChannel.PORTAL, "customer:cancel-form"));
		}
		else if (repeated.isPresent()) {
			// the same request again, after its cancellation took effect: nothing to check, confirmed as that one
		}
		else if (concerned.isPresent() && caseAllowance.mayOpenCase(concerned.get(), signedIn)) {
			caseNumber = support.open(concerned.get(), caseSubject("Cancellation request", subscription, owner),
					"WEB", null, describe(request, receivedAt)).caseNumber();
		}
		Received received = new Received(id, receivedAt, request.kind(), request.extraordinary() ? request.reason() : null,
				request.name(), request.email(), orderNumber, request.timing(),
				request.confirmationEmail(),
				cancellation != null ? cancellation.confirmationNumber()
						: repeated.map(Earlier::confirmationNumber).orElse(null),
				cancellation != null ? cancellation.effectiveAtFor(subscription.orElseThrow().id())
						: repeated.map(Earlier::effectiveAt).orElse(null));
		jdbc.sql(INSERT)
			.param("id", id)
			.param("at", Timestamp.from(receivedAt))
			.param("kind", received.kind())
			.param("reason", received.reason())
			.param("name", received.name())
			.param("email", received.email())
			.param("order", received.orderNumber())
			.param("timing", received.timing())
			.param("confirmationEmail", received.confirmationEmail())
			.param("number", received.confirmationNumber())
			.param("effective", received.effectiveAt() == null ? null : Timestamp.from(received.effectiveAt()))
			.param("case", caseNumber)
			.param("account", concerned.map(Account::id).orElse(null))
			.param("owners", concerned.filter(a -> PublicCaseAllowance.owners(jdbc, a, request.email())).isPresent())
			.param("signedIn", signedIn)
			.update();
		if (received.confirmationNumber() != null) {
			Account account = owner.orElseThrow();
			events.publishEvent(new PublicCancellationReceived(account.id(), account.country(),
					received.confirmationEmail(), receivedAt, request.extraordinary(), request.immediately(),
					subscription.get().orderNumber(), received.confirmationNumber(), received.effectiveAt()));
		}
		else {
			// the owner's own request (its account's email) for a live contract a store bills: only the store can
			// cancel it, and the confirmation says so rather than "send the form again"
			dev.subdesk.subscriptions.@Nullable Channel store = subscription
				.filter(s -> s.storeBilled() && !s.ended()
						&& owner.filter(a -> EmailAddresses.same(jdbc, a.email(), request.email())).isPresent())
				.map(Subscription::channel)
				.orElse(null);
			events.publishEvent(new PublicRequestUnmatched(id, PublicRequestUnmatched.Form.CANCELLATION,
					received.confirmationEmail(), receivedAt, language, request.extraordinary(), request.immediately(),
					store));
		}
		return id;
	}

	/**
	 * The earlier request this one repeats: the owner's own (its account's email) that cancelled this same contract
	 * less than {@link #REPEAT_WINDOW} ago, with an end that has come. Such a request no longer matches (the contract
	 * has ended), and without this it would open a case "needs checking" and tell its sender nothing was cancelled.
	 */
	private Optional<Earlier> repeatOf(PublicCancellationRequest request, Optional<Subscription> subscription,
			Optional<Account> owner, Instant receivedAt) {
		if (subscription.isEmpty() || owner.isEmpty() || !EmailAddresses.same(jdbc, owner.get().email(), request.email())) {
			return Optional.empty();
		}
		String id = subscription.get().id();
		return jdbc.sql(RECENT_CANCELLED)
			.param("account", owner.get().id())
			.param("email", request.email())
			.param("since", Timestamp.from(receivedAt.minus(REPEAT_WINDOW)))
			.param("now", Timestamp.from(receivedAt))
			.query((rs, n) -> new Earlier(rs.getString("order_number"), rs.getString("confirmation_number"),
					rs.getTimestamp("effective_at").toInstant()))
			.list()
			.stream()
			.filter(e -> subscriptions.findByOrderNumber(e.orderNumber()).filter(s -> s.id().equals(id)).isPresent())
			.findFirst();
	}

	/**
	 * The subject of the case a public form opens, in the server's words only: the account holder is told about the
	 * case, and nothing typed by someone who has not signed in may reach them (DESIGN invariant 13). The order number
	 * appears only when it is the account's own, as the database has it.
	 */
	static String caseSubject(String what, Optional<Subscription> subscription, Optional<Account> owner) {
		return subscription.filter(s -> owner.isPresent())
			.map(s -> "%s for order %s needs checking".formatted(what, s.orderNumber()))
			.orElse(what + " needs checking");
	}

	@Transactional(readOnly = true)
	public Optional<Received> find(String id) {
		return jdbc.sql(SELECT).param("id", id).query(PublicCancellations::map).optional();
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

	private static String describe(PublicCancellationRequest request, Instant receivedAt) {
		return """
				Cancellation sent with the "Cancel contracts here" form.
				Received: %s
				Type: %s%s
				Name: %s
				Email: %s
				Order number: %s
				When: %s
				Confirmation to: %s""".formatted(Formats.dateTime(receivedAt),
				request.extraordinary() ? "extraordinary" : "ordinary",
				request.extraordinary() ? " (reason: " + line(request.reason()) + ")" : "", line(request.name()),
				line(request.email()), line(request.orderNumber()),
				request.immediately() ? "immediately" : "at the earliest possible date", line(request.confirmationEmail()));
	}

	/**
	 * What a stranger typed, kept on the one line of a case's detail it is given: a line break (or any control
	 * character) would let them write lines that read as the server's, such as a second "Confirmation to:" that a
	 * closure's erasure then takes for the address the request was confirmed to.
	 */
	static String line(@Nullable String typed) {
		return typed == null ? "" : CONTROLS.matcher(typed).replaceAll(" ");
	}

	private static final java.util.regex.Pattern CONTROLS = java.util.regex.Pattern.compile("[\\p{Cc}\\u2028\\u2029]+");

	private static Received map(ResultSet rs, int row) throws SQLException {
		Timestamp effective = rs.getTimestamp("effective_at");
		return new Received(rs.getString("id"), rs.getTimestamp("received_at").toInstant(), rs.getString("kind"),
				rs.getString("reason"), rs.getString("name"), rs.getString("email"), rs.getString("order_number"),
				rs.getString("timing"), rs.getString("confirmation_email"), rs.getString("confirmation_number"),
				effective == null ? null : effective.toInstant());
	}
}
