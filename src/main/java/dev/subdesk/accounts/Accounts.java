package dev.subdesk.accounts;

import dev.subdesk.events.DomainChange;
import dev.subdesk.events.EventType;
import dev.subdesk.payments.CardDetails;
import dev.subdesk.payments.PaymentGateway;
import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/** Accounts and payment methods. */
@Service
public class Accounts {

	private static final String ACCOUNT_COLUMNS = "id, email, name, country, region, status, created_at, seq";

	private static final String INSERT_ACCOUNT = """
			INSERT INTO accounts (id, email, name, country, region, status, created_at)
			VALUES (:id, :email, :name, :country, :region, 'ACTIVE', :at)
			""";

	private static final String PM_COLUMNS = "id, account_id, gateway_token, brand, last4, exp_month, exp_year, is_default, created_at, seq";

	private static final String INSERT_PM = """
			INSERT INTO payment_methods (id, account_id, gateway_token, brand, last4, exp_month, exp_year, is_default, created_at,
			                             billing_postcode)
			VALUES (:id, :account, :token, :brand, :last4, :month, :year, :isDefault, :at, :postcode)
			""";

	private static final String FIND_BY_NAME = """
			SELECT %s FROM accounts a
			WHERE a.status = 'ACTIVE' AND lower(a.name) LIKE '%%' || :fragment || '%%' ESCAPE '\\'
			ORDER BY a.created_at DESC, a.seq DESC LIMIT :limit
			""".formatted(ACCOUNT_COLUMNS.replaceAll("(\\w+)", "a.$1"));

	private static final String FIND_BY_NAME_AND_CARD = """
			SELECT %s FROM accounts a
			WHERE a.status = 'ACTIVE' AND lower(a.name) LIKE '%%' || :fragment || '%%' ESCAPE '\\'
			  AND (EXISTS (SELECT 1 FROM payment_methods p
			               WHERE p.account_id = a.id AND p.deleted_at IS NULL AND p.last4 = :last4)
			       OR a.id = ANY (:also))
			ORDER BY a.created_at DESC, a.seq DESC LIMIT :limit
			""".formatted(ACCOUNT_COLUMNS.replaceAll("(\\w+)", "a.$1"));

	private final JdbcClient jdbc;
	private final Clock clock;
	private final PaymentGateway gateway;
	private final ApplicationEventPublisher events;
	private final TransactionTemplate tx;

	Accounts(JdbcClient jdbc, Clock clock, PaymentGateway gateway, ApplicationEventPublisher events,
			PlatformTransactionManager txManager) {
		this.tx = new TransactionTemplate(txManager);
		this.jdbc = jdbc;
		this.clock = clock;
		this.gateway = gateway;
		this.events = events;
	}

	/**
	 * Opens an account; its {@code account.created} event brings the WELCOME notice (notices.EventNotices), and
	 * {@link AccountOpened} lets what waited for the address without an account be settled in this transaction.
	 */
	@Transactional
	public Account open(String email, String name, String country, @Nullable String region) {
		requirePlain(email);
		holdAddress(email);
		String id = Ids.next("acct");
		Instant now = clock.instant();
		try {
			jdbc.sql(INSERT_ACCOUNT)
				.param("id", id)
				.param("email", email)
				.param("name", name)
				.param("country", country)
				.param("region", region)
				.param("at", Timestamp.from(now))
				.update();
		}
		catch (DuplicateKeyException e) {
			throw SubdeskException.of(AccountsErrorCode.EMAIL_TAKEN, "An account with this email already exists");
		}
		Account opened = get(id);
		events.publishEvent(new AccountOpened(opened.id(), opened.email()));
		events.publishEvent(new DomainChange(EventType.ACCOUNT_CREATED, opened));
		return opened;
	}

