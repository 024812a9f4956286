package dev.subdesk.events;

import dev.subdesk.shared.BulkCopy;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Page;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event log: every state change appends its event in the transaction of the change (so there is no change
 * without its event and no event without its change). A subject's sequence is taken from its counter row, which
 * the append locks until the transaction ends: events of one subject are numbered in commit order, without gaps.
 * Each event appended one by one is then published as a {@link RecordedEvent}, synchronously, to the log's listeners
 * (the notices), which act in the same transaction.
 */
@Component
public class EventLog {

	private final JdbcClient jdbc;

	private final Clock clock;

	private final JsonMapper json;

	private final DataSource dataSource;

	private final ApplicationEventPublisher publisher;

	/** The key of the events {@link #appendAll} gathered in the current transaction. */
	private final Object pendingKey = new Object();

	/** The lists' read-only transactions ({@link #page}), joining the caller's when there is one. */
	private final TransactionTemplate readOnly;

	EventLog(JdbcClient jdbc, DataSource dataSource, Clock clock, JsonMapper json, ApplicationEventPublisher publisher,
			PlatformTransactionManager transactions) {
		this.readOnly = new TransactionTemplate(transactions);
		this.readOnly.setReadOnly(true);
		this.publisher = publisher;
		this.dataSource = dataSource;
		this.jdbc = jdbc;
		this.clock = clock;
		this.json = json;
	}

