package dev.subdesk.renewals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.RenewalSeeder;
import dev.subdesk.testing.SubdeskIntegrationTest;
import dev.subdesk.testing.SubscriptionUpdateHold;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A run of the jobs on a node that begins to stop ({@link RenewalEngine#stop}, as the context's close or a pause
 * does): it starts no further job, and what those jobs would have done (reminders due, a scheduled end due) stays
 * untouched until a run after the node starts again ({@link RenewalEngine#start}). Before, only the renewal attempts
 * heeded the stop: every other job of the run went on until the scheduler's stop wait ended and interrupted it.
 */
@SubdeskIntegrationTest
class JobsWhileTheNodeStopsIntegrationTests {

	private static final int REMINDERS = 3;

	@Autowired
	Jobs jobs;

	@Autowired
	RenewalEngine engine;

	@Autowired
	DataSource dataSource;

	@Autowired
	Clock clock;

	private final ExecutorService runner = Executors.newSingleThreadExecutor();

	@AfterEach
	void startTheNodeAgain() {
		engine.start();
		runner.shutdownNow();
	}

	@Test
	void aRunOnANodeThatHasBegunToStopStartsNoJobAndTheNextRunAfterARestartDoesThem() {
		Seeded seeded = seed();

		engine.stop();
		RunResult stopped = jobs.runDue();

		assertThat(stopped.remindersSent()).as("reminders sent by the run on a stopping node").isZero();
		assertUntouched(seeded);

		engine.start();
		jobs.runDue();

		assertDone(seeded);
	}

	@Test
	void aStopDuringARunLetsTheJobInHandEndAndStartsNoLaterJob() throws Exception {
		Seeded seeded = seed();
		JdbcClient jdbc = JdbcClient.create(dataSource);
		try (SubscriptionUpdateHold hold = new SubscriptionUpdateHold(jdbc, dataSource, "jobs_stop_end_hold",
				7_342_101L, "NEW.id = '" + seeded.ending() + "' AND NEW.status = 'CANCELLED'")) {
			Future<RunResult> run = runner.submit(jobs::runDue);
			hold.awaitHeld("the scheduled end taking effect, held");

			engine.stop();
			hold.release();
			run.get(60, TimeUnit.SECONDS);
		}

		assertThat(status(seeded.ending())).as("the scheduled end, the job in hand when the stop began, done")
			.isEqualTo("CANCELLED");
		assertThat(reminded(seeded.reminded())).as("reminders sent after the stop began (a later job)").isZero();

		engine.start();
		jobs.runDue();

		assertDone(seeded);
	}

	/**
	 * {@value #REMINDERS} monthly subscriptions whose RENEWAL_REMINDER is due (renewing in two days, the lead being
	 * three) and one whose scheduled end is due.
	 */
	private Seeded seed() {
		Instant now = clock.instant();
		JdbcClient jdbc = JdbcClient.create(dataSource);
		String reminded = RenewalSeeder.seed(dataSource, REMINDERS, now.plus(Duration.ofDays(2)));
		jdbc.sql("UPDATE subscriptions SET reminded_for = NULL WHERE id LIKE :p").param("p", reminded + "%").update();
		String ending = RenewalSeeder.seed(dataSource, 1, now.plus(Duration.ofDays(20))) + "0";
		jdbc.sql("UPDATE subscriptions SET auto_renew = false, cancel_at = :at WHERE id = :id")
			.param("at", java.sql.Timestamp.from(now.minus(Duration.ofHours(1))))
			.param("id", ending)
			.update();
		return new Seeded(reminded, ending);
	}

	private void assertUntouched(Seeded seeded) {
		assertThat(reminded(seeded.reminded())).as("reminders sent while the node stops").isZero();
		assertThat(status(seeded.ending())).as("the due scheduled end, while the node stops").isEqualTo("ACTIVE");
	}

	private void assertDone(Seeded seeded) {
		assertThat(reminded(seeded.reminded())).as("reminders sent by the run after the restart").isEqualTo(REMINDERS);
		assertThat(status(seeded.ending())).as("the scheduled end, after the restart").isEqualTo("CANCELLED");
	}

	/** The subscriptions marked reminded whose customer has the RENEWAL_REMINDER. */
	private long reminded(String prefix) {
		return JdbcClient.create(dataSource).sql("""
				SELECT count(*) FROM subscriptions s WHERE s.id LIKE :p AND s.reminded_for = s.current_period_end
				AND EXISTS (SELECT 1 FROM notices n WHERE n.account_id = s.account_id AND n.type = 'RENEWAL_REMINDER')
				""").param("p", prefix + "%").query(Long.class).single();
	}

	private String status(String id) {
		return JdbcClient.create(dataSource)
			.sql("SELECT status FROM subscriptions WHERE id = :id")
			.param("id", id)
			.query(String.class)
			.single();
	}

	private record Seeded(String reminded, String ending) {
	}
}