	/**
	 * Opens an account unless one has the email already: then nothing is changed and the answer is empty, and the
	 * caller's transaction goes on (where {@link #open} fails with {@code EMAIL_TAKEN}, which ends a transaction it
	 * runs in). For sign-in, which opens the account checkout asked for once the code proved the address.
	 */
	@Transactional
	public Optional<Account> openUnlessTaken(String email, String name, String country, @Nullable String region) {
		requirePlain(email);
		holdAddress(email);
		String id = Ids.next("acct");
		int inserted = jdbc.sql(INSERT_ACCOUNT + " ON CONFLICT DO NOTHING")
			.param("id", id)
			.param("email", email)
			.param("name", name)
			.param("country", country)
			.param("region", region)
			.param("at", Timestamp.from(clock.instant()))
			.update();
		if (inserted == 0) {
			return Optional.empty();
		}
		Account opened = get(id);
		events.publishEvent(new AccountOpened(opened.id(), opened.email()));
		events.publishEvent(new DomainChange(EventType.ACCOUNT_CREATED, opened));
		return Optional.of(opened);
	}

	@Transactional(readOnly = true)
	public Optional<Account> find(String id) {
		return jdbc.sql("SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE id = :id")
			.param("id", id)
			.query(Accounts::mapAccount)
			.optional();
	}

	/** An account that must exist, else {@code 404 NOT_FOUND}. */
	@Transactional(readOnly = true)
	public Account get(String id) {
		return find(id).orElseThrow(() -> SubdeskException.notFound("Account", id));
	}

	/**
	 * Holds an address, by the one rule of addresses ({@link EmailAddresses#SQL_KEY}), for the rest of the
	 * transaction: an account opened for it, or an account's email changed to it, waits for whoever holds it, and
	 * whoever holds it next sees what that one committed. What waits for an address without an account (checkout's
	 * typed details with a sign-in code) is stored while holding it and settled on {@link AccountOpened} and
	 * {@link EmailChanged} while holding it too: neither can miss the other. A transaction that holds an address takes
	 * it before any account's row ({@link #lock}); the address's own limiter locks, if any, before it.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void holdAddress(String email) {
		jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('account-address:' || " + EmailAddresses.sqlKey(":email")
				+ ", 0))")
			.param("email", email)
			.query()
			.listOfRows();
	}

	/**
	 * Locks the account row for the rest of the transaction: serializes purchases, closure, cancellations and seat
	 * changes. The lock is {@code FOR NO KEY UPDATE}: it waits for and holds off every other locker of the account, but
	 * not the key-share lock that a row inserted with the account's id takes. A renewal being recorded moves its
	 * subscription (holding its row) and then inserts the charge, which key-shares the account, while work that locks
	 * the account first then waits for that subscription: with {@code FOR UPDATE} the two would deadlock.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Account lock(String id) {
		return jdbc.sql("SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE id = :id FOR NO KEY UPDATE")
			.param("id", id)
			.query(Accounts::mapAccount)
			.optional()
			.orElseThrow(() -> SubdeskException.notFound("Account", id));
	}

	/**
	 * Locks the account that holds a subscription, finding it from the subscription's row in the same statement:
	 * cancellation work locks the account first (then the subscription), and only the subscription names it, so this
	 * spares a read of the subscription before the lock. The lock is {@link #lock}'s. Empty when there is no such
	 * subscription.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Optional<Account> lockHolderOf(String subscriptionId) {
		return jdbc.sql("SELECT " + ACCOUNT_COLUMNS
				+ " FROM accounts WHERE id = (SELECT account_id FROM subscriptions WHERE id = :subscription)"
				+ " FOR NO KEY UPDATE")
			.param("subscription", subscriptionId)
			.query(Accounts::mapAccount)
			.optional();
	}

	@Transactional(readOnly = true)
	public Page<Account> findByEmail(String email, Page.Request request) {
		List<Account> rows = jdbc.sql("SELECT " + ACCOUNT_COLUMNS + """
				 FROM accounts WHERE %s = %s AND (created_at, seq) < (:afterAt, :afterSeq)
				ORDER BY created_at DESC, seq DESC LIMIT :limit
				""".formatted(EmailAddresses.sqlKey("email"), EmailAddresses.sqlKey(":email")))
			.param("email", email)
			.param("afterAt", Timestamp.from(request.after().createdAt()))
			.param("afterSeq", request.after().seq())
			.param("limit", request.limit() + 1)
			.query(Accounts::mapAccount)
			.list();
		return Page.of(rows, request.limit(), a -> new Page.Cursor(a.createdAt(), a.seq()));
	}

	/**
	 * Adds a card by its gateway token; never charges or verifies it. The first card becomes the default.
	 * An unknown token is {@code 400} on {@code token}. Must run outside any database transaction: the gateway is
	 * asked first (DESIGN invariant 11).
	 */
	public PaymentMethod addPaymentMethod(String accountId, String token) {
		return addPaymentMethod(accountId, token, null);
	}

