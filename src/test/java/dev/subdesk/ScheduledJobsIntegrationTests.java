package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.Api;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The {@code @Scheduled} jobs of a node on the scheduler the application configures: a job that takes long (a
 * renewal run, a store lookup run, a retention sweep) holds no other, the audit sealer above all; and a stop waits for
 * the job in hand, whose writes still reach the database, before anything it uses is closed. A job of this test's own
 * ({@link HeldJob}) stands for the long one: it waits on a latch the test releases.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScheduledJobsIntegrationTests {

	@TempDir
	static Path dataDir;

	/** One server for both tests (the second closes it): a start migrates a new database. */
	private static ConfigurableApplicationContext app;

	@BeforeAll
	static void start() {
		app = new SpringApplicationBuilder(SubdeskApplication.class, HeldJob.class).run("--server.port=0",
				"--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.data-dir=" + dataDir,
				"--subdesk.clock.test-clock=true", "--logging.level.root=WARN",
				// the other jobs wait, but for the audit sealer (every 0.2 s)
				"--subdesk.jobs.initial-delay=PT1H", "--subdesk.catalog.refresh-interval=PT1H",
				"--subdesk.demo.production-mark-check=PT1H", "--subdesk.entitlements.kek-reseal-initial-delay=PT1H");
	}

	@AfterEach
	void release() {
		HeldJob.disarm();
	}

	@AfterAll
	static void close() {
		app.close();
	}

	@Test
	@Order(1)
	void aJobInHandHoldsNeitherTheAuditSealerNorAnyOtherJob() throws Exception {
		CountDownLatch release = HeldJob.reset();
		assertThat(HeldJob.started.await(30, TimeUnit.SECONDS)).as("the held job started").isTrue();

		AuditTrail audit = app.getBean(AuditTrail.class);
		audit.record("test", "SYSTEM", "SCHEDULER_CHECK", "jobs", null, null, null);
		long entry = audit.latest().orElseThrow().id();
		JdbcClient jdbc = JdbcClient.create(app.getBean(DataSource.class));
		await("the audit entry sealed while another job is in hand").atMost(Duration.ofSeconds(20))
			.until(() -> jdbc.sql("SELECT seq IS NOT NULL FROM audit_events WHERE id = :id").param("id", entry)
				.query(Boolean.class).single());

		release.countDown();
		await().atMost(Duration.ofSeconds(20)).until(() -> HeldJob.outcome.get() != null);
		assertThat(HeldJob.outcome.get()).isEqualTo("written");
	}

	@Test
	@Order(2)
	void aStopWaitsForTheJobInHandBeforeItClosesTheDatabase() throws Exception {
		CountDownLatch release = HeldJob.reset();
		ConfigurableApplicationContext context = app;
		assertThat(HeldJob.started.await(30, TimeUnit.SECONDS)).as("the held job started").isTrue();
		HikariDataSource pool = context.getBean(DataSource.class).unwrap(HikariDataSource.class);

		Thread closing = new Thread(context::close, "closing-the-context");
		closing.start();
		// the close goes as far as it goes while the job is in hand: it waits for the scheduler's threads to end (or,
		// not waiting, it is over)
		await("the close waits for the scheduler or is over").atMost(Duration.ofSeconds(90))
			.until(() -> !closing.isAlive() || waitsForAnExecutor(closing));
		assertThat(closing.isAlive()).as("the close waits for the job in hand").isTrue();
		assertThat(pool.isClosed()).as("the database pool is still open").isFalse();
		assertThat(HeldJob.interrupted).as("the job in hand is not interrupted").isFalse();

		release.countDown();
		closing.join(Duration.ofSeconds(60));
		assertThat(closing.isAlive()).as("the close is over once the job ended").isFalse();
		assertThat(HeldJob.outcome.get()).as("the job's write after the release").isEqualTo("written");
		assertThat(pool.isClosed()).isTrue();
	}

	@Test
	@Order(3)
	void aJobThatOverrunsTheStopWaitIsInterruptedAndTheCloseGoesOn(@TempDir Path ownDataDir) throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(SubdeskApplication.class, HeldJob.class)
			.run("--server.port=0", "--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.data-dir=" + ownDataDir,
					"--subdesk.clock.test-clock=true", "--logging.level.root=WARN", "--subdesk.jobs.initial-delay=PT1H",
					"--subdesk.catalog.refresh-interval=PT1H", "--subdesk.demo.production-mark-check=PT1H",
					"--subdesk.entitlements.kek-reseal-initial-delay=PT1H",
					// SUBDESK_SCHEDULER_STOP_WAIT
					"--spring.task.scheduling.shutdown.await-termination-period=PT2S");
		CountDownLatch release = HeldJob.reset();
		try {
			assertThat(HeldJob.started.await(30, TimeUnit.SECONDS)).as("the held job started").isTrue();
			HikariDataSource pool = context.getBean(DataSource.class).unwrap(HikariDataSource.class);

			// the job is never released: it ignores the stop, as a job stuck on a call that never answers
			long start = System.nanoTime();
			Thread closing = new Thread(context::close, "closing-the-context");
			closing.start();
			await("the job in hand interrupted").atMost(Duration.ofSeconds(30)).until(() -> HeldJob.interrupted);
			Duration untilInterrupted = Duration.ofNanos(System.nanoTime() - start);
			closing.join(Duration.ofSeconds(60));

			assertThat(untilInterrupted).as("interrupted once the stop wait (2 s) is over, not before")
				.isGreaterThanOrEqualTo(Duration.ofMillis(1900));
			assertThat(closing.isAlive()).as("the close goes on past the job that overran the wait").isFalse();
			assertThat(pool.isClosed()).as("the database pool closed").isTrue();
		}
		finally {
			release.countDown();
			context.close();
		}
	}

	private static boolean waitsForAnExecutor(Thread thread) {
		return Arrays.stream(thread.getStackTrace())
			.anyMatch(frame -> frame.getClassName().endsWith("ExecutorConfigurationSupport")
					&& frame.getMethodName().equals("awaitTerminationIfNecessary"));
	}

	/**
	 * A job that, once armed ({@link #reset}), waits for the test's release, then records an audit entry: a long job
	 * with a write at its end. Registered as a source of the test's application, not found by the component scan.
	 */
	static class HeldJob {

		static volatile CountDownLatch started = new CountDownLatch(1);
		static volatile CountDownLatch release = new CountDownLatch(1);
		static final AtomicBoolean armed = new AtomicBoolean();
		static final AtomicReference<@Nullable String> outcome = new AtomicReference<>();
		static volatile boolean interrupted;

		private final AuditTrail audit;

		HeldJob(AuditTrail audit) {
			this.audit = audit;
		}

		/** Arms the job for one run; returns its release. */
		static CountDownLatch reset() {
			release.countDown();
			started = new CountDownLatch(1);
			release = new CountDownLatch(1);
			outcome.set(null);
			interrupted = false;
			armed.set(true);
			return release;
		}

		/** Lets a run in hand go on, and arms no other. */
		static void disarm() {
			armed.set(false);
			release.countDown();
		}

		@Scheduled(fixedDelay = 50)
		void run() {
			if (!armed.getAndSet(false)) {
				return;
			}
			started.countDown();
			try {
				release.await();
			}
			catch (InterruptedException e) {
				interrupted = true;
				Thread.currentThread().interrupt();
			}
			try {
				audit.record("test", "SYSTEM", "HELD_JOB_DONE", "jobs", null, null, null);
				outcome.set("written");
			}
			catch (RuntimeException e) {
				outcome.set("failed: " + e);
			}
		}
	}
}