	/**
	 * Appends an event about {@code subjectId} (the subscription; the account for {@code account.*}; the case number
	 * for {@code case.*}) whose {@code data} is serialized to JSON now. Must run inside the change's transaction.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public RecordedEvent append(EventType type, String subjectId, @Nullable String accountId, Object data) {
		flushPending();
		String id = Ids.next("evt");
		var now = clock.instant();
		String text = json.writeValueAsString(data);
		// the subject's counter and the event in one statement (one round trip of a change's transaction)
		long[] written = jdbc.sql("""
				WITH counter AS (
				    INSERT INTO event_subject (subject_id, last_sequence) VALUES (:subject, 1)
				    ON CONFLICT (subject_id) DO UPDATE SET last_sequence = event_subject.last_sequence + 1
				    RETURNING last_sequence)
				INSERT INTO domain_event (id, type, subject_id, sequence, account_id, data, created_at)
				SELECT :id, :type, :subject, counter.last_sequence, :account, CAST(:data AS json), :at FROM counter
				RETURNING position, sequence
				""")
			.param("id", id)
			.param("type", type.wireName())
			.param("subject", subjectId)
			.param("account", accountId)
			.param("data", text)
			.param("at", Timestamp.from(now))
			.query((rs, n) -> new long[] { rs.getLong("position"), rs.getLong("sequence") })
			.single();
		long position = written[0];
		long sequence = written[1];
		RecordedEvent recorded = new RecordedEvent(position, id, type, subjectId, sequence, accountId, text, now);
		// Listeners of the log (the notices) act in this same transaction: a crash loses neither or both.
		publisher.publishEvent(recorded);
		return recorded;
	}

	/**
	 * Appends many events set-based, numbering the events of each subject in call order. The batches of one
	 * transaction are gathered and written together just before it commits ({@link #flushPending}): one statement
	 * upserts the counters of all their subjects (locked in id order, so concurrent transactions cannot deadlock on
	 * them) and one COPY writes the rows. A renewal batch appends its {@code subscription.renewed} and its
	 * {@code charge.succeeded} events this way: each subject's counter moves once, by two. Still in the changes'
	 * transaction: if the write fails, the transaction does not commit. A single {@link #append} and the readers of
	 * this class write what is gathered first, so the order and what a reader sees stay those of the calls.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public int appendAll(List<NewEvent> events) {
		if (events.isEmpty()) {
			return 0;
		}
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			write(events);
			return events.size();
		}
		@SuppressWarnings("unchecked")
		List<NewEvent> pending = (List<NewEvent>) TransactionSynchronizationManager.getResource(pendingKey);
		if (pending == null) {
			pending = new ArrayList<>(events.size() * 2);
			TransactionSynchronizationManager.bindResource(pendingKey, pending);
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

				@Override
				public void beforeCommit(boolean readOnly) {
					flushPending();
				}

				@Override
				public void afterCompletion(int status) {
					TransactionSynchronizationManager.unbindResourceIfPossible(pendingKey);
				}
			});
		}
		pending.addAll(events);
		return events.size();
	}

	/** Writes the events {@link #appendAll} gathered in the current transaction, if any. */
	private void flushPending() {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			return;
		}
		@SuppressWarnings("unchecked")
		List<NewEvent> pending = (List<NewEvent>) TransactionSynchronizationManager.getResource(pendingKey);
		if (pending != null && !pending.isEmpty()) {
			List<NewEvent> events = List.copyOf(pending);
			pending.clear();
			write(events);
		}
	}

	private void write(List<NewEvent> events) {
		Map<String, Long> perSubject = new TreeMap<>();
		events.forEach(e -> perSubject.merge(e.subjectId(), 1L, Long::sum));
		Map<String, Long> next = new HashMap<>(perSubject.size() * 2);
		jdbc.sql("""
				INSERT INTO event_subject (subject_id, last_sequence)
				SELECT subject_id, n FROM unnest(:subjects::text[], :counts::bigint[]) AS c(subject_id, n) ORDER BY subject_id
				ON CONFLICT (subject_id) DO UPDATE SET last_sequence = event_subject.last_sequence + excluded.last_sequence
				RETURNING subject_id, last_sequence
				""")
			.param("subjects", perSubject.keySet().toArray(String[]::new))
			.param("counts", perSubject.values().toArray(Long[]::new))
			.query(rs -> {
				String subject = rs.getString(1);
				next.put(subject, rs.getLong(2) - perSubject.get(subject) + 1);
			});
		var now = clock.instant();
		BulkCopy copy = new BulkCopy(7);
		for (NewEvent e : events) {
			long sequence = next.merge(e.subjectId(), 1L, Long::sum) - 1;
			copy.row()
				.text(Ids.next("evt"))
				.text(e.type().wireName())
				.text(e.subjectId())
				.int8(sequence)
				.text(e.accountId())
				.json(json.writeValueAsString(e.data()))
				.timestamptz(now);
		}
		copy.into(dataSource, "domain_event (id, type, subject_id, sequence, account_id, data, created_at)");
	}

	/**
	 * One page of events, newest first, of one subject and/or one type when given (both optional), such that a client
	 * reading from the top and stopping at the newest event it already saw misses none. A position is taken at insert
	 * but becomes visible at commit, so:
	 * <ul>
	 * <li>the events of one subject come by {@code sequence}, which is commit order (the counter row stays locked
	 * until the appending transaction ends): the cursor's key is the sequence;</li>
	 * <li>any other list shows only the events written by transactions older than every transaction still in flight
	 * (the snapshot's {@code xmin}: each of those has ended, and any event that commits later has a larger
	 * transaction id), ordered by that id and then {@code position}: the cursor is {@code (xact_id, position)}. A long
	 * writing transaction holds back the events recorded after it began until it ends. So that a client reads what
	 * it has just changed (and the horizon is not held back by some other request's transaction of a few
	 * milliseconds), such a list first waits, {@link #SETTLE} at most, for the writing transactions in flight when it
	 * was asked to end. It waits before its transaction, on no connection of the pool between its checks (a check
	 * is one short statement on a connection taken for it and given back): waiting inside its transaction, as many
	 * lists as the pool has connections held them all while a long renewal batch ran, and every other request waited
	 * for a connection. The wait only makes a client see what it has just changed; what keeps the cursor right is
	 * the query's own horizon, read in the list's transaction.</li>
	 * </ul>
	 */
	public Page<RecordedEvent> page(@Nullable String subjectId, @Nullable EventType type, Page.Request request) {
		boolean bySubject = subjectId != null;
		if (!bySubject && !TransactionSynchronizationManager.isActualTransactionActive()) {
			awaitTransactionsInFlight();
			return Objects.requireNonNull(readOnly.execute(status -> read(null, type, request)));
		}
		return Objects.requireNonNull(readOnly.execute(status -> {
			// in the caller's transaction (its connection is held anyway): what it gathered is written first
			flushPending();
			if (!bySubject) {
				awaitTransactionsInFlight();
			}
			return read(subjectId, type, request);
		}));
	}

	private Page<RecordedEvent> read(@Nullable String subjectId, @Nullable EventType type, Page.Request request) {
		boolean bySubject = subjectId != null;
		List<Positioned> rows = jdbc.sql(pageQuery(bySubject, type))
			.param("subject", subjectId)
			.param("type", type == null ? null : type.wireName())
			.param("afterKey", Long.toString(request.after().key()))
			.param("afterPosition", request.after().seq())
			.param("limit", request.limit() + 1)
			.query((rs, n) -> new Positioned(map(rs, n), rs.getLong("xact")))
			.list();
		return Page.of(rows, request.limit(),
				r -> new Page.Cursor(bySubject ? r.event().sequence() : r.xact(), r.event().position()))
			.map(Positioned::event);
	}

	/** How long a list of more than one subject waits for the writing transactions in flight when it was asked. */
	static final Duration SETTLE = Duration.ofSeconds(1);

	/** How many times a list has waited a moment for a transaction in flight (for the tests to see it wait). */
	private final java.util.concurrent.atomic.AtomicLong settleWaits = new java.util.concurrent.atomic.AtomicLong();

	long settleWaits() {
		return settleWaits.get();
	}

	/**
	 * The first transaction id the wait of a list does not wait for: one past the newest transaction ended (the
	 * snapshot's {@code xmax}: every transaction committed before the list was asked, a client's change among them, is
	 * below it) or, when higher, one past the newest id held by a session of this database in flight (writing
	 * transactions begun before the list, which a snapshot does not list when they are above its {@code xmax}; a
	 * session reports its id in {@code pg_stat_activity} as a 32-bit {@code xid}, to every role, widened here next to
	 * {@code xmax}: an id in flight is less than 2^31 away from it).
	 * Inside a caller's transaction that has an id, no further than that id: it stays in flight until after the list.
	 * Takes no transaction id (which a read path would consume, and a replica cannot assign).
	 */
	private static final String WAIT_UNTIL = """
			WITH snap AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax)
			SELECT least(greatest(snap.xmax, coalesce(max(snap.xmax
			           + ((a.backend_xid::text::bigint - snap.xmax % 4294967296 + 6442450944) % 4294967296 - 2147483648)
			           + 1), 0)),
			       coalesce(pg_current_xact_id_if_assigned()::text::bigint, snap.xmax + 4294967296))
			FROM snap LEFT JOIN pg_stat_activity a
			  ON a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_xid IS NOT NULL
			GROUP BY snap.xmax
			""";

	/** The check of the wait: every transaction with an id below {@code :until} has ended. */
	private static final String SETTLED = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint >= :until";

	/** The first and the longest pause between two checks of the wait of a list. */
	static final Duration FIRST_PAUSE = Duration.ofMillis(2);

	static final Duration LONGEST_PAUSE = Duration.ofMillis(50);

	/**
	 * Waits until every writing transaction in flight when this was called has ended ({@link #SETTLE} at most, real
	 * time: a lease, not business time): until the snapshot's {@code xmin} (the oldest transaction in flight, or the
	 * next id when none is) reaches {@link #WAIT_UNTIL}. Each check is a statement of its own with a new snapshot
	 * (outside a transaction, on a connection of the pool taken for it and given back; inside the caller's READ
	 * COMMITTED transaction, each statement takes a new snapshot). The pause between checks doubles from
	 * {@link #FIRST_PAUSE} to {@link #LONGEST_PAUSE}: a short transaction is waited for closely, a long renewal batch
	 * with a few dozen checks a second rather than hundreds.
	 */
	private void awaitTransactionsInFlight() {
		long until = jdbc.sql(WAIT_UNTIL).query(Long.class).single();
		long deadline = System.nanoTime() + SETTLE.toNanos();
		long pause = FIRST_PAUSE.toNanos();
		while (!jdbc.sql(SETTLED).param("until", until).query(Boolean.class).single()) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				return;
			}
			settleWaits.incrementAndGet();
			try {
				Thread.sleep(Duration.ofNanos(Math.min(pause, left)));
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
			pause = Math.min(pause * 2, LONGEST_PAUSE.toNanos());
		}
	}

	/** An event and the id of the transaction that wrote it, which orders the lists of more than one subject. */
	private record Positioned(RecordedEvent event, long xact) {
	}

	/** The two types every renewal appends, most of the log: the only ones without an entry by type (V260). */
	static final List<EventType> BULK_TYPES = List.of(EventType.SUBSCRIPTION_RENEWED, EventType.CHARGE_SUCCEEDED);

	/**
	 * The query of {@link #page}: by subject along its sequence, else by a rare type along its own index (repeating
	 * the index's condition so that the planner uses it), else along {@code (xact_id, position)}.
	 */
	static String pageQuery(boolean bySubject, @Nullable EventType type) {
		StringBuilder where = new StringBuilder();
		String order;
		if (bySubject) {
			where.append("subject_id = :subject AND sequence < CAST(:afterKey AS bigint)");
			order = "sequence DESC";
		}
		else {
			where.append("xact_id < pg_snapshot_xmin(pg_current_snapshot())"
					+ " AND (xact_id, position) < (CAST(:afterKey AS xid8), :afterPosition)");
			order = "xact_id DESC, position DESC";
		}
		if (type != null) {
			where.append(" AND type = :type");
			if (!bySubject && !BULK_TYPES.contains(type)) {
				where.append(BULK_TYPES.stream().map(t -> "'" + t.wireName() + "'")
					.collect(java.util.stream.Collectors.joining(", ", " AND type NOT IN (", ")")));
			}
		}
		return """
				SELECT position, id, type, subject_id, sequence, account_id, data::text AS data, created_at,
				    xact_id::text::bigint AS xact
				FROM domain_event WHERE %s
				ORDER BY %s LIMIT :limit
				""".formatted(where, order);
	}

	/** The event types whose data can hold personal data, the only ones {@link #overwrite} changes. */
	private static final List<String> PERSONAL_PREFIXES = List.of("account.", "device.");

	/**
	 * Overwrites top-level fields of the {@code data} of an account's stored events whose type starts with
	 * {@code typePrefix} ({@code "account."} or {@code "device."}, the events with personal data): how a closure
	 * erases the personal data in its events. Only fields the data already has are written; returns how many events
	 * changed. The query repeats the condition of the partial index on {@code account_id} (V190) so that it is used.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public int overwrite(String accountId, String typePrefix, java.util.Map<String, String> fields) {
		if (!PERSONAL_PREFIXES.contains(typePrefix)) {
			throw new IllegalArgumentException("Only account.* and device.* events hold personal data: " + typePrefix);
		}
		flushPending();
		int changed = 0;
		for (var field : fields.entrySet()) {
			changed += jdbc.sql("""
					UPDATE domain_event SET data = jsonb_set(data::jsonb, ARRAY[:field], to_jsonb(CAST(:value AS text)))::json
					WHERE account_id = :account AND (type LIKE 'account.%' OR type LIKE 'device.%')
					  AND starts_with(type, :prefix) AND jsonb_exists(data::jsonb, :field)
					  AND data ->> :field IS DISTINCT FROM :value
					""")
				.param("field", field.getKey())
				.param("value", field.getValue())
				.param("account", accountId)
				.param("prefix", typePrefix)
				.update();
		}
		return changed;
	}

	/**
	 * Deletes up to {@code limit} events recorded before {@code before}, oldest first; returns how many. The
	 * subjects' counters stay, so a subject's sequence never starts over.
	 */
	@Transactional
	public int deleteRecordedBefore(java.time.Instant before, int limit) {
		return jdbc.sql("""
				DELETE FROM domain_event WHERE position IN (
				    SELECT position FROM domain_event WHERE created_at < :before ORDER BY position LIMIT :limit)
				""").param("before", Timestamp.from(before)).param("limit", limit).update();
	}

	/** The events of one subject, in sequence. */
	public List<RecordedEvent> ofSubject(String subjectId) {
		flushPending();
		return jdbc.sql("""
				SELECT position, id, type, subject_id, sequence, account_id, data::text AS data, created_at
				FROM domain_event WHERE subject_id = :subject ORDER BY sequence
				""").param("subject", subjectId).query(EventLog::map).list();
	}

	static RecordedEvent map(ResultSet rs, int row) throws SQLException {
		return new RecordedEvent(rs.getLong("position"), rs.getString("id"),
				EventType.ofWireName(rs.getString("type")).orElseThrow(), rs.getString("subject_id"),
				rs.getLong("sequence"), rs.getString("account_id"), rs.getString("data"),
				rs.getTimestamp("created_at").toInstant());
	}
}