	/**
	 * Adds a card with the billing postcode it was registered with, when the caller gave one (optional; the
	 * fourth knowledge factor an agent can check, see {@link #billingPostcodes(String)}). The gateway describes the
	 * token before any transaction (what a token describes does not depend on the account), so no row lock is held and
	 * no pooled connection pinned while it answers (DESIGN invariant 11); then a short transaction locks the account,
	 * checks it is not closed (a closure that landed meanwhile wins: {@code 409 ACCOUNT_CLOSED}) and inserts the card.
	 * The checks keep their order: an unknown account ({@code 404}), an unknown token ({@code 400}), a closed account.
	 */
	public PaymentMethod addPaymentMethod(String accountId, String token, @Nullable String billingPostcode) {
		get(accountId);
		CardDetails card = gateway.describe(token)
			.orElseThrow(() -> SubdeskException.invalid("token", "unknown payment token"));
		return Objects.requireNonNull(tx.execute(status -> {
			Account account = lock(accountId);
			if (account.closed()) {
				throw new AccountClosedException(accountId);
			}
			boolean first = paymentMethods(accountId).isEmpty();
			String id = Ids.next("pm");
			jdbc.sql(INSERT_PM)
				.param("id", id)
				.param("account", accountId)
				.param("token", token)
				.param("brand", card.brand())
				.param("last4", card.last4())
				.param("month", card.expMonth())
				.param("year", card.expYear())
				.param("isDefault", first)
				.param("at", Timestamp.from(clock.instant()))
				.param("postcode", billingPostcode)
				.update();
			return paymentMethod(accountId, id).orElseThrow();
		}));
	}

	/** Every payment method of an account that has not been removed, newest first. */
	@Transactional(readOnly = true)
	public List<PaymentMethod> paymentMethods(String accountId) {
		return jdbc.sql("SELECT " + PM_COLUMNS + """
				 FROM payment_methods WHERE account_id = :account AND deleted_at IS NULL
				ORDER BY created_at DESC, seq DESC
				""").param("account", accountId).query(Accounts::mapPaymentMethod).list();
	}

	@Transactional(readOnly = true)
	public Page<PaymentMethod> paymentMethods(String accountId, Page.Request request) {
		List<PaymentMethod> rows = jdbc.sql("SELECT " + PM_COLUMNS + """
				 FROM payment_methods WHERE account_id = :account AND deleted_at IS NULL
				 AND (created_at, seq) < (:afterAt, :afterSeq)
				ORDER BY created_at DESC, seq DESC LIMIT :limit
				""")
			.param("account", accountId)
			.param("afterAt", Timestamp.from(request.after().createdAt()))
			.param("afterSeq", request.after().seq())
			.param("limit", request.limit() + 1)
			.query(Accounts::mapPaymentMethod)
			.list();
		return Page.of(rows, request.limit(), pm -> new Page.Cursor(pm.createdAt(), pm.seq()));
	}

	/** A live (not removed) payment method of this account. */
	@Transactional(readOnly = true)
	public Optional<PaymentMethod> paymentMethod(String accountId, String paymentMethodId) {
		return jdbc.sql("SELECT " + PM_COLUMNS + """
				 FROM payment_methods WHERE id = :id AND account_id = :account AND deleted_at IS NULL
				""").param("id", paymentMethodId).param("account", accountId).query(Accounts::mapPaymentMethod).optional();
	}

	/** The billing postcodes of the account's live cards that have one, as they were given. */
	@Transactional(readOnly = true)
	public List<String> billingPostcodes(String accountId) {
		return jdbc.sql("""
				SELECT billing_postcode FROM payment_methods
				WHERE account_id = :account AND deleted_at IS NULL AND billing_postcode IS NOT NULL
				""").param("account", accountId).query(String.class).list();
	}

	/**
	 * Open accounts whose name contains {@code fragment}, ignoring case, newest first. (With a card's last four digits
	 * too: {@link #findByNameAndCard}, which the console holds to an allowance per agent.)
	 */
	@Transactional(readOnly = true)
	public List<Account> findByName(String fragment, int limit) {
		String like = fragment.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("([\\\\%_])", "\\\\$1");
		return jdbc.sql(FIND_BY_NAME)
			.param("fragment", like)
			.param("limit", limit)
			.query(Accounts::mapAccount)
			.list();
	}

