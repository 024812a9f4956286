package dev.subdesk.testing;

import dev.subdesk.shared.Ids;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Seeds customers with a VISA card and a monthly subscription whose renewal is due at {@code dueAt}, straight
 * into PostgreSQL with COPY: the way a migration from another billing system would arrive, and fast enough to
 * seed a million rows for the renewal benchmark.
 */
public final class RenewalSeeder {

	private static final int CHUNK = 50_000;

	private RenewalSeeder() {
	}

	/** Seeds {@code count} due subscriptions; returns the id prefix shared by every seeded row. */
	public static String seed(DataSource dataSource, int count, Instant dueAt) {
		String run = UUID.randomUUID().toString().replace("-", "").substring(0, 8).toUpperCase();
		Instant anchor = dueAt.atZone(ZoneOffset.UTC).minusMonths(1).toInstant();
		Set<String> orderNumbers = new HashSet<>(count * 2);
		try (Connection connection = dataSource.getConnection()) {
			CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
			for (int from = 0; from < count; from += CHUNK) {
				int to = Math.min(count, from + CHUNK);
				StringBuilder accounts = new StringBuilder();
				StringBuilder methods = new StringBuilder();
				StringBuilder subscriptions = new StringBuilder();
				for (int i = from; i < to; i++) {
					String key = run + "_" + i;
					String order;
					do {
						order = Ids.orderNumber();
					}
					while (!orderNumbers.add(order));
					accounts.append("acct_S").append(key).append(",seed-").append(key).append("@example.com,Seeded customer ")
						.append(i).append(",DE,ACTIVE,").append(anchor).append('\n');
					methods.append("pm_S").append(key).append(",acct_S").append(key).append(",tok_visa,VISA,4242,12,2030,t,")
						.append(anchor).append('\n');
					subscriptions.append("sub_S").append(key).append(",acct_S").append(key)
						.append(",antivirus-monthly,").append(order).append(",DIRECT,ACTIVE,t,P1M,").append(anchor)
						.append(",0,").append(anchor).append(',').append(dueAt).append(",pm_S").append(key)
						.append(",699,USD,3,").append(anchor).append(',').append(dueAt).append(',').append(dueAt).append('\n');
				}
				copy.copyIn("COPY accounts (id, email, name, country, status, created_at) FROM STDIN (FORMAT csv)",
						reader(accounts));
				copy.copyIn("""
						COPY payment_methods (id, account_id, gateway_token, brand, last4, exp_month, exp_year, is_default,
						    created_at) FROM STDIN (FORMAT csv)""", reader(methods));
				copy.copyIn("""
						COPY subscriptions (id, account_id, plan_code, order_number, channel, status, auto_renew, term,
						    anchor, period_index, current_period_start, current_period_end, payment_method_id, price_amount,
						    currency, device_limit, created_at, next_attempt_at, reminded_for) FROM STDIN (FORMAT csv)""",
						reader(subscriptions));
			}
			try (var statement = connection.createStatement()) {
				statement.execute("ANALYZE subscriptions");
			}
		}
		catch (SQLException | IOException e) {
			throw new IllegalStateException("Seeding failed", e);
		}
		return "sub_S" + run + "_";
	}

	private static Reader reader(StringBuilder csv) {
		return new StringReader(csv.toString());
	}
}
