package dev.subdesk.stores;

import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.AccountOpened;
import dev.subdesk.accounts.Accounts;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The token Subdesk gives each account for the vendor's app: a random UUID, set as the App Store's
 * {@code appAccountToken} and Google Play's {@code obfuscatedExternalAccountId} when the customer buys in the app.
 * The stores report it back with every purchase, which ties the purchase to the account without telling the store
 * who the customer is. Made when the account is opened, deleted when it is closed: a later purchase under it opens a
 * case.
 */
@Service
public class StoreAccountTokens {

	private static final String SELECT_TOKEN = "SELECT token FROM store_account_tokens WHERE account_id = :account";

	private final JdbcClient jdbc;
	private final Accounts accounts;
	private final Clock clock;

	StoreAccountTokens(JdbcClient jdbc, Accounts accounts, Clock clock) {
		this.jdbc = jdbc;
		this.accounts = accounts;
		this.clock = clock;
	}

	/**
	 * The account's token: {@code 404} for no such account, {@code 409} for a closed one. A read: the token is made
	 * when the account is opened ({@link #on(AccountOpened)}; V680 made it for the accounts open before). Only an
	 * account opened by a node of the release before, during a rolling deploy after V680 ran, can still have none:
	 * that one is made here, once.
	 */
	@Transactional
	public UUID tokenFor(String accountId) {
		if (accounts.get(accountId).closed()) {
			throw new dev.subdesk.accounts.AccountClosedException(accountId);
		}
		return jdbc.sql(SELECT_TOKEN)
			.param("account", accountId)
			.query(UUID.class)
			.optional()
			.orElseGet(() -> {
				issue(accountId);
				return jdbc.sql(SELECT_TOKEN).param("account", accountId).query(UUID.class).single();
			});
	}

	/** The account a token belongs to; anything that is not one of our UUIDs belongs to none. */
	@Transactional(readOnly = true)
	public Optional<String> accountOf(String token) {
		UUID uuid;
		try {
			uuid = UUID.fromString(token.strip());
		}
		catch (IllegalArgumentException e) {
			return Optional.empty();
		}
		return jdbc.sql("SELECT account_id FROM store_account_tokens WHERE token = :token")
			.param("token", uuid)
			.query(String.class)
			.optional();
	}

	/**
	 * An account gets its token in the transaction that opens it, so that asking for it changes nothing. In process
	 * and synchronous, as {@link AccountOpened} requires.
	 */
	@EventListener
	void on(AccountOpened opened) {
		issue(opened.accountId());
	}

	private void issue(String accountId) {
		jdbc.sql("""
				INSERT INTO store_account_tokens (account_id, token, created_at) VALUES (:account, :token, :at)
				ON CONFLICT (account_id) DO NOTHING
				""")
			.param("account", accountId)
			.param("token", UUID.randomUUID())
			.param("at", Timestamp.from(clock.instant()))
			.update();
	}

	@EventListener
	void on(AccountClosed closed) {
		jdbc.sql("DELETE FROM store_account_tokens WHERE account_id = :account")
			.param("account", closed.accountId())
			.update();
	}
}