	/**
	 * The open accounts whose name contains {@code fragment} (any letter case) and that have a card (not removed)
	 * ending in {@code last4}, or whose id is one of {@code alsoIds}: newest first, at most {@code limit}. The whole
	 * name match is filtered here, in one query, so what the digits do not match is never read.
	 */
	@Transactional(readOnly = true)
	public List<Account> findByNameAndCard(String fragment, String last4, java.util.Collection<String> alsoIds, int limit) {
		String like = fragment.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("([\\\\%_])", "\\\\$1");
		return jdbc.sql(FIND_BY_NAME_AND_CARD)
			.param("fragment", like)
			.param("last4", last4)
			.param("also", alsoIds.toArray(String[]::new))
			.param("limit", limit)
			.query(Accounts::mapAccount)
			.list();
	}

	/**
	 * Whether another account has {@code email} (by {@link EmailAddresses#SQL_KEY}): a change to it would be refused
	 * with {@code 409 EMAIL_TAKEN}. A look before the change only; the change itself decides, holding the address.
	 */
	@Transactional(readOnly = true)
	public boolean emailTakenByAnother(String accountId, String email) {
		return jdbc.sql("SELECT EXISTS (SELECT 1 FROM accounts WHERE " + EmailAddresses.sqlKey("email") + " = "
				+ EmailAddresses.sqlKey(":email") + " AND id <> :id)")
			.param("email", email)
			.param("id", accountId)
			.query(Boolean.class)
			.single();
	}

	/**
	 * Changes the account's email. The address must be free, by {@link EmailAddresses#SQL_KEY} ({@code 409 EMAIL_TAKEN}) and the
	 * account open ({@code 409 ACCOUNT_CLOSED}); the previous address is told of the change.
	 */
	@Transactional
	public Account changeEmail(String accountId, String email) {
		requirePlain(email);
		holdAddress(email);
		Account account = lock(accountId);
		if (account.closed()) {
			throw new AccountClosedException(accountId);
		}
		if (EmailAddresses.same(jdbc, account.email(), email)) {
			return account;
		}
		try {
			jdbc.sql("UPDATE accounts SET email = :email WHERE id = :id").param("email", email).param("id", accountId)
				.update();
		}
		catch (DuplicateKeyException e) {
			throw SubdeskException.of(AccountsErrorCode.EMAIL_TAKEN, "An account with this email already exists");
		}
		// kept as a hash only, with the time the account held it (from its opening or the change that gave it the
		// address, to now), until the closure erases what was typed with it elsewhere then (AccountErasing)
		jdbc.sql("""
				INSERT INTO account_previous_emails (account_id, email_sha256, held_from, held_until)
				SELECT a.id, %s, greatest(a.created_at,
				  (SELECT max(p.held_until) FROM account_previous_emails p WHERE p.account_id = a.id)), :at
				FROM accounts a WHERE a.id = :id
				ON CONFLICT (account_id, email_sha256, held_from) DO UPDATE SET held_until = EXCLUDED.held_until"""
				.formatted(Account.SQL_EMAIL_HASH.formatted(":previous")))
			.param("id", accountId)
			.param("previous", account.email())
			.param("at", Timestamp.from(clock.instant()))
			.update();
		events.publishEvent(new EmailChanged(accountId, account.country(), account.email(), email));
		return get(accountId);
	}

	/** Any payment method ever stored, removed or not (charges keep pointing at theirs). */
	@Transactional(readOnly = true)
	public Optional<PaymentMethod> paymentMethodEvenIfRemoved(String paymentMethodId) {
		return jdbc.sql("SELECT " + PM_COLUMNS + " FROM payment_methods WHERE id = :id")
			.param("id", paymentMethodId)
			.query(Accounts::mapPaymentMethod)
			.optional();
	}

	/**
	 * Whether two addresses are the same one by the one rule of addresses ({@link EmailAddresses#SQL_KEY}): for the
	 * modules that hold no database connection of their own (the pages).
	 */
	public boolean sameEmail(String a, String b) {
		return EmailAddresses.same(jdbc, a, b);
	}

