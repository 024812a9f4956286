package dev.subdesk.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /events} read from the top by a client that stops at the newest event it already saw must not miss an
 * event whose transaction commits after that of an event recorded later: the list shows only the events of
 * transactions older than every transaction still in flight, newest of those first.
 */
class LateCommitIntegrationTests extends ApiIntegrationTest {

	@Autowired
	EventLog log;

	@Autowired
	PlatformTransactionManager transactions;

	@Autowired
	javax.sql.DataSource dataSource;

	@Autowired
	org.springframework.jdbc.core.simple.JdbcClient jdbc;

	@Autowired
	java.time.Clock clock;

	/** A client polling the top of a list: collects what is new since the newest event it saw last time. */
	final class Poller {

		final String query;

		final Set<String> seen = new LinkedHashSet<>();

		@Nullable String newest;

		Poller(String query) {
			this.query = query;
		}

		/** Reads from the top until the newest event of the previous poll; answers the ids it had not seen. */
		List<String> poll() {
			List<String> fresh = new ArrayList<>();
			String cursor = null;
			String top = null;
			read: do {
				Api.Response page = api.get("/events?limit=2&" + query + (cursor == null ? "" : "&cursor=" + cursor));
				assertThat(page.status()).as(page.toString()).isEqualTo(200);
				for (JsonNode event : page.json().path("data").values()) {
					String id = event.path("id").asString();
					if (top == null) {
						top = id;
					}
					if (id.equals(newest)) {
						break read;
					}
					fresh.add(id);
				}
				cursor = page.json().path("nextCursor").isNull() ? null : page.text("nextCursor");
			}
			while (cursor != null);
			if (top != null) {
				newest = top;
			}
			seen.addAll(fresh);
			return fresh;
		}
	}

	@Test
	void anEventWhoseTransactionCommitsLateIsStillSeenByAClientPollingTheTop() throws Exception {
		Poller poller = new Poller("type=case.updated");
		poller.poll();

		CountDownLatch appended = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		String lateSubject = "case_late_" + System.nanoTime();
		String laterSubject = "case_later_" + System.nanoTime();
		CompletableFuture<RecordedEvent> late = CompletableFuture.supplyAsync(() -> new TransactionTemplate(transactions)
			.execute(status -> {
				RecordedEvent event = log.append(EventType.CASE_UPDATED, lateSubject, null, Map.of("n", "late"));
				appended.countDown();
				try {
					assertThat(release.await(60, TimeUnit.SECONDS)).isTrue();
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(e);
				}
				return event;
			}));
		List<String> whileOpen;
		RecordedEvent later;
		try {
			assertThat(appended.await(30, TimeUnit.SECONDS)).isTrue();
			later = new TransactionTemplate(transactions)
				.execute(status -> log.append(EventType.CASE_UPDATED, laterSubject, null, Map.of("n", "later")));
			whileOpen = poller.poll();
		}
		finally {
			release.countDown();
		}
		RecordedEvent lateEvent = late.get(60, TimeUnit.SECONDS);
		assertThat(lateEvent.position()).as("the late event was inserted first").isLessThan(later.position());

		await().atMost(Duration.ofSeconds(30)).until(() -> {
			poller.poll();
			return poller.seen.contains(later.id());
		});
		assertThat(poller.seen).as("the client saw the event whose transaction committed late")
			.contains(lateEvent.id(), later.id());
		assertThat(whileOpen).as("while an older transaction is in flight, the later event waits for it")
			.doesNotContain(later.id(), lateEvent.id());
	}
	@Test
	void aListAskedWhileAShortTransactionIsInFlightWaitsForItAndShowsItsEvent() throws Exception {
		CountDownLatch appended = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		String subject = "case_inflight_" + System.nanoTime();
		// threads of their own: the common pool may have one thread on two cores, which the transaction would hold
		java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
		CompletableFuture<RecordedEvent> inFlight = CompletableFuture.supplyAsync(() -> new TransactionTemplate(transactions)
			.execute(status -> {
				RecordedEvent event = log.append(EventType.CASE_UPDATED, subject, null, Map.of("n", "in flight"));
				appended.countDown();
				try {
					assertThat(release.await(60, TimeUnit.SECONDS)).isTrue();
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(e);
				}
				return event;
			}), threads);
		Api.Response listed;
		try {
			assertThat(appended.await(30, TimeUnit.SECONDS)).isTrue();
			long waitsBefore = log.settleWaits();
			CompletableFuture<Api.Response> list = CompletableFuture.supplyAsync(() -> api.get("/events?type=case.updated&limit=5"),
					threads);
			await("the list waits for the transaction in flight").atMost(Duration.ofSeconds(30))
				.until(() -> log.settleWaits() > waitsBefore || list.isDone());
			assertThat(list).as("still waiting").isNotDone();
			release.countDown();
			listed = list.get(30, TimeUnit.SECONDS);
		}
		finally {
			release.countDown();
			threads.shutdown();
		}
		RecordedEvent event = inFlight.get(30, TimeUnit.SECONDS);
		assertThat(listed.status()).isEqualTo(200);
		assertThat(listed.json().path("data").values()).extracting(e -> e.path("id").asString())
			.as("the event of the transaction that was in flight when the list was asked").contains(event.id());
	}

