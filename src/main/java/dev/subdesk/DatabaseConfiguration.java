package dev.subdesk;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.FileSystemUtils;

/**
 * The one database: an external PostgreSQL when {@code SUBDESK_DB_URL} is set, otherwise an embedded
 * PostgreSQL 17 whose data lives in {@code SUBDESK_DATA_DIR} and survives restarts.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

	private static final Logger log = LoggerFactory.getLogger(DatabaseConfiguration.class);

	@Bean
	EmbeddedDatabase embeddedDatabase(SubdeskProperties properties) {
		if (properties.externalDatabase()) {
			return new EmbeddedDatabase(null, null);
		}
		Path dir = Path.of(properties.dataDir()).toAbsolutePath();
		try {
			Files.createDirectories(dir);
			EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
			// PostgreSQL 17's builtin C.UTF-8 locale: byte-order comparisons in every text index (fast, and the
			// same on every machine, whatever its LANG) with Unicode upper/lower case for e-mail look-ups.
			builder.setLocaleConfig("locale-provider", "builtin").setLocaleConfig("builtin-locale", "C.UTF-8")
				.setLocaleConfig("encoding", "UTF8");
			// Stopped by the context (EmbeddedDatabase.destroy) after everything using the pool has closed,
			// not by a JVM hook of its own that would race the context's shutdown and leave it waiting for a
			// connection to a server already gone.
			builder.setRegisterShutdownHook(false)
				// the library's 10 s is too short for a first start (initdb, then 256 MB of shared buffers) on a
				// machine busy with other work: the test suite's own servers missed it now and then
				.setPGStartupWait(java.time.Duration.ofSeconds(60))
				.setDataDirectory(dir.resolve("pg"))
				.setCleanDataDirectory(false)
				.setServerConfig("max_connections", "200")
				.setServerConfig("shared_buffers", "256MB")
				// WAL buffers of their own size instead of 1/32 of the shared buffers (8 MB): three renewal workers
				// writing a renewal's 5 KB of WAL each filled 8 MB often enough to wait for each other's WAL writes
				// (1,000,000 renewals: 59.9-61.3 s with 8 MB, 57.4-58.4 s with 64 MB, the same CPU)
				.setServerConfig("wal_buffers", "64MB")
				.setServerConfig("synchronous_commit", "on")
				.setServerConfig("max_wal_size", "4GB")
				.setServerConfig("checkpoint_completion_target", "0.9");
			// the configured settings last, so that they override these defaults (before, the defaults overrode them)
			if (properties.embeddedServerConfig() != null) {
				properties.embeddedServerConfig().forEach(builder::setServerConfig);
			}
			EmbeddedPostgres postgres = builder.start();
			log.info("Embedded PostgreSQL started on port {} with data in {}", postgres.getPort(), dir);
			return new EmbeddedDatabase(postgres, properties.dataDirDisposable() ? dir : null);
		}
		catch (IOException e) {
			throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + dir, e);
		}
	}

	/**
	 * The pool. In demo mode it first makes sure the database has never been started in production mode
	 * ({@link ProductionMark}), before Flyway or anything else writes to it.
	 */
	@Bean
	DataSource dataSource(SubdeskProperties properties, EmbeddedDatabase embedded,
			@Value("${" + OperatingMode.DEMO_MODE + ":false}") boolean demoMode,
			@Value("${spring.flyway.table:flyway_schema_history}") String historyTable) {
		HikariConfig config = new HikariConfig();
		if (properties.externalDatabase()) {
			config.setJdbcUrl(properties.dbUrl());
			config.setUsername(properties.dbUser());
			config.setPassword(properties.dbPassword());
		}
		else {
			config.setJdbcUrl(embedded.jdbcUrl());
			config.setUsername("postgres");
		}
		config.setMaximumPoolSize(properties.dbPoolSize());
		config.setPoolName("subdesk");
		// days added in SQL (retries, reminders, retention) are days of 24 h whatever the JVM's zone: the driver
		// would otherwise give each session the JVM's, and "+ 1 day" across a daylight-saving change is 23 or 25 h
		config.setConnectionInitSql("SET TIME ZONE 'UTC'");
		HikariDataSource pool = new HikariDataSource(config);
		if (demoMode) {
			try {
				ProductionMark.refuseDemoModeIfProduction(pool, historyTable);
			}
			catch (RuntimeException e) {
				pool.close();
				throw e;
			}
		}
		return pool;
	}

	/**
	 * Holds the embedded server, if any, and stops it when the context closes; then deletes its data directory when
	 * that is disposable.
	 */
	static final class EmbeddedDatabase implements DisposableBean {

		private final @Nullable EmbeddedPostgres postgres;

		private final @Nullable Path disposableDir;

		EmbeddedDatabase(@Nullable EmbeddedPostgres postgres, @Nullable Path disposableDir) {
			this.postgres = postgres;
			this.disposableDir = disposableDir;
		}

		String jdbcUrl() {
			if (postgres == null) {
				throw new IllegalStateException("no embedded PostgreSQL: the database is external");
			}
			return postgres.getJdbcUrl("postgres", "postgres");
		}

		@Override
		public void destroy() throws IOException {
			if (postgres != null) {
				postgres.close();
			}
			if (disposableDir != null) {
				FileSystemUtils.deleteRecursively(disposableDir);
				log.info("Deleted the embedded PostgreSQL's disposable data in {}", disposableDir);
			}
		}
	}
}