	/**
	 * Where and how to write to an account: its email and its country (the letter's language and zone), and its
	 * region where known (with the country, which rules of the jurisdictions table its notices serve).
	 */
	public record Addressee(String email, String country, @org.jspecify.annotations.Nullable String region) {
	}

	/** The addressee of each account, for notices written in bulk. */
	@Transactional(readOnly = true)
	public java.util.Map<String, Addressee> addressees(java.util.Collection<String> accountIds) {
		java.util.Map<String, Addressee> addressees = new java.util.HashMap<>();
		jdbc.sql("SELECT id, email, country, region FROM accounts WHERE id = ANY(:ids::text[])")
			.param("ids", accountIds.toArray(String[]::new))
			.query((rs, n) -> addressees.put(rs.getString(1),
					new Addressee(rs.getString(2), rs.getString(3), rs.getString(4))))
			.list();
		return addressees;
	}

	/** The gateway token of each live payment method, for charges made in bulk. */
	@Transactional(readOnly = true)
	public java.util.Map<String, String> gatewayTokens(java.util.Collection<String> paymentMethodIds) {
		java.util.Map<String, String> tokens = new java.util.HashMap<>();
		jdbc.sql("SELECT id, gateway_token FROM payment_methods WHERE id = ANY(:ids::text[]) AND deleted_at IS NULL")
			.param("ids", paymentMethodIds.toArray(String[]::new))
			.query((rs, n) -> tokens.put(rs.getString(1), rs.getString(2)))
			.list();
		return tokens;
	}

	/** The default method, if the account has any. */
	@Transactional(readOnly = true)
	public Optional<PaymentMethod> defaultPaymentMethod(String accountId) {
		return paymentMethods(accountId).stream().filter(PaymentMethod::isDefault).findFirst();
	}

	/**
	 * Removes a payment method, erasing its billing postcode (the card stays, masked, for the charges that name it);
	 * when it was the default, the newest remaining one becomes the default.
	 * Returns the default after the removal, if any. The caller checks that no subscription is left without one.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Optional<PaymentMethod> removePaymentMethod(String accountId, String paymentMethodId) {
		PaymentMethod removed = paymentMethod(accountId, paymentMethodId)
			.orElseThrow(() -> SubdeskException.notFound("Payment method", paymentMethodId));
		// its billing postcode is personal data that only a live card's check reads (billingPostcodes): it goes now
		jdbc.sql("UPDATE payment_methods SET deleted_at = :at, is_default = false, billing_postcode = NULL WHERE id = :id")
			.param("at", Timestamp.from(clock.instant()))
			.param("id", removed.id())
			.update();
		if (removed.isDefault()) {
			paymentMethods(accountId).stream().findFirst().ifPresent(newest -> jdbc
				.sql("UPDATE payment_methods SET is_default = true WHERE id = :id")
				.param("id", newest.id())
				.update());
		}
		return defaultPaymentMethod(accountId);
	}

	/**
	 * One second when another account gave up the address with hash {@code %1$s} in the second {@code %2$s} at which
	 * the closing account's window on it starts, else none, to add to that start: instants are whole seconds, and the
	 * second of a hand-over counts as the leaving account's (AccountErasing). The closing account is {@code :account}.
	 */
	private static final String HANDED_OVER_SECOND = """
			CASE WHEN EXISTS (SELECT 1 FROM account_previous_emails o
			  WHERE o.email_sha256 = %1$s AND o.account_id <> :account AND o.held_until = %2$s)
			THEN interval '1 second' ELSE interval '0 seconds' END""";

