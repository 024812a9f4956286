package dev.subdesk.renewals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.RenewalSeeder;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A run of the renewal attempts with nothing due (most of the scheduler's ticks) asks the database once whether
 * anything is due, and starts no worker: before, it started every worker of both passes (bases, add-ons), each
 * opening a claim of its own, some 35 round trips for nothing. A run with work starts them as it always did.
 */
@SubdeskIntegrationTest
class IdleRenewalRunIntegrationTests {

	@Autowired
	RenewalEngine engine;

	@Autowired
	DataSource dataSource;

	@Autowired
	Clock clock;

	@Test
	void aRunWithNothingDueStartsNoWorker() {
		// the shared database may hold attempts due from other tests: the run looks up to just before the earliest
		Instant until = earliestAttempt().map(at -> at.minusSeconds(1)).orElse(clock.instant());
		long started = engine.workerTasksStarted();

		RunResult run = engine.attemptRenewals(until);

		assertThat(run).isEqualTo(RunResult.NOTHING);
		assertThat(engine.workerTasksStarted() - started).as("renewal workers started by a run with nothing due")
			.isZero();
	}

	@Test
	void aRunWithAttemptsDueStartsItsWorkersAndRenewsThem() {
		Instant now = clock.instant();
		String seeded = RenewalSeeder.seed(dataSource, 3, now.minus(Duration.ofHours(1)));
		long started = engine.workerTasksStarted();

		RunResult run = engine.attemptRenewals(now);

		assertThat(engine.workerTasksStarted() - started).as("renewal workers started by a run with work").isPositive();
		assertThat(run.renewed()).as("renewed by the run").isGreaterThanOrEqualTo(3);
		assertThat(JdbcClient.create(dataSource)
			.sql("SELECT count(*) FROM subscriptions WHERE id LIKE :p AND period_index = 1 AND next_attempt_at > :now")
			.param("p", seeded + "%")
			.param("now", Timestamp.from(now))
			.query(Long.class)
			.single()).as("the seeded subscriptions renewed").isEqualTo(3);
	}

	private java.util.Optional<Instant> earliestAttempt() {
		return JdbcClient.create(dataSource).sql("""
				SELECT min(least(next_attempt_at, extra_attempt_at)) FROM subscriptions
				WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND auto_renew
				""").query((rs, n) -> {
			Timestamp at = rs.getTimestamp(1);
			return at == null ? null : at.toInstant();
		}).optional();
	}
}
