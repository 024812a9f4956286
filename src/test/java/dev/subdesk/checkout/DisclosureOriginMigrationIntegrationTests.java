package dev.subdesk.checkout;

import static dev.subdesk.testing.MigrationDatabase.connect;
import static dev.subdesk.testing.MigrationDatabase.migrateTo;
import static dev.subdesk.testing.MigrationDatabase.migrateToLatest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.MigrationDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * V550/V551 on a database with disclosures written before them: nothing tells a page's from an integrator's, so each
 * is the API's, which the hosted checkout never shows again; a row written without an origin (a node of the release
 * before, during the deploy) is the API's too; and the origin's check is validated.
 */
class DisclosureOriginMigrationIntegrationTests {

	@AutoClose
	private static final MigrationDatabase POSTGRES = MigrationDatabase.start();

	@Test
	void disclosuresWrittenBeforeTheOriginWasRecordedAreTheApisAndTheCheckIsValidated() throws Exception {
		String url = POSTGRES.newDatabase("origin_");
		migrateTo(url, "535");
		try (Connection connection = connect(url)) {
			execute(connection, """
					INSERT INTO plans (code, name, products, term, price_amount, currency, device_limit, money_back_days,
					    position)
					VALUES ('origin-test-annual', 'Acme Test Plan, yearly', '{antivirus}', 'P1Y', 1000, 'USD', 3, 60, 1)""");
			execute(connection, """
					INSERT INTO accounts (id, email, name, country, status, created_at)
					VALUES ('acct_before', 'before@example.test', 'N', 'US', 'ACTIVE', now())""");
			disclosure(connection, "dsc_before");
		}
		migrateToLatest(url);

		try (Connection connection = connect(url)) {
			disclosure(connection, "dsc_old_node");
			assertThat(origins(connection)).containsExactlyInAnyOrderEntriesOf(
					Map.of("dsc_before", "API", "dsc_old_node", "API"));
			try (Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery(
							"SELECT convalidated FROM pg_constraint WHERE conname = 'disclosures_origin_check'")) {
				assertThat(rs.next()).isTrue();
				assertThat(rs.getBoolean(1)).as("V551 validated the check").isTrue();
			}
		}
	}

	/** A disclosure as the releases before V550 write it: no origin. */
	private static void disclosure(Connection connection, String id) throws Exception {
		try (PreparedStatement insert = connection.prepareStatement("""
				INSERT INTO disclosures (id, account_id, plan_code, jurisdiction, text, text_sha256, price_amount,
				    renewal_price_amount, currency, term, first_charge_at, rules, created_at, expires_at)
				VALUES (?, 'acct_before', 'origin-test-annual', 'US-TX', 'words', repeat('a', 64), 1000, 1000, 'USD', 'P1Y',
				    now(), '{}', now(), now() + interval '1 hour')""")) {
			insert.setString(1, id);
			insert.executeUpdate();
		}
	}

	private static Map<String, String> origins(Connection connection) throws Exception {
		Map<String, String> origins = new HashMap<>();
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT id, origin FROM disclosures")) {
			while (rs.next()) {
				origins.put(rs.getString(1), rs.getString(2));
			}
		}
		return origins;
	}

	private static void execute(Connection connection, String sql) throws Exception {
		try (Statement statement = connection.createStatement()) {
			statement.executeUpdate(sql);
		}
	}
}
