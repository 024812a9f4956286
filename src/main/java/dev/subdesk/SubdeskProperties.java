package dev.subdesk;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration read from the environment (see application.properties for the variable names).
 *
 * @param dbUrl external PostgreSQL JDBC URL ({@code SUBDESK_DB_URL}, else {@code spring.datasource.url}); blank
 *     means the embedded PostgreSQL (demo mode unless {@code SUBDESK_MODE} says otherwise, see {@link OperatingMode})
 * @param dataDir where the embedded PostgreSQL keeps its data
 * @param embeddedServerConfig extra postgresql.conf settings for the embedded server (benchmarks, diagnostics)
 * @param dataDirDisposable whether the embedded server's data directory is deleted when the application stops (the
 *     tests' throwaway databases; never set it for data you keep)
 */
@ConfigurationProperties("subdesk")
public record SubdeskProperties(
		@Nullable String dbUrl,
		@Nullable String dbUser,
		@Nullable String dbPassword,
		@DefaultValue("./subdesk-data") String dataDir,
		@DefaultValue("20") int dbPoolSize,
		java.util.@Nullable Map<String, String> embeddedServerConfig,
		@DefaultValue("false") boolean dataDirDisposable) {

	public boolean externalDatabase() {
		return dbUrl != null && !dbUrl.isBlank();
	}
}
