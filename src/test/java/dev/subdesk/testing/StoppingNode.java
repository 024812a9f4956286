package dev.subdesk.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.SubdeskApplication;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A node in this JVM on a database of its own, stopped while one of its scheduled jobs is held in the middle of its
 * work: the stop tests of the renewal run and of the chunked jobs. The node runs the scheduler every second with one
 * renewal worker and small batches; its context is closed on a thread of its own, so the test can see the close wait
 * for the job in hand and let the job go on.
 */
public final class StoppingNode implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final Thread closing;

	private StoppingNode(ConfigurableApplicationContext context) {
		this.context = context;
		this.closing = new Thread(context::close, "closing-the-context");
	}

	/**
	 * Starts a node on {@code url}: renewal batches of {@code batchSize}, the scheduler's run every second (the runs are
	 * the scheduler's, as on a node in production); {@code arguments} are more {@code --property=value}s.
	 */
	public static StoppingNode start(String url, Path dataDir, int batchSize, String... arguments) {
		List<String> all = new ArrayList<>(List.of("--server.port=0", "--subdesk.db-url=" + url,
				"--subdesk.db-user=postgres", "--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.clock.test-clock=true",
				"--subdesk.mode=demo", "--subdesk.entitlements.kek=" + SubdeskIntegrationTest.ENTITLEMENT_KEK,
				"--subdesk.data-dir=" + dataDir, "--logging.level.root=WARN", "--subdesk.renewals.workers=1",
				"--subdesk.renewals.batch-size=" + batchSize, "--subdesk.jobs.initial-delay=PT1S",
				"--subdesk.jobs.interval=PT1S"));
		all.addAll(List.of(arguments));
		return new StoppingNode(new SpringApplicationBuilder(SubdeskApplication.class).run(all.toArray(String[]::new)));
	}

	public <T> T bean(Class<T> type) {
		return context.getBean(type);
	}

	/**
	 * Begins the close while {@code hold} keeps the job's work, checks that the close waits for the job in hand, lets
	 * the work go and checks that the close then ends.
	 */
	public void stopWhileHeld(RowWriteHold hold) throws Exception {
		closing.start();
		await("the close waits for the scheduler's job in hand").atMost(Duration.ofSeconds(60))
			.until(() -> !closing.isAlive() || waitsForAnExecutor(closing));
		assertThat(closing.isAlive()).as("the close waits for the run").isTrue();
		hold.release();
		closing.join(Duration.ofSeconds(90));
		assertThat(closing.isAlive()).as("the close is over once the work in hand is done").isFalse();
	}

	/** Ends the node whatever the test got to: waits for a close under way, or closes it. */
	@Override
	public void close() throws InterruptedException {
		if (closing.isAlive()) {
			closing.join(Duration.ofSeconds(90));
		}
		if (context.isActive()) {
			context.close();
		}
	}

	/** {@code sql}'s count, with {@code :p} bound to the rows seeded under {@code prefix}. */
	public static long count(JdbcClient jdbc, String sql, String prefix) {
		return jdbc.sql(sql).param("p", prefix + "%").query(Long.class).single();
	}

	private static boolean waitsForAnExecutor(Thread thread) {
		return Arrays.stream(thread.getStackTrace())
			.anyMatch(frame -> frame.getClassName().endsWith("ExecutorConfigurationSupport")
					&& frame.getMethodName().equals("awaitTerminationIfNecessary"));
	}
}
