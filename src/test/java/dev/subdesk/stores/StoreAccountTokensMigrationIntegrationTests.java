package dev.subdesk.stores;

import static dev.subdesk.testing.MigrationDatabase.connect;
import static dev.subdesk.testing.MigrationDatabase.migrateTo;
import static dev.subdesk.testing.MigrationDatabase.migrateToLatest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.MigrationDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * V680 on a database from before tokens were made at the opening: every open account without a token gets one, a
 * token asked for before is kept as it was, and a closed account gets none.
 */
class StoreAccountTokensMigrationIntegrationTests {

	@AutoClose
	private static final MigrationDatabase POSTGRES = MigrationDatabase.start();

	private static final UUID ASKED_BEFORE = UUID.fromString("5b0e7c1e-8a43-4d7e-9a5e-2f1d3c4b5a69");

	@Test
	void openAccountsWithoutATokenGetOneAndNothingElseChanges() throws Exception {
		String url = POSTGRES.newDatabase("tokens_");
		migrateTo(url, "621");
		try (Connection connection = connect(url); Statement statement = connection.createStatement()) {
			statement.execute("""
					INSERT INTO accounts (id, email, name, country, status, created_at) VALUES
					    ('acct_open', 'open@example.test', 'N', 'DE', 'ACTIVE', now()),
					    ('acct_asked', 'asked@example.test', 'N', 'DE', 'ACTIVE', now()),
					    ('acct_closed', 'closed@example.test', 'N', 'DE', 'CLOSED', now())""");
			statement.execute("UPDATE accounts SET closed_at = now() WHERE id = 'acct_closed'");
			statement.execute("INSERT INTO store_account_tokens (account_id, token, created_at) VALUES ('acct_asked', '"
					+ ASKED_BEFORE + "', now())");
		}
		migrateToLatest(url);

		try (Connection connection = connect(url)) {
			Map<String, UUID> tokens = tokens(connection);
			assertThat(tokens).containsOnlyKeys("acct_open", "acct_asked");
			assertThat(tokens.get("acct_asked")).as("the token the vendor's app has already").isEqualTo(ASKED_BEFORE);
			assertThat(tokens.get("acct_open")).isNotNull().isNotEqualTo(ASKED_BEFORE);
		}
	}

	private static Map<String, UUID> tokens(Connection connection) throws Exception {
		Map<String, UUID> tokens = new HashMap<>();
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT account_id, token FROM store_account_tokens")) {
			while (rs.next()) {
				tokens.put(rs.getString(1), rs.getObject(2, UUID.class));
			}
		}
		return tokens;
	}
}
