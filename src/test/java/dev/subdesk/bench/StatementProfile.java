package dev.subdesk.bench;

import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Where PostgreSQL spent its time during a benchmark, when the server runs with pg_stat_statements (pass
 * {@code --subdesk.embedded-server-config.shared_preload_libraries=pg_stat_statements}); nothing otherwise.
 */
public final class StatementProfile {

	private StatementProfile() {
	}

	/** Forgets what was measured so far (the seeding, an earlier phase). */
	public static void reset(DataSource dataSource) {
		JdbcClient jdbc = JdbcClient.create(dataSource);
		if (available(jdbc)) {
			jdbc.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").update();
			jdbc.sql("SELECT pg_stat_statements_reset()").query().listOfRows();
		}
	}

	/** Prints the statements that took the most time since the last {@link #reset}. */
	public static void print(DataSource dataSource) {
		JdbcClient jdbc = JdbcClient.create(dataSource);
		if (!available(jdbc)) {
			return;
		}
		jdbc.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").update();
		System.out.println("top statements by total time in PostgreSQL:");
		jdbc.sql("""
				SELECT calls, round(total_exec_time) AS ms, regexp_replace(left(query, 110), '[[:space:]]+', ' ', 'g') AS q
				FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12
				""").query((rs, n) -> "  %7d calls %7d ms  %s".formatted(rs.getLong(1), rs.getLong(2), rs.getString(3)))
			.list()
			.forEach(System.out::println);
	}

	private static boolean available(JdbcClient jdbc) {
		return jdbc.sql("""
				SELECT count(*) FROM pg_settings
				WHERE name = 'shared_preload_libraries' AND setting LIKE '%pg_stat_statements%'
				""").query(Long.class).single() > 0;
	}
}
