package dev.subdesk.subscriptions;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.testing.ChildServer;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * V451 builds the partial index of the discounted periods CONCURRENTLY: a failed build leaves it INVALID, which its
 * IF NOT EXISTS takes as built on a retry. V451_1 stops the upgrade then (as V425 and V433 do for theirs, and V811
 * for V810's index of the trials).
 */
@SubdeskIntegrationTest
class DiscountedPeriodIndexMigrationIntegrationTests {

	@Autowired
	DataSource testDatabase;

	@Test
	void anInvalidIndexOfTheDiscountedPeriodsStopsTheUpgrade() throws Exception {
		anInvalidIndexStopsTheUpgrade("451", "subscriptions_discounted_period_idx");
	}

	/** The same for V810's index of the trials (the next TRIAL_ENDING notice) and V811. */
	@Test
	void anInvalidIndexOfTheTrialsStopsTheUpgrade() throws Exception {
		anInvalidIndexStopsTheUpgrade("810", "subscriptions_trial_ending_idx");
	}

	private void anInvalidIndexStopsTheUpgrade(String builtBy, String index) throws Exception {
		String url = ChildServer.newDatabase(testDatabase, "concurrent_index_");
		try {
			migrate(url, builtBy);
			// what a concurrent build that failed leaves behind
			JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""))
				.sql("UPDATE pg_index SET indisvalid = false WHERE indexrelid IN"
						+ " (SELECT oid FROM pg_class WHERE relname = :index)")
				.param("index", index)
				.update();
			assertThatThrownBy(() -> migrate(url, null)).hasStackTraceContaining(
					"the index " + index + " is missing or invalid (a failed concurrent build)");
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	private static void migrate(String url, @Nullable String target) {
		var configuration = Flyway.configure()
			.dataSource(url, "postgres", "")
			.locations("classpath:db/migration")
			.configuration(Map.of("flyway.postgresql.transactional.lock", "false"));
		(target == null ? configuration : configuration.target(target)).load().migrate();
	}
}
