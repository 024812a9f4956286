package dev.subdesk.subscriptions;

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
 * V462 on a database whose R-CA-6 marks were set when a discount was accepted (V450-V451_1): a current period marked
 * as begun by a discounted renewal keeps the mark only if that renewal charged the discount; one whose renewal applied
 * a plan's new price instead (a cut below the discount) loses it, and a discount accepted for a renewal still to come
 * keeps its mark for that renewal to decide.
 */
class DiscountedRenewalCorrectionMigrationIntegrationTests {

	private static final Instant START = Instant.parse("2026-11-10T10:00:00Z");

	private static final Instant END = START.plus(Duration.ofDays(365));

	@AutoClose
	private static final MigrationDatabase POSTGRES = MigrationDatabase.start();

	@Test
	void aPeriodWhoseRenewalChargedAPlansNewPriceInsteadOfTheAcceptedDiscountIsNoLongerAPromotion() throws Exception {
		String url = POSTGRES.url();
		migrateTo(url, "451.1");
		try (Connection c = connect(url)) {
			// only these rows matter here: the accounts, plans and cards they name are left out
			c.createStatement().execute("SET session_replication_role = replica");
			// the discount charged at the renewal that began the period: a promotion
			subscription(c, "charged", START);
			offer(c, "charged", 4499);
			charge(c, "charged", 4499);
			// a cut to 39.99 applied at that renewal instead: charged the cut, no promotion
			subscription(c, "cut", START);
			offer(c, "cut", 4499);
			charge(c, "cut", 3999);
			applied(c, "cut", START.plusSeconds(60));
			// a cut to the discount's very price applied there: the new price, no promotion either
			subscription(c, "cutToTheDiscount", START);
			offer(c, "cutToTheDiscount", 4499);
			charge(c, "cutToTheDiscount", 4499);
			applied(c, "cutToTheDiscount", START.plusSeconds(60));
			// accepted for the renewal still to come: that renewal decides
			subscription(c, "toCome", END);
			offer(c, "toCome", 4499);
		}
		migrateToLatest(url);

		Map<String, @Nullable Instant> marks = new HashMap<>();
		try (Connection c = connect(url);
				ResultSet rs = c.createStatement().executeQuery("SELECT id, discounted_renewal_at FROM subscriptions")) {
			while (rs.next()) {
				Timestamp at = rs.getTimestamp("discounted_renewal_at");
				marks.put(rs.getString("id"), at == null ? null : at.toInstant());
			}
		}
		assertThat(marks).containsEntry("sub_charged", START)
			.containsEntry("sub_cut", null)
			.containsEntry("sub_cutToTheDiscount", null)
			.containsEntry("sub_toCome", END)
			.hasSize(4);
	}

	private static void subscription(Connection c, String id, Instant mark) throws Exception {
		try (PreparedStatement s = c.prepareStatement("""
				INSERT INTO subscriptions (id, account_id, plan_code, order_number, channel, status, auto_renew, term,
				                           anchor, period_index, current_period_start, current_period_end, next_attempt_at,
				                           price_amount, currency, device_limit, created_at, discounted_renewal_at)
				VALUES (?, 'acct_x', 'vpn-annual', ?, 'DIRECT', 'ACTIVE', true, 'P1Y', ?, 1, ?, ?, ?, 5999, 'USD', 3, ?, ?)
				""")) {
			s.setString(1, "sub_" + id);
			s.setString(2, "ORD-" + id);
			s.setTimestamp(3, Timestamp.from(START.minus(Duration.ofDays(365))));
			s.setTimestamp(4, Timestamp.from(START));
			s.setTimestamp(5, Timestamp.from(END));
			s.setTimestamp(6, Timestamp.from(END));
			s.setTimestamp(7, Timestamp.from(START.minus(Duration.ofDays(365))));
			s.setTimestamp(8, Timestamp.from(mark));
			s.executeUpdate();
		}
	}

	/** A DISCOUNT accepted in the period before {@link #START}. */
	private static void offer(Connection c, String id, long discounted) throws Exception {
		try (PreparedStatement s = c.prepareStatement("""
				INSERT INTO offers (id, subscription_id, period_start, kind, description, discounted_price, status,
				                    expires_at, created_at, answered_at)
				VALUES (?, ?, ?, 'DISCOUNT', 'Stay', ?, 'ACCEPTED', ?, ?, ?)
				""")) {
			Instant made = START.minus(Duration.ofDays(60));
			s.setString(1, "off_" + id);
			s.setString(2, "sub_" + id);
			s.setTimestamp(3, Timestamp.from(START.minus(Duration.ofDays(365))));
			s.setLong(4, discounted);
			s.setTimestamp(5, Timestamp.from(made.plus(Duration.ofDays(1))));
			s.setTimestamp(6, Timestamp.from(made));
			s.setTimestamp(7, Timestamp.from(made));
			s.executeUpdate();
		}
	}

	/** The renewal charge of the period from {@link #START}. */
	private static void charge(Connection c, String id, long amount) throws Exception {
		try (PreparedStatement s = c.prepareStatement("""
				INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
				                     payment_method_id, gateway_key, created_at)
				VALUES (?, 'acct_x', ?, ?, 'USD', 'SUCCEEDED', ?, ?, 'pm_x', ?, ?)
				""")) {
			s.setString(1, "ch_" + id);
			s.setString(2, "sub_" + id);
			s.setLong(3, amount);
			s.setTimestamp(4, Timestamp.from(START));
			s.setTimestamp(5, Timestamp.from(END));
			s.setString(6, "renewal_sub_" + id + "_p2_a0");
			s.setTimestamp(7, Timestamp.from(START.plusSeconds(60)));
			s.executeUpdate();
		}
	}

	/** A plan's price change applied at the renewal that began the period. */
	private static void applied(Connection c, String id, Instant at) throws Exception {
		try (PreparedStatement s = c.prepareStatement("""
				INSERT INTO subscription_price_changes (subscription_id, price_change_id, old_amount, new_amount, currency,
				                                        renewal_at, notice_sent_at, consent_required, status, resolved_at)
				VALUES (?, ?, 5999, 3999, 'USD', ?, ?, false, 'APPLIED', ?)
				""")) {
			s.setString(1, "sub_" + id);
			s.setString(2, "ppc_" + id);
			s.setTimestamp(3, Timestamp.from(START));
			s.setTimestamp(4, Timestamp.from(START.minus(Duration.ofDays(30))));
			s.setTimestamp(5, Timestamp.from(at));
			s.executeUpdate();
		}
	}
}
