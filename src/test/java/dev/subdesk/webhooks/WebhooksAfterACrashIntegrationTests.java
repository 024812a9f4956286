package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.ChildServer;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A server process killed by SIGKILL in the middle of a burst of events loses none of them: a server started again
 * on the same database delivers every event (at least once: what the dead node had in flight may come twice, with
 * the same webhook-id), and the first delivery of each event of a subject still comes in sequence order. Each server
 * is a child JVM from the test class path on a database of its own, with a short lease so the dead node's claims
 * lapse quickly.
 */
@SubdeskIntegrationTest
class WebhooksAfterACrashIntegrationTests {

	private static final int SUBJECTS = 40;
	private static final int PER_SUBJECT = 30;

	@Autowired
	DataSource testDatabase;

	@TempDir
	Path logs;

	@Test
	void aServerKilledInTheMiddleOfABurstLosesNoEventAndKeepsEachSubjectsOrder() throws Exception {
		String url = ChildServer.newDatabase(testDatabase, "hooks_crash_");
		try (Receiver receiver = new Receiver()) {
			burstThroughACrash(url, JdbcClient.create(new DriverManagerDataSource(url, "postgres", "")), receiver);
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	private void burstThroughACrash(String url, JdbcClient jdbc, Receiver receiver) throws Exception {
		ChildServer started = start(url, "first.log");
		Process first = started.process();
		String secret;
		try {
			var created = started.api().post("/webhook-endpoints",
					Map.of("url", receiver.url(), "events", List.of("*")));
			assertThat(created.status()).as(created.toString()).isEqualTo(201);
			secret = created.text("secret");
			// the receiver takes a fifth of the burst, then keeps what comes waiting: the crash comes in its middle
			// however fast the server delivers
			receiver.holdAfter(SUBJECTS * PER_SUBJECT / 5);
			// the burst: each subject's events in sequence, in several transactions, as state changes would append them
			String run = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
			for (int n = 1; n <= PER_SUBJECT; n++) {
				jdbc.sql("""
						INSERT INTO domain_event (id, type, subject_id, sequence, data, created_at)
						SELECT 'evt_' || :run || 's' || s || 'n' || :n, 'subscription.updated', 'sub_' || :run || s, :n,
						    json_build_object('n', :n), now()
						FROM generate_series(1, :subjects) s ORDER BY s
						""").param("run", run).param("n", n).param("subjects", SUBJECTS).update();
			}
			await("part of the burst is delivered").atMost(Duration.ofSeconds(60))
				.until(() -> receiver.accepted().size() >= SUBJECTS * PER_SUBJECT / 5);
			first.destroyForcibly(); // SIGKILL on Linux
			assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(first.exitValue()).as("killed by SIGKILL (128 + 9)").isEqualTo(137);
		}
		finally {
			first.destroyForcibly();
		}
		int beforeRestart = (int) receiver.accepted().stream().map(Receiver.Received::id).distinct().count();
		assertThat(beforeRestart).as("the crash came in the middle of the burst").isLessThan(SUBJECTS * PER_SUBJECT);
		// what the dead server had in flight is refused (its connections are gone), and the receiver takes all again
		receiver.releaseAnswering(503);

		Process second = start(url, "second.log").process();
		try {
			// and recorded: the last successes of a burst are written at the sending loop's next round, which may come
			// a moment after the receiver has them, and the server is killed once this holds
			await("every event is delivered after the restart").atMost(Duration.ofSeconds(240))
				.until(() -> receiver.accepted().stream().map(Receiver.Received::id).distinct().count()
						== SUBJECTS * PER_SUBJECT
						&& jdbc.sql("SELECT count(*) FROM webhook_delivery WHERE status <> 'SUCCEEDED'")
							.query(Long.class)
							.single() == 0);
		}
		catch (org.awaitility.core.ConditionTimeoutException e) {
			throw new AssertionError("after the restart " + receiver.accepted().stream().map(Receiver.Received::id)
				.distinct().count() + " of " + SUBJECTS * PER_SUBJECT + " events arrived; deliveries by status: "
					+ jdbc.sql("SELECT string_agg(status || '=' || n, ', ') FROM (SELECT status, count(*) n FROM "
							+ "webhook_delivery GROUP BY status) s").query(String.class).single()
					+ "; warnings of the restarted server:\n" + warnings(logs.resolve("second.log")), e);
		}
		finally {
			second.destroyForcibly();
		}
		Map<String, List<Long>> firstArrivals = new LinkedHashMap<>();
		var seen = new java.util.HashSet<String>();
		for (Receiver.Received r : receiver.accepted()) {
			if (seen.add(r.id())) {
				firstArrivals.computeIfAbsent(r.json().path("subjectId").asString(), s -> new ArrayList<>())
					.add(r.json().path("sequence").asLong());
			}
		}
		assertThat(firstArrivals).hasSize(SUBJECTS);
		firstArrivals.forEach((subject, sequences) -> assertThat(sequences).as(subject)
			.isSorted()
			.hasSize(PER_SUBJECT)
			.doesNotHaveDuplicates());
		assertThat(jdbc.sql("SELECT count(*) FROM webhook_delivery WHERE status <> 'SUCCEEDED'").query(Long.class)
			.single()).isZero();
		// the secret is stored sealed only, and the server started again opens it: every delivery verifies
		assertThat(jdbc.sql("SELECT count(*) FROM webhook_endpoint WHERE secret IS NOT NULL OR sealed_secret IS NULL")
			.query(Long.class).single()).isZero();
		assertThat(receiver.accepted()).allSatisfy(r -> assertThat(
				StandardWebhooksVerifier.verifies(secret, r.id(), r.timestamp(), r.body(), r.signature()))
			.as("signature of %s", r.id()).isTrue());
	}

	/** The restarted server's warnings and errors, at most 40 lines, to say why a delivery stalled. */
	private static String warnings(Path log) throws java.io.IOException {
		return java.nio.file.Files.readAllLines(log)
			.stream()
			.filter(line -> line.contains(" WARN ") || line.contains(" ERROR ") || line.startsWith("\t") || line.startsWith("Caused"))
			.limit(40)
			.collect(java.util.stream.Collectors.joining("\n"));
	}

	private ChildServer start(String url, String log) throws Exception {
		return ChildServer.start(url, logs.resolve(log), "--subdesk.demo.seed=false", "--subdesk.webhooks.allow-private=true",
				"--subdesk.webhooks.timeout=PT2S", "--subdesk.webhooks.lease=PT5S");
	}
}
