package dev.subdesk.testing;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

	/** The full text of the newest notice of {@code type} on the account, as its email carried it. */
	public static String latestBody(Api api, String accountId, String type) {
		int port = URI.create(api.base()).getPort();
		JdbcClient jdbc = DATABASES.get(port);
		if (jdbc == null) {
			throw new IllegalStateException("No database registered for the application on port " + port);
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
		int port = URI.create(api.base()).getPort();
		JdbcClient jdbc = DATABASES.get(port);
		if (jdbc == null) {
			throw new IllegalStateException("No database registered for the application on port " + port);
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
}