	/**
	 * A list of more than one subject waits for the writing transactions in flight when it was asked (a long renewal
	 * batch, here a transaction the test holds open), but not on a pooled connection: it waited inside its read-only
	 * transaction, so that as many such lists as the pool has connections took them all for up to a second each and
	 * starved every other request. Seen from PostgreSQL, a list holding its connection while it waits is a session
	 * "idle in transaction" whose last statement is the list's check of the snapshot.
	 */
	@Test
	void aListWaitingForATransactionInFlightHoldsNoPooledConnectionMeanwhileAndThenShowsItsEvent() throws Exception {
		String subject = "case_pool_" + System.nanoTime();
		String eventId = "evt_pool" + System.nanoTime();
		java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(1);
		List<Long> held = new ArrayList<>();
		Api.Response listed;
		try (java.sql.Connection writer = dataSource.getConnection()) {
			writer.setAutoCommit(false);
			try (var insert = writer.prepareStatement("""
					INSERT INTO domain_event (id, type, subject_id, sequence, data, created_at)
					VALUES (?, 'case.updated', ?, 1, '{"n": "held"}', ?)
					""")) {
				insert.setString(1, eventId);
				insert.setString(2, subject);
				insert.setTimestamp(3, java.sql.Timestamp.from(clock.instant()));
				insert.executeUpdate();
			}
			try {
				long waitsBefore = log.settleWaits();
				CompletableFuture<Api.Response> list = CompletableFuture
					.supplyAsync(() -> api.get("/events?type=case.updated&limit=5"), threads);
				await("the list waits for the transaction in flight").atMost(Duration.ofSeconds(30))
					.until(() -> log.settleWaits() > waitsBefore || list.isDone());
				assertThat(list).as("still waiting").isNotDone();
				// a look in each of the list's next few pauses between its checks (each begins as settleWaits
				// counts it), the moment a list waiting in its transaction sat idle in it: well within its second of
				// waiting (pauses of 2 ms doubling to 50 ms), so that the writer commits before it ends
				while (held.size() < 5 && !list.isDone()) {
					long waits = log.settleWaits();
					await("the list's next pause").atMost(EventLog.SETTLE)
						.pollDelay(Duration.ZERO)
						.pollInterval(Duration.ofMillis(1))
						.until(() -> log.settleWaits() > waits || list.isDone());
					if (list.isDone()) {
						break;
					}
					held.add(jdbc.sql("""
							SELECT count(*) FROM pg_stat_activity
							WHERE datname = current_database() AND pid <> pg_backend_pid()
							  AND state LIKE 'idle in transaction%' AND query LIKE '%pg_snapshot_xmin(pg_current_snapshot())%'
							""").query(Long.class).single());
				}
				assertThat(list).as("still waiting after the look at the sessions").isNotDone();
				writer.commit();
				listed = list.get(30, TimeUnit.SECONDS);
			}
			finally {
				if (!writer.getAutoCommit()) {
					writer.rollback();
					writer.setAutoCommit(true);
				}
			}
		}
		finally {
			threads.shutdown();
		}
		assertThat(held).as("sessions the waiting list held in a transaction, looked at while it waited")
			.isNotEmpty()
			.containsOnly(0L);
		assertThat(listed.status()).as(listed.toString()).isEqualTo(200);
		assertThat(listed.json().path("data").values()).extracting(e -> e.path("id").asString())
			.as("the event of the transaction that was in flight when the list was asked").contains(eventId);
	}