	/**
	 * The last step of closing an account: removes every payment method, marks it CLOSED and erases its
	 * personal data (name and email). Publishes {@link AccountClosed} in the same transaction so that other modules
	 * erase what they keep about the customer (the notices module: the recipient and body of every notice).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Account closeAndErase(String accountId) {
		Instant now = clock.instant();
		jdbc.sql("UPDATE payment_methods SET deleted_at = :at, is_default = false WHERE account_id = :account AND deleted_at IS NULL")
			.param("at", Timestamp.from(now))
			.param("account", accountId)
			.update();
		// A billing postcode is personal data; the cards themselves stay (masked) for the charges that name them.
		jdbc.sql("UPDATE payment_methods SET billing_postcode = NULL WHERE account_id = :account AND billing_postcode IS NOT NULL")
			.param("account", accountId)
			.update();
		String tombstone = Account.tombstoneEmail(accountId);
		// Each address is erased only from what was typed with it while this account held it: the current one since
		// the account's opening or the change that gave it the address, those it had before in their windows. An
		// address another account gave up in the very second this one took it: that second is the leaving account's.
		List<AccountErasing.PreviousEmail> previous = jdbc.sql("""
				SELECT p.email_sha256, p.held_from + %s AS held_from, p.held_until
				FROM account_previous_emails p WHERE p.account_id = :account"""
				.formatted(HANDED_OVER_SECOND.formatted("p.email_sha256", "p.held_from")))
			.param("account", accountId)
			.query((rs, row) -> new AccountErasing.PreviousEmail(rs.getString("email_sha256"),
					rs.getTimestamp("held_from").toInstant(), rs.getTimestamp("held_until").toInstant()))
			.list();
		Instant emailHeldFrom = jdbc.sql("""
				WITH held AS (
				  SELECT a.id, %s AS sha256, greatest(a.created_at,
				    (SELECT max(p.held_until) FROM account_previous_emails p WHERE p.account_id = a.id)) AS since
				  FROM accounts a WHERE a.id = :account)
				SELECT held.since + %s FROM held""".formatted(Account.SQL_EMAIL_HASH.formatted("a.email"),
				HANDED_OVER_SECOND.formatted("held.sha256", "held.since")))
			.param("account", accountId)
			.query((rs, row) -> rs.getTimestamp(1).toInstant())
			.single();
		events.publishEvent(new AccountErasing(accountId, get(accountId).email(), emailHeldFrom, previous));
		jdbc.sql("DELETE FROM account_previous_emails WHERE account_id = :account").param("account", accountId).update();
		jdbc.sql("""
				UPDATE accounts SET status = 'CLOSED', closed_at = :at, name = 'Erased customer', email = :tombstone
				WHERE id = :id
				""").param("at", Timestamp.from(now)).param("tombstone", tombstone).param("id", accountId).update();
		events.publishEvent(new AccountClosed(accountId, tombstone, now));
		Account closed = get(accountId);
		events.publishEvent(new DomainChange(EventType.ACCOUNT_CLOSED, closed));
		return closed;
	}

	/**
	 * An account's columns for a read of another module that joins {@code accounts} under the alias {@code a}, each
	 * named {@code holder_<column>}: read back with {@link #holder}. A caller that has the holder in the same statement
	 * as the rows it reads needs no read of its own ({@link #get}).
	 */
	public static final String HOLDER_COLUMNS = ACCOUNT_COLUMNS.replaceAll("(\\w+)", "a.$1 AS holder_$1");

	/** The account of a row read with {@link #HOLDER_COLUMNS}. */
	public static Account holder(ResultSet rs) throws SQLException {
		return new Account(rs.getString("holder_id"), rs.getString("holder_email"), rs.getString("holder_name"),
				rs.getString("holder_country"), rs.getString("holder_region"),
				Account.Status.valueOf(rs.getString("holder_status")), rs.getTimestamp("holder_created_at").toInstant(),
				rs.getLong("holder_seq"));
	}

	static Account mapAccount(ResultSet rs, int row) throws SQLException {
		return new Account(rs.getString("id"), rs.getString("email"), rs.getString("name"), rs.getString("country"),
				rs.getString("region"), Account.Status.valueOf(rs.getString("status")),
				rs.getTimestamp("created_at").toInstant(), rs.getLong("seq"));
	}

	static PaymentMethod mapPaymentMethod(ResultSet rs, int row) throws SQLException {
		return new PaymentMethod(rs.getString("id"), rs.getString("account_id"), rs.getString("gateway_token"),
				rs.getString("brand"), rs.getString("last4"), rs.getInt("exp_month"), rs.getInt("exp_year"),
				rs.getBoolean("is_default"), rs.getTimestamp("created_at").toInstant(), rs.getLong("seq"));
	}

	/** Mail goes to an account's email: one plain address, nothing a header would read as a name or a list. */
	private static void requirePlain(String email) {
		if (!dev.subdesk.shared.EmailAddresses.plain(email)) {
			throw SubdeskException.invalid("email", dev.subdesk.shared.EmailAddresses.RULE);
		}
	}
}
