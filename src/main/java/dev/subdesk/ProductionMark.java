package dev.subdesk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * A database that has been started in production mode is never opened in demo mode: demo mode shows every e-mail of
 * the database at {@code /demo/mailbox} to anyone (a customer's sign-in code, so their account), and turns on the
 * test clock, a generated API key and the console's demo users.
 * <p>
 * Every production start writes the one row of {@code production_mark} (V448) after the migrations, if it is not
 * there yet; nothing deletes it. Every demo start looks, when its pool is made and before anything else (Flyway
 * included) touches the database, for either sign of production:
 * <ul>
 * <li>the mark;
 * <li>for a database a release before the mark started in production mode: Flyway's history, where a schema
 * migration newer than a demo migration ({@value OperatingMode#DEMO_LOCATION}: the demo catalog V2, the demo products
 * V231) was applied without that demo migration before it. Only a migration without the demo location does that,
 * which is a production start (a demo start applies them in version order, in the same run). A new demo migration
 * must therefore take a version above every schema migration there is when it is added, as V231 did.</li>
 * </ul>
 * The rows themselves tell nothing: an account, a subscription or a notice is the same whichever mode made it.
 */
@Component
@DependsOnDatabaseInitialization
@ConditionalOnProperty(name = OperatingMode.DEMO_MODE, havingValue = "false")
class ProductionMark implements InitializingBean {

	private static final Pattern DEMO_MIGRATION = Pattern.compile("V(\\d+)__[^/]*\\.sql");

	private final JdbcClient jdbc;

	private final Clock clock;

	ProductionMark(JdbcClient jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	/** Marks the database as started in production mode, before the server takes its first request. */
	@Override
	public void afterPropertiesSet() {
		jdbc.sql("INSERT INTO production_mark (first_started_at) VALUES (:now) ON CONFLICT (only_row) DO NOTHING")
			.param("now", java.sql.Timestamp.from(clock.instant()))
			.update();
	}

	/**
	 * Refuses a demo start on a database that has been started in production mode; reads only.
	 * @param historyTable Flyway's schema history table ({@code spring.flyway.table})
	 */
	static void refuseDemoModeIfProduction(DataSource dataSource, String historyTable) {
		JdbcClient jdbc = JdbcClient.create(dataSource);
		Optional<String> evidence = marked(jdbc).or(() -> migratedWithoutTheDemoLocation(jdbc, historyTable));
		if (evidence.isPresent()) {
			throw new DemoModeOnAProductionDatabase(evidence.get());
		}
	}

	private static Optional<String> marked(JdbcClient jdbc) {
		if (!exists(jdbc, "production_mark")) {
			return Optional.empty();
		}
		return jdbc.sql("SELECT to_char(first_started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' FROM production_mark")
			.query(String.class)
			.optional()
			.map(first -> "it was first started in production mode at " + first + " (table production_mark)");
	}

	private static Optional<String> migratedWithoutTheDemoLocation(JdbcClient jdbc, String historyTable) {
		if (!exists(jdbc, historyTable)) {
			return Optional.empty();
		}
		for (String version : demoMigrations()) {
			Optional<String> later = jdbc.sql("""
					SELECT later.version FROM %1$s later
					WHERE later.success
					  AND CASE WHEN later.version ~ '^[0-9]+$' THEN CAST(later.version AS numeric) END > CAST(:version AS numeric)
					  AND NOT EXISTS (SELECT 1 FROM %1$s demo
					                  WHERE demo.version = :version AND demo.success
					                    AND demo.installed_rank < later.installed_rank)
					ORDER BY later.installed_rank
					LIMIT 1
					""".formatted(quoted(historyTable))).param("version", version).query(String.class).optional();
			if (later.isPresent()) {
				return Optional.of("its schema history (" + historyTable + ") shows V" + later.get()
						+ " applied without the demo migration V" + version + " before it, which only a production-mode "
						+ "start does");
			}
		}
		return Optional.empty();
	}

	/** The versions of the demo location's migrations, the oldest first. */
	static List<String> demoMigrations() {
		try {
			List<String> versions = new ArrayList<>();
			for (Resource resource : new PathMatchingResourcePatternResolver()
				.getResources(OperatingMode.DEMO_LOCATION + "/V*__*.sql")) {
				Matcher m = DEMO_MIGRATION.matcher(String.valueOf(resource.getFilename()));
				if (m.matches()) {
					versions.add(m.group(1));
				}
			}
			if (versions.isEmpty()) {
				throw new IllegalStateException("no migrations found in " + OperatingMode.DEMO_LOCATION);
			}
			versions.sort(java.util.Comparator.comparingLong(Long::parseLong));
			return versions;
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static boolean exists(JdbcClient jdbc, String table) {
		return Boolean.TRUE.equals(jdbc.sql("SELECT to_regclass(:table) IS NOT NULL")
			.param("table", quoted(table))
			.query(Boolean.class)
			.single());
	}

	private static String quoted(String identifier) {
		return "\"" + identifier.replace("\"", "\"\"") + "\"";
	}

	/** A demo start refused: the database has served in production mode. */
	static final class DemoModeOnAProductionDatabase extends IllegalStateException {

		private static final long serialVersionUID = 1L;

		DemoModeOnAProductionDatabase(String evidence) {
			super("Demo mode (SUBDESK_MODE=demo, or no database configured) refuses to start on this database: "
					+ evidence + ". In demo mode anyone who can reach the server reads every e-mail at /demo/mailbox, "
					+ "customers' sign-in codes included, and so could sign in as any customer; the test clock, a "
					+ "generated API key and the console's demo users would be on too. A database that has been started "
					+ "in production mode is never opened in demo mode:\n"
					+ " - To run this database, start in production mode: remove SUBDESK_MODE=demo (or set "
					+ "SUBDESK_MODE=production).\n"
					+ " - To try Subdesk in demo mode, give it a database of its own: point SUBDESK_DB_URL at a new, "
					+ "empty database, or leave it unset for the embedded one.");
		}
	}

	/** Prints the refusal as Spring Boot's "APPLICATION FAILED TO START" report, without a stack trace. */
	static final class RefusalReport
			extends org.springframework.boot.diagnostics.AbstractFailureAnalyzer<DemoModeOnAProductionDatabase> {

		@Override
		protected org.springframework.boot.diagnostics.FailureAnalysis analyze(Throwable root,
				DemoModeOnAProductionDatabase cause) {
			return new org.springframework.boot.diagnostics.FailureAnalysis(cause.getMessage(),
					"Start in production mode, or give demo mode a new, empty database.", cause);
		}
	}
}
