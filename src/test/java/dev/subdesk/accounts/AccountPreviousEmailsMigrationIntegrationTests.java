package dev.subdesk.accounts;

import static dev.subdesk.testing.MigrationDatabase.connect;
import static dev.subdesk.testing.MigrationDatabase.migrateTo;
import static dev.subdesk.testing.MigrationDatabase.migrateToLatest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.testing.MigrationDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The windows of account_previous_emails on a database that had rows before they had windows (V390 kept only the
 * change that gave an address up): after the migrations, each address is held from the change that gave it to the
 * account (the one that gave up the address before), not from the account's opening, so that the closure does not
 * erase what an earlier holder of the address typed with it. Rows written with windows (since V397) stay as they are.
 */
class AccountPreviousEmailsMigrationIntegrationTests {

	@AutoClose
	private static final MigrationDatabase POSTGRES = MigrationDatabase.start();

	record Held(String account, String sha256, Instant from, Instant until) {
	}

	@Test
	void convertedRowsAreHeldFromTheChangeThatGaveTheAddressNotFromTheOpening() throws Exception {
		String url = POSTGRES.newDatabase("previous_");
		migrateTo(url, "390");
		Instant opened = Instant.parse("2026-01-01T00:00:00Z");
		Instant toX = Instant.parse("2026-02-01T00:00:00Z");
		Instant fromX = Instant.parse("2026-03-01T00:00:00Z");
		Instant earlierOpened = Instant.parse("2025-12-01T00:00:00Z");
		Instant earlierGaveUpX = Instant.parse("2026-01-15T00:00:00Z");
		String w = hash("w@example.test");
		String x = hash("x@example.test");
		try (Connection connection = connect(url)) {
			// the earlier holder of x, and the account that had w, then x (from the earlier holder), then z
			account(connection, "acct_earlier", "e2@example.test", earlierOpened);
			account(connection, "acct_mover", "z@example.test", opened);
			account(connection, "acct_once", "o2@example.test", opened);
			legacy(connection, "acct_earlier", x, earlierGaveUpX);
			legacy(connection, "acct_mover", w, toX);
			legacy(connection, "acct_mover", x, fromX);
			legacy(connection, "acct_once", hash("o@example.test"), toX);
		}
		migrateTo(url, "397");
		try (Connection connection = connect(url)) {
			// written by changeEmail since V397: already exact, so left as they are
			account(connection, "acct_new", "n3@example.test", opened);
			held(connection, "acct_new", hash("n1@example.test"), opened, toX);
			held(connection, "acct_new", hash("n2@example.test"), toX, fromX);
			held(connection, "acct_new", hash("n1b@example.test"), fromX, fromX);
		}
		migrateToLatest(url);

		try (Connection connection = connect(url)) {
			assertThat(windows(connection)).containsExactlyInAnyOrder(
					new Held("acct_earlier", x, earlierOpened, earlierGaveUpX),
					new Held("acct_mover", w, opened, toX),
					new Held("acct_mover", x, toX, fromX),
					new Held("acct_once", hash("o@example.test"), opened, toX),
					new Held("acct_new", hash("n1@example.test"), opened, toX),
					new Held("acct_new", hash("n2@example.test"), toX, fromX),
					new Held("acct_new", hash("n1b@example.test"), fromX, fromX));
		}
	}

	/** The hash the table holds of an ASCII address (the one rule of addresses lower-cases ASCII as Java does). */
	private static String hash(String email) {
		return EmailAddresses.keyHash(email.toLowerCase(java.util.Locale.ROOT));
	}

	private static void account(Connection connection, String id, String email, Instant at) throws Exception {
		try (PreparedStatement insert = connection.prepareStatement("""
				INSERT INTO accounts (id, email, name, country, status, created_at) VALUES (?, ?, 'N', 'IE', 'ACTIVE', ?)""")) {
			insert.setString(1, id);
			insert.setString(2, email);
			insert.setTimestamp(3, Timestamp.from(at));
			insert.executeUpdate();
		}
	}

	/** A row as V390 kept it: the address's hash and the change that gave it up. */
	private static void legacy(Connection connection, String account, String sha256, Instant changedAt) throws Exception {
		try (PreparedStatement insert = connection.prepareStatement(
				"INSERT INTO account_previous_emails (account_id, email_sha256, changed_at) VALUES (?, ?, ?)")) {
			insert.setString(1, account);
			insert.setString(2, sha256);
			insert.setTimestamp(3, Timestamp.from(changedAt));
			insert.executeUpdate();
		}
	}

	private static void held(Connection connection, String account, String sha256, Instant from, Instant until)
			throws Exception {
		try (PreparedStatement insert = connection.prepareStatement("""
				INSERT INTO account_previous_emails (account_id, email_sha256, held_from, held_until) VALUES (?, ?, ?, ?)""")) {
			insert.setString(1, account);
			insert.setString(2, sha256);
			insert.setTimestamp(3, Timestamp.from(from));
			insert.setTimestamp(4, Timestamp.from(until));
			insert.executeUpdate();
		}
	}

	private static List<Held> windows(Connection connection) throws Exception {
		List<Held> windows = new ArrayList<>();
		try (PreparedStatement select = connection.prepareStatement(
				"SELECT account_id, email_sha256, held_from, held_until FROM account_previous_emails");
				ResultSet rs = select.executeQuery()) {
			while (rs.next()) {
				windows.add(new Held(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
						rs.getTimestamp(4).toInstant()));
			}
		}
		return windows;
	}
}