	/**
	 * A list of more than one subject takes no transaction id of its own: a read that took one per call consumed
	 * transaction ids (wraparound, a commit record each) on a read path, and failed on a replica ("cannot assign
	 * TransactionIds during recovery"). Seen from PostgreSQL, the snapshot's {@code xmax} (one past the newest
	 * transaction ended) moves by one for each id a list took and ended. Other tests' transactions may end meanwhile
	 * (the suite shares the database), so the bound is generous: fewer than half as many ids as lists.
	 */
	@Test
	void aListOfMoreThanOneSubjectTakesNoTransactionIdOfItsOwn() {
		int lists = 20;
		String xmax = "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint";
		long before = jdbc.sql(xmax).query(Long.class).single();
		for (int i = 0; i < lists; i++) {
			Api.Response listed = api.get("/events?type=case.updated&limit=5");
			assertThat(listed.status()).as(listed.toString()).isEqualTo(200);
		}
		long after = jdbc.sql(xmax).query(Long.class).single();
		assertThat(after - before).as("transaction ids taken and ended while %d lists were read", lists)
			.isLessThan(lists / 2);
	}

	/**
	 * A list waiting for a long transaction in flight (a renewal batch) checks the snapshot less and less often: at a
	 * check every 2 ms it made hundreds of round trips, each on a connection of the pool, in its second of waiting.
	 * The writer here stays open past the list's whole wait, which then ends without it.
	 */
	@Test
	void aListWaitingTheWholeSettleChecksTheSnapshotAFewDozenTimesAtMost() throws Exception {
		String subject = "case_backoff_" + System.nanoTime();
		String eventId = "evt_backoff" + System.nanoTime();
		Api.Response listed;
		long checks;
		try (java.sql.Connection writer = dataSource.getConnection()) {
			writer.setAutoCommit(false);
			try {
				try (var insert = writer.prepareStatement("""
						INSERT INTO domain_event (id, type, subject_id, sequence, data, created_at)
						VALUES (?, 'case.updated', ?, 1, '{"n": "long"}', ?)
						""")) {
					insert.setString(1, eventId);
					insert.setString(2, subject);
					insert.setTimestamp(3, java.sql.Timestamp.from(clock.instant()));
					insert.executeUpdate();
				}
				long waitsBefore = log.settleWaits();
				long started = System.nanoTime();
				listed = api.get("/events?type=case.updated&limit=5");
				long waited = System.nanoTime() - started;
				checks = log.settleWaits() - waitsBefore;
				assertThat(Duration.ofNanos(waited)).as("the list waited for the writer in flight")
					.isGreaterThanOrEqualTo(EventLog.SETTLE.minusMillis(100));
			}
			finally {
				writer.rollback();
				writer.setAutoCommit(true);
			}
		}
		assertThat(listed.status()).as(listed.toString()).isEqualTo(200);
		assertThat(listed.json().path("data").values()).extracting(e -> e.path("id").asString())
			.as("the event of the transaction still in flight").doesNotContain(eventId);
		assertThat(checks).as("checks of the snapshot in the list's %s of waiting", EventLog.SETTLE).isBetween(1L, 60L);
	}
}
