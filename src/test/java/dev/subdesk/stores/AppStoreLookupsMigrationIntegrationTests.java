package dev.subdesk.stores;

import static dev.subdesk.testing.MigrationDatabase.connect;
import static dev.subdesk.testing.MigrationDatabase.migrateTo;
import static dev.subdesk.testing.MigrationDatabase.migrateToLatest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.MigrationDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * V424-V426 on a database with App Store purchases kept before App Store lookups (V418 left them unscheduled): each is due
 * as {@link StoreLookups#dueAt} says of the subscription it bills, and Google Play's keep their schedule.
 */
class AppStoreLookupsMigrationIntegrationTests {

	private static final Instant END = Instant.parse("2026-11-10T10:00:00Z");

	@AutoClose
	private static final MigrationDatabase POSTGRES = MigrationDatabase.start();

	@Test
	void theAppStorePurchasesKeptAreDueAsTheirSubscriptionSays() throws Exception {
		String url = POSTGRES.url();
		migrateTo(url, "423");
		Instant grace = END.plus(Duration.ofDays(16));
		try (Connection c = connect(url)) {
			// only these rows matter here: the accounts and plans they name are left out
			c.createStatement().execute("SET session_replication_role = replica");
			purchase(c, "APP_STORE", "active", "ACTIVE", true, null, null);
			purchase(c, "APP_STORE", "retry", "PAST_DUE", true, null, END);
			purchase(c, "APP_STORE", "grace", "PAST_DUE", true, null, grace);
			purchase(c, "APP_STORE", "dunning", "PAST_DUE", true, null, null);
			purchase(c, "APP_STORE", "ending", "ACTIVE", false, END, null);
			purchase(c, "APP_STORE", "ended", "EXPIRED", true, null, null);
			purchase(c, "GOOGLE_PLAY", "google", "ACTIVE", true, null, null);
			c.createStatement().execute("UPDATE store_purchases SET lookup_due_at = 'epoch', lookup_for = 'epoch', lookups = 3"
					+ " WHERE store = 'GOOGLE_PLAY'");
		}
		migrateToLatest(url);

		Map<String, @Nullable Instant> due = new HashMap<>();
		try (Connection c = connect(url);
				ResultSet rs = c.createStatement()
					.executeQuery("SELECT purchase_id, lookup_due_at, lookup_for, lookups FROM store_purchases")) {
			while (rs.next()) {
				Timestamp at = rs.getTimestamp("lookup_due_at");
				assertThat(rs.getTimestamp("lookup_for")).isEqualTo(at);
				due.put(rs.getString("purchase_id"), at == null ? null : at.toInstant());
			}
		}
		Duration lag = StoreLookups.NOTICE_LAG;
		assertThat(due).containsEntry("active", END.plus(lag))
			.containsEntry("retry", END.plus(lag))
			.containsEntry("grace", grace.plus(lag))
			.containsEntry("dunning", END.plus(StoreLookups.DUNNING).plus(lag))
			.containsEntry("ending", null)
			.containsEntry("ended", null)
			.containsEntry("google", Instant.EPOCH);
	}

	private static void purchase(Connection c, String store, String id, String status, boolean autoRenew,
			@Nullable Instant cancelAt, @Nullable Instant graceUntil) throws Exception {
		try (PreparedStatement s = c.prepareStatement("""
				INSERT INTO subscriptions (id, account_id, plan_code, order_number, channel, status, auto_renew, term,
				                           anchor, period_index, current_period_start, current_period_end, cancel_at,
				                           price_amount, currency, device_limit, created_at, store_grace_until)
				VALUES (?, 'acct_x', 'antivirus-monthly', ?, ?, ?, ?, 'P1M', ?, 1, ?, ?, ?, 0, 'USD', 3, ?, ?)
				""")) {
			Instant start = END.minus(Duration.ofDays(30));
			s.setString(1, "sub_" + id);
			s.setString(2, "ORD-" + id);
			s.setString(3, store);
			s.setString(4, status);
			s.setBoolean(5, autoRenew);
			s.setTimestamp(6, Timestamp.from(start));
			s.setTimestamp(7, Timestamp.from(start));
			s.setTimestamp(8, Timestamp.from(END));
			s.setTimestamp(9, cancelAt == null ? null : Timestamp.from(cancelAt));
			s.setTimestamp(10, Timestamp.from(start));
			s.setTimestamp(11, graceUntil == null ? null : Timestamp.from(graceUntil));
			s.executeUpdate();
		}
		try (PreparedStatement p = c.prepareStatement("""
				INSERT INTO store_purchases (store, purchase_id, subscription_id, product_id, store_state, last_signed_at,
				                             updated_at)
				VALUES (?, ?, ?, 'antivirus-monthly', 'ACTIVE', now(), now())
				""")) {
			p.setString(1, store);
			p.setString(2, id);
			p.setString(3, "sub_" + id);
			p.executeUpdate();
		}
	}
}
