package dev.subdesk.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * An embedded PostgreSQL server of a test's own, not the application's: for the tests of a migration (a database
 * migrated to a version, given rows as the schema then was, then migrated to the latest) and of a database an
 * operator names. Its databases are UTF-8 with the builtin C.UTF-8 locale. A test class starts one and closes it
 * ({@code @AutoClose}).
 */
public final class MigrationDatabase implements AutoCloseable {

	private final EmbeddedPostgres server;

	private MigrationDatabase(EmbeddedPostgres server) {
		this.server = server;
	}

	public static MigrationDatabase start() {
		try {
			return new MigrationDatabase(EmbeddedPostgres.builder()
				.setLocaleConfig("locale-provider", "builtin")
				.setLocaleConfig("builtin-locale", "C.UTF-8")
				.setLocaleConfig("encoding", "UTF8")
				// as the server's (DatabaseConfiguration): 10 s is too short on a busy machine
				.setPGStartupWait(java.time.Duration.ofSeconds(60))
				.start());
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The JDBC URL of the server's own database, {@code postgres}. */
	public String url() {
		return server.getJdbcUrl("postgres", "postgres");
	}

	/** A new, empty database on the server, named {@code prefix} and a random tail; its JDBC URL. */
	public String newDatabase(String prefix) throws SQLException {
		String name = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		try (Connection connection = connect(url()); Statement create = connection.createStatement()) {
			create.execute("CREATE DATABASE " + name);
		}
		return server.getJdbcUrl("postgres", name);
	}

	/** A connection to the database of {@code url}, as the user postgres. */
	public static Connection connect(String url) throws SQLException {
		return DriverManager.getConnection(url, "postgres", "");
	}

	/**
	 * Flyway on the database of {@code url}, with the application's migrations, as the application runs them
	 * (application.properties): a concurrent index build waits for no lock of Flyway's.
	 */
	public static FluentConfiguration flyway(String url) {
		return Flyway.configure()
			.dataSource(url, "postgres", "")
			.locations("classpath:db/migration")
			.configuration(Map.of("flyway.postgresql.transactional.lock", "false"));
	}

	/** Migrates the database of {@code url} up to {@code version}, included. */
	public static void migrateTo(String url, String version) {
		flyway(url).target(version).load().migrate();
	}

	/** Migrates the database of {@code url} to the newest migration. */
	public static void migrateToLatest(String url) {
		flyway(url).load().migrate();
	}

	@Override
	public void close() throws IOException {
		server.close();
	}
}
