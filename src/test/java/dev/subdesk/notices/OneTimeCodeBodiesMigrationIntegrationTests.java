package dev.subdesk.notices;

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
 * V436 on a database whose one-time code notices kept their text (before V435): the text of every one whose code has
 * expired (10 minutes), or that the mail server took or refused for good, is erased, with its copy in the outbox; one
 * still valid and unsent keeps it until its expiry, which notice_body_expiries now holds. Other notices keep theirs.
 */
class OneTimeCodeBodiesMigrationIntegrationTests {

	@AutoClose
	private static final MigrationDatabase POSTGRES = MigrationDatabase.start();

	@Test
	void theTextOfExpiredSentOrFailedCodeNoticesIsErasedAndALiveOneGetsItsExpiry() throws Exception {
		String url = POSTGRES.newDatabase("codes_");
		migrateTo(url, "423");
		try (Connection connection = connect(url);
				Statement sql = connection.createStatement()) {
			sql.execute("""
					INSERT INTO accounts (id, email, name, country, status, created_at)
					VALUES ('acct_m', 'm@example.test', 'N', 'IE', 'ACTIVE', now() - interval '1 day')""");
			notice(sql, "ntc_old_code", "SIGN_IN_CODE", "now() - interval '11 minutes'", "NULL", "NULL");
			notice(sql, "ntc_old_verification", "VERIFICATION_CODE", "now() - interval '2 days'", "NULL", "NULL");
			notice(sql, "ntc_live_code", "SIGN_IN_CODE", "now() - interval '1 minute'", "NULL", "NULL");
			notice(sql, "ntc_sent_code", "SIGN_IN_CODE", "now() - interval '1 minute'", "now()", "NULL");
			notice(sql, "ntc_failed_code", "VERIFICATION_CODE", "now() - interval '1 minute'", "NULL", "'550 refused'");
			notice(sql, "ntc_retried_code", "SIGN_IN_CODE", "now() - interval '1 minute'", "NULL", "NULL");
			notice(sql, "ntc_queued_old_code", "SIGN_IN_CODE", "now() - interval '1 hour'", "NULL", "NULL");
			notice(sql, "ntc_old_welcome", "WELCOME", "now() - interval '2 days'", "NULL", "NULL");
			sql.execute("INSERT INTO notice_outbox (notice_id) VALUES ('ntc_retried_code')");
			// an account closed while it was queued: its text copied into the outbox
			sql.execute("""
					INSERT INTO notice_outbox (notice_id, recipient, subject, body)
					VALUES ('ntc_queued_old_code', 'm@example.test', 'Your code', 'Your code is 123456')""");
		}

		migrateToLatest(url);

		try (Connection connection = connect(url)) {
			Map<String, String> bodies = strings(connection, "SELECT id, body FROM notices");
			assertThat(bodies).containsEntry("ntc_old_code", null)
				.containsEntry("ntc_old_verification", null)
				.containsEntry("ntc_sent_code", null)
				.containsEntry("ntc_failed_code", null)
				.containsEntry("ntc_queued_old_code", null)
				.containsEntry("ntc_live_code", "Your code is ntc_live_code")
				.containsEntry("ntc_retried_code", "Your code is ntc_retried_code")
				.containsEntry("ntc_old_welcome", "Your code is ntc_old_welcome");
			assertThat(strings(connection, "SELECT notice_id, body FROM notice_outbox"))
				.containsEntry("ntc_queued_old_code", null);
			assertThat(strings(connection, """
					SELECT e.notice_id, CAST(e.expires_at = n.created_at + interval '10 minutes' AS text)
					FROM notice_body_expiries e JOIN notices n ON n.id = e.notice_id"""))
				.as("the live ones erased at their expiry from now on")
				.containsOnly(Map.entry("ntc_live_code", "true"), Map.entry("ntc_retried_code", "true"));
		}
	}

	private static void notice(Statement sql, String id, String type, String createdAt, String sentAt, String error)
			throws Exception {
		sql.execute("""
				INSERT INTO notices (id, account_id, type, recipient, subject, body, related_id, created_at, sent_at,
				  delivery_error)
				VALUES ('%1$s', 'acct_m', '%2$s', 'm@example.test', 'Subject', 'Your code is %1$s', '%1$s', %3$s, %4$s, %5$s)
				""".formatted(id, type, createdAt, sentAt, error));
	}

	private static Map<String, String> strings(Connection connection, String query) throws Exception {
		Map<String, String> rows = new HashMap<>();
		try (PreparedStatement select = connection.prepareStatement(query); ResultSet rs = select.executeQuery()) {
			while (rs.next()) {
				rows.put(rs.getString(1), rs.getString(2));
			}
		}
		return rows;
	}
}
