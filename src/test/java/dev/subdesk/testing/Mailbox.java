package dev.subdesk.testing;

import dev.subdesk.shared.EmailAddresses;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What reaches a customer's mailbox and never the API: the text of a one-time code notice (sign-in or
 * verification code), read from the database of the application that serves the API client's port: without a mail
 * server its text stays there while the code is valid (with one, it is erased once sent: read the mail server
 * instead). The test bases register their application's database; a test starting its own application registers it
 * itself.
 */
public final class Mailbox {

	private static final Map<Integer, JdbcClient> DATABASES = new ConcurrentHashMap<>();

	private Mailbox() {
	}

	/** The database of the application listening on {@code port}. */
	public static void register(int port, JdbcClient jdbc) {
		DATABASES.put(port, jdbc);
	}

	/**
	 * How long a read waits for the sign-in codes in flight: a SIGN_IN_CODE notice is written after its request has
	 * committed, off the request's thread (intake.SignInCodeNotices), so it may not be there yet when the answer is.
	 */
	private static final Duration CODES_IN_FLIGHT = Duration.ofSeconds(10);

	/**
	 * The full text of the newest notice of {@code type} on the account, as its email carried it. For a SIGN_IN_CODE,
	 * once the account's codes asked for before have been mailed ({@link #awaitSignInCodesMailed}).
	 */
	public static String latestBody(Api api, String accountId, String type) {
		JdbcClient jdbc = database(api);
		if ("SIGN_IN_CODE".equals(type)) {
			awaitSignInCodesMailed(api, accountId);
		}
		return jdbc.sql("""
				SELECT n.body || coalesce(f.text, '') FROM notices n LEFT JOIN notice_footers f ON f.id = n.footer_id
				WHERE n.account_id = :account AND n.type = :type AND n.body IS NOT NULL
				ORDER BY n.created_at DESC, n.seq DESC LIMIT 1
				""")
			.param("account", accountId)
			.param("type", type)
			.query(String.class)
			.optional()
			.orElseThrow(() -> new AssertionError("No " + type + " notice for " + accountId));
	}

	/**
	 * The full text of the newest notice of {@code type} sent to {@code address} (by the rule of addresses), whether
	 * or not an account has it: a sign-in code sent for an account that checkout opens only once the code is entered.
	 */
	public static String latestBodyTo(Api api, String address, String type) {
		JdbcClient jdbc = database(api);
		if ("SIGN_IN_CODE".equals(type)) {
			awaitCodesMailed(jdbc, "email = :key", "key", EmailAddresses.key(jdbc, address));
		}
		return jdbc.sql("""
				SELECT n.body || coalesce(f.text, '') FROM notices n LEFT JOIN notice_footers f ON f.id = n.footer_id
				WHERE lower(n.recipient) = lower(:to) AND n.type = :type AND n.body IS NOT NULL
				ORDER BY n.created_at DESC, n.seq DESC LIMIT 1
				""")
			.param("to", address.strip())
			.param("type", type)
			.query(String.class)
			.optional()
			.orElseThrow(() -> new AssertionError("No " + type + " notice to " + address));
	}

	/**
	 * Waits, up to {@link #CODES_IN_FLIGHT}, until every live sign-in code of the account asked for so far has its
	 * notice: what a customer does who waits for the email. Gives up quietly (the read after it says what is missing):
	 * a code ended or whose account closed before its notice was written never gets one.
	 */
	public static void awaitSignInCodesMailed(Api api, String accountId) {
		awaitCodesMailed(database(api), "account_id = :account", "account", accountId);
	}

	private static void awaitCodesMailed(JdbcClient jdbc, String which, String param, String value) {
		try {
			Awaitility.await("the sign-in codes' notices")
				.atMost(CODES_IN_FLIGHT)
				.pollInterval(Duration.ofMillis(20))
				.pollDelay(Duration.ZERO)
				.until(() -> jdbc.sql("""
						SELECT count(*) FROM portal_sign_in_codes
						WHERE %s AND notified_at IS NULL AND used_at IS NULL
						  AND (account_id IS NOT NULL OR pending_email IS NOT NULL)
						""".formatted(which)).param(param, value).query(Long.class).single() == 0);
		}
		catch (ConditionTimeoutException e) {
			// left to the read
		}
	}

	private static JdbcClient database(Api api) {
		int port = URI.create(api.base()).getPort();
		JdbcClient jdbc = DATABASES.get(port);
		if (jdbc == null) {
			throw new IllegalStateException("No database registered for the application on port " + port);
		}
		return jdbc;
	}
}
