package dev.subdesk.webhooks;

import dev.subdesk.shared.StorableText;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.io.JsonStringEncoder;

/**
 * Delivers the domain events to the webhook endpoints. Every node runs one; they share the work through claims in
 * the database:
 * <ul>
 * <li><b>Fan-out</b>: one node at a time (a transaction-scoped advisory lock) takes the oldest rows of
 * {@code webhook_fanout} (one per committed event, written by a trigger in the event's own transaction, so an event
 * that commits after one with a larger position is still taken) and makes one PENDING delivery per endpoint that
 * wants the event's type and existed when the event was recorded (an endpoint made while older events still wait in
 * the queue does not get them), in position order, which for one subject is sequence order.</li>
 * <li><b>Claim</b>: a due PENDING delivery whose subject has no earlier PENDING delivery to the same endpoint is
 * claimed with {@code FOR UPDATE SKIP LOCKED}: its attempt count goes up and it carries this sender's token and a
 * lease; no other sender takes it while the lease runs, so one attempt is sent once. A node that dies leaves a lease
 * that lapses, and another node makes the next attempt. The lease runs in real time, on the database's clock (the
 * same for every node), not on the clock bean: that one is moved forward in demo and test mode, and its offset lives
 * in the process, so a lease taken on it lapsed at once when the clock was moved a day during an attempt (sent twice),
 * and a node that stopped while the clock stood ahead left a lease that a restarted node, its clock back at real time,
 * waited on for as long (and the subject's later events behind it). When an attempt is due and the retry schedule
 * stay on the clock bean.</li>
 * <li><b>Send</b>: outside any transaction, on a virtual thread, at most an endpoint's window at once per endpoint on
 * this node ({@link SendWindows}: wider while the receiver keeps up, narrower when it fails), so a slow receiver holds
 * back only its own deliveries. The outcome is written only under the token.</li>
 * </ul>
 */
@Component
class Dispatcher implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

	/** Events fanned out per round: most events concern no endpoint, and fanning out is cheap. */
	static final int FAN_OUT_BATCH = 2_000;

	private static final long FANOUT_LOCK = 0x5744_4f55_5446_414eL;

	/**
	 * Takes the oldest committed events off the fan-out queue and makes their deliveries; answers how many events it
	 * took (events no endpoint wants make none, and must not look like no work, or the queue drains at one batch
	 * per idle interval). The endpoints are locked against deletion for the round: an endpoint deleted after the
	 * statement began is skipped, not written into a delivery whose foreign key then fails the whole round.
	 */
	static final String FAN_OUT = """
			WITH taken AS (
			    DELETE FROM webhook_fanout WHERE position = ANY (ARRAY(
			        SELECT position FROM webhook_fanout ORDER BY position LIMIT :batch FOR UPDATE SKIP LOCKED))
			    RETURNING position),
			made AS (
			    INSERT INTO webhook_delivery (id, endpoint_id, event_position, event_id, event_type, subject_id, sequence,
			        status, next_attempt_at, created_at)
			    SELECT 'wd_' || replace(gen_random_uuid()::text, '-', ''), w.id, e.position, e.id, e.type, e.subject_id,
			        e.sequence, 'PENDING', :now, :now
			    FROM taken t JOIN domain_event e ON e.position = t.position
			    JOIN (SELECT id, seq, events, created_at FROM webhook_endpoint WHERE status = 'ENABLED' FOR KEY SHARE) w
			        ON w.created_at <= e.created_at AND (w.events @> ARRAY['*'] OR e.type = ANY (w.events))
			    ORDER BY e.position, w.seq
			    ON CONFLICT (endpoint_id, event_id) DO NOTHING
			    RETURNING 1)
			SELECT (SELECT count(*) FROM taken) AS taken, (SELECT count(*) FROM made) AS made
			""";

	/**
	 * Deliveries made since the last {@code ANALYZE} of {@code webhook_delivery} after which the dispatcher runs one
	 * itself. A burst (a renewal run's events) turns a table whose statistics say "nothing due" into one with tens of
	 * thousands of PENDING rows long before autovacuum next looks (once a minute by default): with those statistics
	 * the planner checks a claim's per-subject order through the wrong index, a claim takes some 100 ms instead of
	 * one, and deliveries fall to a few hundred a second until autovacuum's analyze (measured: 56 s behind a
	 * 20,000-renewal run before, 17 s after). The claim's plan has since been made independent of the statistics
	 * ({@link #CLAIM_PLAN}; behind a 100,000-renewal run the last delivery came as late with this {@code ANALYZE} as
	 * without it); it stays for the table's other readers (the deliveries' log, the retention purge).
	 */
	private static final int ANALYZE_AFTER = 5_000;

	/**
	 * At most one such {@code ANALYZE} in this long: a long burst needs its statistics fixed once, not again. (Every
	 * 10 s once stalled bursts: each {@code ANALYZE} could land on a nearly empty table, and the claim planned with
	 * those statistics ran for minutes; the claim's plan no longer depends on them, see {@link #CLAIM}.)
	 */
	private static final Duration ANALYZE_AT_MOST_EVERY = Duration.ofSeconds(60);

	/**
	 * The due deliveries, at most the room an endpoint has left on this node (its {@link SendWindows window} less its
	 * attempts in flight here: {@code :known} and {@code :rooms}, {@code :initial} for the others), looked up endpoint
	 * by endpoint (endpoints with less than half their window free left out, so that claims come in batches and not
	 * one by one as attempts complete), so that no endpoint's backlog, however old and large (a receiver down for
	 * hours, all its retries due at once), can hide another endpoint's work from a claim; then the oldest first, up to
	 * {@code :batch}. The room is the per-endpoint scan's {@code LIMIT}, so a claim reads no more of an endpoint's
	 * backlog than it can take: a scan limited to {@code :most} (512) whose rows were ranked and then cut to the room
	 * read, and checked the subject order of, up to 512 rows per endpoint with a backlog at every claim, to take the
	 * 16 or so its room allowed.
	 * Each is the earliest PENDING delivery of its subject at its endpoint, or a manual retry, which goes out at once,
	 * outside its subject's order. A manual retry still counts as its subject's earliest PENDING delivery, so the later
	 * ones wait for it as for any retry: left out of that look-up, a retry of sequence 1 let sequence 2 out in the same
	 * claim, and when the retry failed the receiver had sequence 2 first.
	 * Besides, the due manual retries of DISABLED endpoints (sent even so, see {@link #UNCOUNTED}), looked up endpoint
	 * by endpoint too, at most the endpoint's room as above (however many retries its owner asked for, they take no
	 * more of a claim than an ENABLED endpoint's backlog: taken up to {@code :batch}, all due before anything new,
	 * they filled every claim, which gave back all but the endpoint's window row by row, and starved every other
	 * endpoint), at most {@code :batch} in all, through their own partial index ({@code webhook_delivery_manual},
	 * V290), which holds only the PENDING manual retries: a DISABLED endpoint's ordinary deliveries are never read,
	 * however many there are, and never claimed. That index is keyed like {@code webhook_delivery_due_per_endpoint}
	 * and holds a part of its rows, so for the same conditions it is never the dearer to read, whatever the statistics
	 * say (the per-endpoint index would read a DISABLED endpoint's backlog to find its few manual rows).
	 * <p>
	 * The plan must not depend on the statistics, which a burst makes wrong (taken while nothing was PENDING, or
	 * never): the order check asks for the subject's first sequence in index order, which only
	 * {@code webhook_delivery_subject} gives without a sort (as {@code NOT EXISTS} the planner, believing PENDING
	 * rows rare, could take the per-endpoint index and read all of an endpoint's PENDING rows for each candidate;
	 * with the lateral scan run again for every PENDING row besides, a claim over a few hundred rows took seconds).
	 * <p>
	 * Nor may the rest: {@code due} is read once, as an array ({@code ARRAY(...)} is run once, before the rows it
	 * names are looked up by their key), and the rows are locked and updated through their key; and the claim's
	 * transaction first sets {@link #CLAIM_PLAN}. With statistics taken while the table was almost empty (an earlier
	 * burst delivered and gone, a quiet night), then a burst of PENDING rows, the planner had put every PENDING row
	 * on the outer side of a nested loop and run the whole per-endpoint scan again for each, that scan and the order
	 * check each reading all of the endpoint's rows through bitmap scans: auto_explain in the webhook benchmark showed
	 * one claim over 50,000 PENDING rows running for 183 s while nothing was delivered and the leases lapsed (the
	 * stalls seen when the dispatcher ran {@code ANALYZE} every 10 s, which made landing on such statistics likely).
	 * <p>
	 * Whether a delivery is due is business time ({@code :now}, the clock bean); whether a claim's lease has lapsed,
	 * and the new lease, are real time on the database's clock ({@code statement_timestamp()}, one instant for the
	 * whole statement and stable for the planner, the same for every node), see the class comment.
	 */
	static final String CLAIM = """
			WITH due AS (
			    SELECT d.id, d.next_attempt_at, d.event_position
			    FROM webhook_endpoint w
			    CROSS JOIN LATERAL (
			        SELECT d.id, d.next_attempt_at, d.event_position
			        FROM webhook_delivery d
			        WHERE d.endpoint_id = w.id AND d.status = 'PENDING' AND d.next_attempt_at <= :now
			          AND (d.claimed_until IS NULL OR d.claimed_until <= statement_timestamp())
			          AND (d.manual OR d.sequence <= coalesce((
			              SELECT p.sequence FROM webhook_delivery p
			              WHERE p.endpoint_id = d.endpoint_id AND p.subject_id = d.subject_id AND p.status = 'PENDING'
			              ORDER BY p.sequence LIMIT 1), d.sequence))
			        ORDER BY d.next_attempt_at, d.event_position
			        LIMIT greatest(least(coalesce((SELECT f.room FROM unnest(CAST(:known AS text[]),
			            CAST(:rooms AS integer[])) AS f (id, room) WHERE f.id = w.id), :initial), :most), 0)) d
			    WHERE w.status = 'ENABLED' AND w.id <> ALL (:busy)
			    UNION ALL
			    (SELECT m.id, m.next_attempt_at, m.event_position
			    FROM webhook_endpoint w
			    CROSS JOIN LATERAL (
			        SELECT d.id, d.next_attempt_at, d.event_position
			        FROM webhook_delivery d
			        WHERE d.endpoint_id = w.id AND d.status = 'PENDING' AND d.manual AND d.next_attempt_at <= :now
			          AND (d.claimed_until IS NULL OR d.claimed_until <= statement_timestamp())
			        ORDER BY d.next_attempt_at, d.event_position
			        LIMIT greatest(least(coalesce((SELECT f.room FROM unnest(CAST(:known AS text[]),
			            CAST(:rooms AS integer[])) AS f (id, room) WHERE f.id = w.id), :initial), :most), 0)) m
			    WHERE w.status = 'DISABLED' AND w.id <> ALL (:busy)
			    ORDER BY m.next_attempt_at, m.event_position
			    LIMIT :batch)),
			claimed AS (
			    SELECT d.id FROM webhook_delivery d
			    WHERE d.id = ANY (ARRAY(SELECT due.id FROM due ORDER BY due.next_attempt_at, due.event_position
			                            LIMIT :batch))
			      AND d.status = 'PENDING' AND (d.claimed_until IS NULL OR d.claimed_until <= statement_timestamp())
			    FOR UPDATE OF d SKIP LOCKED)
			UPDATE webhook_delivery d SET attempts = d.attempts + 1,
			    claimed_until = statement_timestamp() + CAST(:leaseMillis AS bigint) * interval '1 millisecond', claim_token = :token,
			    first_attempt_at = coalesce(d.first_attempt_at, CASE WHEN d.attempts = 0 THEN CAST(:now AS timestamptz) END)
			WHERE d.id = ANY (ARRAY(SELECT id FROM claimed))
			RETURNING d.id, d.endpoint_id, d.event_position, d.attempts, coalesce(d.first_attempt_at, d.created_at) AS since
			""";

	/**
	 * Planner settings for the fan-out's transaction. Its queue is empty most of the time, then a burst, so its
	 * statistics are wrong exactly when it matters: with statistics taken while it was almost empty, the queue's head
	 * ({@code LIMIT ... FOR UPDATE SKIP LOCKED}) was taken again for every queued row, and one round over 5,000 queued
	 * events ran 35 s and took all of them. With the head read once as an array and these settings (no sequential,
	 * no bitmap scans: the queue read along its key), a round reads the rows it takes. Local to the transaction.
	 */
	static final String FAN_OUT_PLAN = """
			SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)
			""";

	/**
	 * Planner settings for the claim's transaction, so that no statistics can make its plan read more than the rows
	 * it claims and their index entries: only index scans, in index order where an order is asked for (the
	 * per-endpoint scan in due order, the order check along {@code webhook_delivery_subject}, the claimed rows by
	 * their key), no bitmap scans, no sequential scans, a sort only where nothing else gives the order (the few
	 * hundred due rows). Not for the fan-out: there, avoiding a sort would mean reading {@code domain_event} whole in
	 * its key's order. Local to the transaction.
	 */
	static final String CLAIM_PLAN = """
			SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
			    set_config('enable_sort', 'off', true)
			""";

	/** Gives a claim back, its attempt not made: a first attempt given back is no first attempt either. */
	private static final String RELEASE = """
			UPDATE webhook_delivery SET attempts = attempts - 1, claimed_until = NULL, claim_token = NULL,
			    first_attempt_at = CASE WHEN attempts = 1 THEN NULL ELSE first_attempt_at END
			WHERE id = :id AND claim_token = :token
			""";

	private static final String EVENTS = """
			SELECT position, id, type, subject_id, sequence, data::text AS data, created_at
			FROM domain_event WHERE position = ANY (:positions)
			""";

	/**
	 * The endpoints of a round with their secrets: the current one, then each rotated-out one still within its 24
	 * hours, newest first (a row per old secret; none: one row with nulls), and a plain previous one of a row from
	 * before V180 that the start-up has not sealed yet.
	 */
	private static final String TARGETS = """
			SELECT w.id, w.url, w.sealed_secret, w.secret, w.secret_kek_id,
			    CASE WHEN w.previous_secret_until > :now THEN w.previous_secret END AS previous_secret,
			    o.seq AS old_secret_seq, o.sealed_secret AS sealed_old_secret, o.secret_kek_id AS old_secret_kek_id
			FROM webhook_endpoint w
			LEFT JOIN webhook_endpoint_old_secret o ON o.endpoint_id = w.id AND o.signs_until > :now
			WHERE w.id = ANY (:ids)
			ORDER BY w.id, o.signs_until DESC, o.seq DESC
			""";

	private static final String SUCCEEDED = """
			UPDATE webhook_delivery d SET status = 'SUCCEEDED', last_status_code = s.code, last_error = NULL,
			    next_attempt_at = NULL, claimed_until = NULL, claim_token = NULL, manual = false, finished_at = :now
			FROM unnest(CAST(:ids AS text[]), CAST(:tokens AS text[]), CAST(:codes AS integer[])) AS s (id, token, code)
			WHERE d.id = s.id AND d.claim_token = s.token
			""";

	/**
	 * Locks that the outcome of an attempt takes on its endpoints before it touches a delivery: the order in which a
	 * deletion of the endpoint locks them (the endpoint, then its deliveries by the cascade), so that the two never
	 * wait for each other. A shared lock, as senders of one endpoint do not exclude each other; in id order, as one
	 * round's successes may concern several endpoints.
	 */
	private static final String ENDPOINTS_FIRST = """
			SELECT id FROM webhook_endpoint WHERE id = ANY (:ids) ORDER BY id FOR KEY SHARE
			""";

	/**
	 * A success ends the endpoint's failing streak, and with it its having been disabled for failing: a manual retry
	 * that succeeds to an endpoint the dispatcher disabled shows that not every delivery fails there any more. The
	 * endpoint stays DISABLED (only its owner enables it, shared/API.md names no other way back), now as its owner's:
	 * its PENDING deliveries wait for the owner to enable it, and a failure recorded later (an attempt in flight) no
	 * longer gives up on them as though the 3 days of failures were still running (it kept the flag, and the first
	 * failure after the success failed every PENDING delivery of the endpoint).
	 */
	private static final String ENDPOINT_SUCCEEDED = """
			UPDATE webhook_endpoint SET failing_since = NULL, disabled_for_failing = false WHERE id IN (
			    SELECT id FROM webhook_endpoint WHERE id = ANY (:ids)
			      AND (failing_since IS NOT NULL OR disabled_for_failing)
			    ORDER BY id FOR NO KEY UPDATE)
			""";

	private static final String FAILED = """
			UPDATE webhook_delivery SET status = :status, last_status_code = :code, last_error = :error,
			    next_attempt_at = :next, claimed_until = NULL, claim_token = NULL, manual = false,
			    finished_at = CASE WHEN :status = 'FAILED' THEN CAST(:now AS timestamptz) END
			WHERE id = :id AND claim_token = :token
			""";

	/**
	 * Whether a failed attempt, still this sender's, was a manual retry to an endpoint that is DISABLED: its owner's
	 * probe of a receiver nothing else is sent to, which does not count in the endpoint's failing streak (counted, one
	 * failure of an endpoint disabled after failing for more than 3 days would fail every delivery left PENDING there,
	 * the other manual retries not sent yet among them). Apart from that it is recorded like any failed attempt:
	 * retried on the schedule (FAILED when the schedule has no attempt left), no longer manual, so that it waits, first
	 * of its subject again, until the endpoint is enabled (shared/API.md: retried until 3 days have passed; one
	 * subject's events in order). Locks the delivery, after its endpoint ({@link #ENDPOINTS_FIRST}), so that a retry asked
	 * meanwhile either comes before (the claim is gone: nothing is recorded) or after (it makes the delivery PENDING
	 * again).
	 */
	private static final String UNCOUNTED = """
			SELECT d.manual AND w.status = 'DISABLED' FROM webhook_delivery d JOIN webhook_endpoint w ON w.id = d.endpoint_id
			WHERE d.id = :id AND d.claim_token = :token
			FOR NO KEY UPDATE OF d
			""";

	/**
	 * Counts a failure in an ENABLED endpoint's failing streak, and disables it when the streak has lasted 3 days;
	 * answers whether the endpoint is disabled for failing (now, or before while this attempt was in flight: then its
	 * delivery ends FAILED too, see {@link #ENDPOINT_GIVEN_UP}). An endpoint its owner disabled is left alone (no row:
	 * not given up), its PENDING deliveries waiting as they are until it is enabled again. Decided on the endpoint's
	 * row as this statement locks it: an owner's disabling committed while the statement waited for the row is seen
	 * (a status read before, without that lock, could still say ENABLED, and the failure then gave up on every
	 * PENDING delivery of an endpoint its owner had just disabled).
	 */
	private static final String ENDPOINT_FAILED = """
			UPDATE webhook_endpoint SET failing_since = COALESCE(failing_since, :now),
			    status = CASE WHEN COALESCE(failing_since, :now) <= :disableBefore THEN 'DISABLED' ELSE status END,
			    disabled_for_failing = disabled_for_failing OR COALESCE(failing_since, :now) <= :disableBefore
			WHERE id = :id AND (status = 'ENABLED' OR disabled_for_failing)
			RETURNING disabled_for_failing AS given_up
			""";

	/**
	 * An endpoint disabled for failing for 3 days is sent nothing more: its deliveries still PENDING, those not
	 * in flight, end FAILED now rather than wait for ever (a delivery in flight ends so when its failure is
	 * recorded). Its owner can send any of them again with a manual retry, which is sent even while the endpoint is
	 * DISABLED; the manual retries asked and not sent yet are left to be sent so.
	 */
	private static final String ENDPOINT_GIVEN_UP = """
			UPDATE webhook_delivery SET status = 'FAILED', last_error = :error, next_attempt_at = NULL,
			    claimed_until = NULL, claim_token = NULL, manual = false, finished_at = :now
			WHERE endpoint_id = :id AND status = 'PENDING' AND NOT manual
			  AND (claimed_until IS NULL OR claimed_until <= statement_timestamp())
			""";

	static final String GIVEN_UP_ERROR = "not sent: the endpoint was disabled after failing for 3 days";

	private final JdbcClient jdbc;
	private final TransactionTemplate transactions;
	private final Clock clock;
	private final WebhookProperties properties;
	private final WebhookMeters meters;
	private final Destinations destinations;
	/**
	 * The senders' HTTP client (a pool of connections and two threads of its own): made when a round first sends,
	 * so a node that never sends (webhooks off, a context that never starts) holds none; a stop closes it and the
	 * next round that sends makes a new one.
	 */
	private volatile @Nullable WebhookHttp http;
	private final Object httpLock = new Object();
	private final String node = UUID.randomUUID().toString();
	private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

	/**
	 * The rotated-out secrets ({@code webhook_endpoint_old_secret.seq}) that do not open and that this node has
	 * warned about already, so that each is warned about once per node rather than once per dispatch round for its
	 * 24 hours. Grows only by such damaged or foreign-key rows, whose numbers are never used again.
	 */
	private final Set<Long> warnedOldSecrets = ConcurrentHashMap.newKeySet();
	private final SendWindows windows;
	private final Semaphore wake = new Semaphore(0);
	/** Successes waiting to be written: the loop writes them in one statement per round. */
	private final java.util.concurrent.ConcurrentLinkedQueue<Success> successes = new java.util.concurrent.ConcurrentLinkedQueue<>();
	private volatile ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();

	/** Deliveries this node's fan-out made since it last ran {@link #analyze} (the fan-out loop's thread only). */
	private long madeSinceAnalyze;
	/** When {@link #analyze} last ran ({@link System#nanoTime}), or 0. */
	private long lastAnalyze;

	private volatile boolean running;
	/** The loops of the current start ({@link #start}): sending and fan-out; a loop of another generation ends. */
	private volatile @Nullable Object generation;
	private volatile List<Thread> loops = List.of();
	/** Wakes the fan-out loop (the sending loop has {@link #wake}). */
	private final Semaphore fanOutWake = new Semaphore(0);

	private final SealedSecrets secrets;

	Dispatcher(JdbcClient jdbc, TransactionTemplate transactions, Clock clock,
			WebhookProperties properties, WebhookMeters meters, SealedSecrets secrets) {
		this.jdbc = jdbc;
		this.secrets = secrets;
		this.transactions = transactions;
		this.clock = clock;
		this.properties = properties;
		this.meters = meters;
		this.destinations = new Destinations(properties.allowPrivate());
		this.windows = new SendWindows(properties.perEndpoint());
	}

	/** The senders' HTTP client, made now if there is none. */
	private WebhookHttp http() {
		WebhookHttp client = http;
		if (client == null) {
			// not this object's monitor: a stop holds that while it waits for the loops
			synchronized (httpLock) {
				client = http;
				if (client == null) {
					client = new WebhookHttp(properties.timeout(), properties.allowPrivate());
					http = client;
				}
			}
		}
		return client;
	}

	/** Makes this node look for work at once (after the current transaction commits, if there is one). */
	void wakeAfterCommit() {
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCommit() {
					wake.release();
					fanOutWake.release();
				}
			});
		}
		else {
			wake.release();
			fanOutWake.release();
		}
	}

	@Override
	public synchronized void start() {
		if (!properties.enabled() || running) {
			return;
		}
		if (senders.isShutdown()) {
			// started again after a stop (a paused test context, a restarted lifecycle): new senders
			senders = Executors.newVirtualThreadPerTaskExecutor();
		}
		running = true;
		// the loops are known as this start's before they run: a loop of an earlier start ends at once
		Object current = new Object();
		generation = current;
		List<Thread> threads = List.of(loop("webhook-dispatcher", current, this::sendRound, wake),
				loop("webhook-fan-out", current, this::fanOutRound, fanOutWake));
		loops = threads;
		threads.forEach(Thread::start);
	}

	private Thread loop(String name, Object current, Round round, Semaphore wakeUp) {
		return Thread.ofPlatform()
			.name(name)
			.daemon()
			.uncaughtExceptionHandler((t, e) -> log.error("The webhook dispatcher's {} loop stopped on an error", name, e))
			.unstarted(() -> run(current, round, wakeUp));
	}

	@Override
	public synchronized void stop() {
		running = false;
		generation = null;
		List<Thread> threads = loops;
		loops = List.of();
		threads.forEach(Thread::interrupt);
		Duration patience = properties.timeout().plusSeconds(20);
		for (Thread thread : threads) {
			try {
				// a round inside a statement ends when the statement does
				thread.join(patience);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			if (thread.isAlive()) {
				log.warn("The webhook dispatcher's {} did not end within {}; it ends after its round", thread.getName(),
						patience);
			}
		}
		senders.shutdown();
		try {
			senders.awaitTermination(properties.timeout().toSeconds() + 1, TimeUnit.SECONDS);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		WebhookHttp client;
		synchronized (httpLock) {
			client = http;
			http = null;
		}
		if (client != null) {
			client.close();
		}
		recordSuccesses();
	}

	@Override
	public boolean isRunning() {
		return running;
	}

	/** One round of a loop: whether it found work (if not, the loop waits to be woken or for the interval). */
	@FunctionalInterface
	private interface Round {

		boolean run();
	}

	private void run(Object current, Round round, Semaphore wakeUp) {
		// a loop that a stop let go of ends, even when the next start came before the end of its round
		while (running && generation == current) {
			try {
				if (!round.run()) {
					wakeUp.tryAcquire(properties.interval().toMillis(), TimeUnit.MILLISECONDS);
					wakeUp.drainPermits();
				}
			}
			catch (InterruptedException e) {
				return;
			}
			catch (RuntimeException e) {
				if (!running || generation != current) {
					return;
				}
				log.warn("Webhook dispatch failed; trying again shortly", e);
				try {
					Thread.sleep(properties.interval().multipliedBy(5));
				}
				catch (InterruptedException interrupted) {
					return;
				}
			}
		}
	}

	/**
	 * The sending loop's round: record the successes so far, claim what is due and start sending it. Fan-out has
	 * its own loop, so that a burst of events to fan out (a renewal run) does not keep this one from claiming.
	 */
	private boolean sendRound() {
		int recorded = recordSuccesses();
		int started = dispatch();
		return recorded > 0 || started > 0;
	}

	/** The fan-out loop's round: new deliveries wake the sending loop. */
	private boolean fanOutRound() {
		boolean made = fanOut() > 0;
		if (made) {
			wake.release();
		}
		return made;
	}

	/**
	 * One round of both loops, in one thread (tests drive nodes this way): fan out what committed, claim what is due
	 * and start sending it. Whether there was work.
	 */
	boolean step() {
		int recorded = recordSuccesses();
		int made = fanOut();
		int started = dispatch();
		return recorded > 0 || made > 0 || started > 0;
	}

	/** Turns committed events into deliveries, if no other node is doing it; how many events it took. */
	int fanOut() {
		long[] counts = withoutWaitingForDisk(() -> {
			boolean mine = jdbc.sql("SELECT pg_try_advisory_xact_lock(:key)")
				.param("key", FANOUT_LOCK)
				.query(Boolean.class)
				.single();
			if (!mine) {
				return new long[2];
			}
			jdbc.sql(FAN_OUT_PLAN).query().listOfRows();
			return jdbc.sql(FAN_OUT)
				.param("batch", FAN_OUT_BATCH)
				.param("now", Timestamp.from(clock.instant()))
				.query((rs, n) -> new long[] { rs.getLong("taken"), rs.getLong("made") })
				.single();
		});
		if (counts == null) {
			return 0;
		}
		madeSinceAnalyze += counts[1];
		if (madeSinceAnalyze >= ANALYZE_AFTER) {
			analyze();
		}
		return (int) counts[0];
	}

	/**
	 * Runs the work in a transaction whose commit does not wait for its WAL to reach the disk. Safe for the
	 * dispatcher's bookkeeping (fan-out, claims, successes): if PostgreSQL itself crashes and loses the last fraction
	 * of a second of these commits, the events are fanned out again (ON CONFLICT DO NOTHING), or the attempts are due
	 * again and repeated: delivery is at least once, and receivers deduplicate by {@code webhook-id}. Spares a disk
	 * flush per round, which on these machines is much of a round.
	 */
	private <T> T withoutWaitingForDisk(java.util.function.Supplier<T> work) {
		return transactions.execute(status -> {
			jdbc.sql("SET LOCAL synchronous_commit TO OFF").update();
			return work.get();
		});
	}

	/** Brings the planner's statistics of the deliveries up to date after a burst: see {@link #ANALYZE_AFTER}. */
	private void analyze() {
		long now = System.nanoTime();
		if (lastAnalyze != 0 && now - lastAnalyze < ANALYZE_AT_MOST_EVERY.toNanos()) {
			return;
		}
		lastAnalyze = now;
		madeSinceAnalyze = 0;
		try {
			jdbc.sql("ANALYZE webhook_delivery").update();
		}
		catch (DataAccessException e) {
			// not the table's owner (an external database set up otherwise): autovacuum's analyze comes later
			log.info("Could not analyze webhook_delivery after a burst of deliveries: {}", e.getMessage());
		}
	}

	/** Claims the due deliveries this node has room for and starts sending them; how many it started. */
	int dispatch() {
		return send(claim());
	}

	/**
	 * Starts sending what this node {@link #claim claimed}: looks up the events and endpoints, then one sender per
	 * attempt; how many it started.
	 */
	int send(List<Claim> claims) {
		if (claims.isEmpty()) {
			return 0;
		}
		Map<Long, Event> events;
		Map<String, Target> targets;
		try {
			events = events(claims);
			targets = targets(claims);
		}
		catch (RuntimeException e) {
			// not sent: their leases lapse and they are claimed again; this node must not go on counting them
			forget(claims);
			throw e;
		}
		ExecutorService executor = senders;
		WebhookHttp client = http();
		for (int i = 0; i < claims.size(); i++) {
			Claim claim = claims.get(i);
			try {
				executor.execute(() -> {
					try {
						Target target = targets.get(claim.endpointId());
						if (target == null) {
							// the endpoint was deleted after the claim, and the delivery with it (ON DELETE CASCADE):
							// there is nothing to send it to, nor any row to record an outcome on
							log.debug("Webhook delivery {} not sent: its endpoint {} was deleted", claim.id(),
									claim.endpointId());
							return;
						}
						send(client, claim, events.get(claim.position()), target);
					}
					catch (RuntimeException e) {
						log.warn("Recording the outcome of webhook delivery {} failed; its lease will lapse", claim.id(),
								e);
					}
					finally {
						// wake the loop when a claim for this endpoint would take a batch again (half its window
						// free), not at every completion: rounds of a few records and an empty claim cost as much as
						// full ones; the loop's idle interval records the successes of a burst's last few
						int left = inFlight.get(claim.endpointId()).decrementAndGet();
						if (left <= windows.of(claim.endpointId()) / 2) {
							wake.release();
						}
					}
				});
			}
			catch (RejectedExecutionException e) {
				// stopped meanwhile: these claims are not sent by this node (their leases lapse) nor counted in flight
				claims.subList(i, claims.size()).forEach(this::release);
				return i;
			}
		}
		return claims.size();
	}

	/**
	 * Takes due deliveries, at most an endpoint's window in flight per endpoint; gives back what exceeds that (the
	 * claim asks for no more than the room left, but a failure may have narrowed the window in between).
	 */
	List<Claim> claim() {
		String token = node + ":" + UUID.randomUUID();
		Map<String, Integer> rooms = new LinkedHashMap<>();
		List<String> busy = new ArrayList<>();
		inFlight.forEach((endpoint, count) -> {
			int window = windows.of(endpoint);
			int flying = count.get();
			rooms.put(endpoint, window - flying);
			if (flying > window / 2) {
				busy.add(endpoint);
			}
		});
		Instant now = clock.instant();
		List<Claim> taken = withoutWaitingForDisk(() -> {
			jdbc.sql(CLAIM_PLAN).query().listOfRows();
			return jdbc.sql(CLAIM)
				.param("now", Timestamp.from(now))
				.param("leaseMillis", properties.lease().toMillis())
				.param("token", token)
				.param("busy", busy.toArray(String[]::new))
				.param("known", rooms.keySet().toArray(String[]::new))
				.param("rooms", rooms.values().toArray(Integer[]::new))
				.param("initial", windows.initial())
				.param("most", properties.perEndpoint())
				.param("batch", properties.batch())
				.query((rs, n) -> new Claim(rs.getString("id"), rs.getString("endpoint_id"),
						rs.getLong("event_position"), rs.getInt("attempts"), rs.getTimestamp("since").toInstant(),
						token))
				.list();
		});
		List<Claim> kept = new ArrayList<>();
		for (Claim claim : taken) {
			AtomicInteger count = inFlight.computeIfAbsent(claim.endpointId(), id -> new AtomicInteger());
			if (count.incrementAndGet() <= windows.of(claim.endpointId())) {
				kept.add(claim);
			}
			else {
				count.decrementAndGet();
				jdbc.sql(RELEASE).param("id", claim.id()).param("token", token).update();
			}
		}
		return kept;
	}

	/** Gives up this node's count of attempts in flight for claims that were not sent through {@link #dispatch}. */
	void forget(List<Claim> claims) {
		claims.forEach(claim -> inFlight.get(claim.endpointId()).decrementAndGet());
	}

	/** Gives a claim back at once, its attempt not made, and stops counting it in flight. */
	private void release(Claim claim) {
		inFlight.get(claim.endpointId()).decrementAndGet();
		jdbc.sql(RELEASE).param("id", claim.id()).param("token", claim.token()).update();
	}

	private Map<Long, Event> events(List<Claim> claims) {
		Map<Long, Event> events = new LinkedHashMap<>();
		jdbc.sql(EVENTS)
			.param("positions", claims.stream().map(Claim::position).distinct().toArray(Long[]::new))
			.query((rs, n) -> new Event(rs.getLong("position"), rs.getString("id"), rs.getString("type"),
					rs.getString("subject_id"), rs.getLong("sequence"), rs.getString("data"),
					rs.getTimestamp("created_at").toInstant()))
			.list()
			.forEach(e -> events.put(e.position(), e));
		return events;
	}

	/**
	 * The endpoints of these claims with the secrets that sign. One whose current secret does not open cannot sign
	 * (its deliveries wait, logged as an error); a rotated-out secret that does not open (its row altered, or sealed
	 * under a key this server does not have) is left out and the others sign: it would sign nothing, and it lapses
	 * within 24 hours. Such a secret is logged as a warning the first round this node leaves it out (one line per
	 * endpoint naming its rows), after that at debug level only: once per round, its 24 hours made thousands of the
	 * same line ({@link #warnedOldSecrets}).
	 */
	private Map<String, Target> targets(List<Claim> claims) {
		Map<String, Target> targets = new LinkedHashMap<>();
		Map<String, List<NotOpening>> oldNotOpening = new LinkedHashMap<>();
		jdbc.sql(TARGETS)
			.param("ids", claims.stream().map(Claim::endpointId).distinct().toArray(String[]::new))
			.param("now", Timestamp.from(clock.instant()))
			.query((RowCallbackHandler) rs -> {
				String id = rs.getString("id");
				Target known = targets.get(id);
				if (known != null && known.secret() == null) {
					return; // cannot sign: said once
				}
				List<String> signing = known == null ? new ArrayList<>() : new ArrayList<>(known.secrets());
				if (known == null) {
					try {
						signing.add(Objects.requireNonNull(secrets.read(rs, id, "sealed_secret", "secret")));
					}
					catch (IllegalStateException e) {
						// the current secret does not open (another key-encryption key, or altered): its deliveries
						// fail and are retried on the schedule; the other endpoints' go out
						log.error("Webhook endpoint {} cannot sign: {}", id, e.getMessage());
						targets.put(id, new Target(id, rs.getString("url"), List.of(), e.getMessage()));
						return;
					}
					String plainPrevious = rs.getString("previous_secret");
					if (plainPrevious != null) {
						signing.add(plainPrevious);
					}
				}
				byte[] old = rs.getBytes("sealed_old_secret");
				if (old != null) {
					try {
						signing.add(secrets.open(id, old, rs.getString("old_secret_kek_id")));
					}
					catch (IllegalStateException e) {
						oldNotOpening.computeIfAbsent(id, k -> new ArrayList<>())
							.add(new NotOpening(rs.getLong("old_secret_seq"), String.valueOf(e.getMessage())));
					}
				}
				targets.put(id, new Target(id, rs.getString("url"), List.copyOf(signing), null));
			});
		oldNotOpening.forEach((id, rows) -> {
			List<NotOpening> news = rows.stream().filter(row -> warnedOldSecrets.add(row.seq())).toList();
			if (!news.isEmpty()) {
				log.warn("Webhook endpoint {}: {} rotated-out secret(s) do not open and sign nothing; the others sign: "
						+ "webhook_endpoint_old_secret {}", id, news.size(), news);
			}
			else {
				log.debug("Webhook endpoint {}: rotated-out secret(s) {} left out again (they do not open)", id, rows);
			}
		});
		return targets;
	}

	/** A rotated-out secret's row that does not open, and why. */
	private record NotOpening(long seq, String why) {

		@Override
		public String toString() {
			return seq + " (" + why + ")";
		}
	}

	/** Makes one attempt, outside any transaction, and records how it went. */
	private void send(WebhookHttp client, Claim claim, @Nullable Event event, Target target) {
		if (event == null) {
			// purged (kept 30 days) while the delivery waited, e.g. on an endpoint disabled meanwhile: nothing to send
			failed(claim, null, "not sent: the event is no longer kept", Optional.empty(), clock.instant(), false);
			return;
		}
		if (target.secret() == null) {
			// not the receiver's fault: retried on the schedule, without counting towards disabling the endpoint
			Instant now = clock.instant();
			failed(claim, null, "not sent: the signing secret cannot be opened: " + target.unusable(),
					RetrySchedule.next(claim.attempts(), claim.since(), now), now, false);
			return;
		}
		Optional<String> refused = destinations.problem(target.url());
		if (refused.isPresent()) {
			failed(claim, null, "not sent: the URL " + refused.get());
			return;
		}
		String body = body(event.id(), event.type(), event.createdAt(), event.subjectId(), event.sequence(), event.data());
		long timestamp = clock.instant().getEpochSecond();
		long sent = System.nanoTime();
		WebhookHttp.Answer answer = client.post(target.url(), Map.of("webhook-id", event.id(), "webhook-timestamp",
				Long.toString(timestamp), "webhook-signature",
				Signatures.header(target.secrets(), event.id(), timestamp, body)), body);
		switch (answer) {
			case WebhookHttp.Status(int code) when code >= 200 && code < 300 ->
				succeeded(claim, code, Duration.ofNanos(System.nanoTime() - sent));
			case WebhookHttp.Status(int code) -> failed(claim, code, "answered " + code);
			case WebhookHttp.NoAnswer(String why) -> failed(claim, null, why);
		}
	}

	/**
	 * The event as the API shows it: {@code {"id", "type", "createdAt", "subjectId", "sequence", "data"}}. Written
	 * as text around {@code data} as PostgreSQL gives it (valid JSON already): parsing it into a tree and writing it
	 * out again was a fifth of a delivery's work in the sender.
	 */
	static String body(String id, String type, Instant createdAt, String subjectId, long sequence, String data) {
		StringBuilder out = new StringBuilder(data.length() + 160);
		out.append("{\"id\":");
		quoted(id, out);
		out.append(",\"type\":");
		quoted(type, out);
		out.append(",\"createdAt\":");
		quoted(createdAt.truncatedTo(ChronoUnit.SECONDS).toString(), out);
		out.append(",\"subjectId\":");
		quoted(subjectId, out);
		out.append(",\"sequence\":").append(sequence).append(",\"data\":").append(data).append('}');
		return out.toString();
	}

	private static void quoted(String value, StringBuilder out) {
		out.append('"');
		JsonStringEncoder.getInstance().quoteAsString(value, out);
		out.append('"');
	}

	/**
	 * A success, answered in {@code answeredIn}, is written with the others of its round ({@link #recordSuccesses}),
	 * under its claim's token.
	 */
	void succeeded(Claim claim, int status, Duration answeredIn) {
		windows.succeeded(claim.endpointId(), answeredIn);
		successes.add(new Success(claim, status));
	}

	/**
	 * Writes the successes so far in one transaction: the deliveries SUCCEEDED (only where the claim is still
	 * this sender's) and their endpoints' failing streaks ended. Until then the delivery stays PENDING under its
	 * lease, so a later event of its subject waits; a node that dies first leaves it to be sent again. Only the
	 * successes written count in the meters: one whose claim a manual retry took over meanwhile is neither.
	 */
	int recordSuccesses() {
		List<Success> batch = new ArrayList<>();
		for (Success next = successes.poll(); next != null; next = successes.poll()) {
			batch.add(next);
		}
		if (batch.isEmpty()) {
			return 0;
		}
		try {
			String[] endpointIds = batch.stream().map(b -> b.claim().endpointId()).distinct().toArray(String[]::new);
			int recorded = withoutWaitingForDisk(() -> {
				jdbc.sql(ENDPOINTS_FIRST).param("ids", endpointIds).query(String.class).list();
				int written = jdbc.sql(SUCCEEDED)
					.param("ids", batch.stream().map(b -> b.claim().id()).toArray(String[]::new))
					.param("tokens", batch.stream().map(b -> b.claim().token()).toArray(String[]::new))
					.param("codes", batch.stream().map(Success::status).toArray(Integer[]::new))
					.param("now", Timestamp.from(clock.instant()))
					.update();
				jdbc.sql(ENDPOINT_SUCCEEDED).param("ids", endpointIds).update();
				return written;
			});
			meters.succeeded(recorded);
		}
		catch (RuntimeException e) {
			successes.addAll(batch);
			throw e;
		}
		return batch.size();
	}

	private record Success(Claim claim, int status) {
	}

	void failed(Claim claim, @Nullable Integer status, String error) {
		windows.failed(claim.endpointId());
		Instant now = clock.instant();
		failed(claim, status, error, RetrySchedule.next(claim.attempts(), claim.since(), now), now, true);
	}

	/**
	 * Records a failed attempt: retried at {@code next}, or FAILED for good when there is none; one the endpoint
	 * caused counts in its failing streak (3 days of it disable the endpoint), unless it was a manual retry to a
	 * DISABLED endpoint ({@link #UNCOUNTED}). {@code error} may quote the receiver's answer (the HTTP client's
	 * complaint about a malformed status or header line): it is stored as an excerpt PostgreSQL can hold
	 * ({@link StorableText#excerpt}), else a U+0000 in it would roll the record back and the delivery, never failed,
	 * would be claimed again for ever.
	 */
	private void failed(Claim claim, @Nullable Integer status, String error, Optional<Instant> next, Instant now,
			boolean endpointsFault) {
		Boolean written = transactions.execute(tx -> {
			jdbc.sql(ENDPOINTS_FIRST).param("ids", new String[] { claim.endpointId() }).query(String.class).list();
			Optional<Boolean> uncounted = jdbc.sql(UNCOUNTED)
				.param("id", claim.id())
				.param("token", claim.token())
				.query(Boolean.class)
				.optional();
			if (uncounted.isEmpty()) {
				return false; // no longer this sender's (a manual retry took it over, a lapsed lease): not recorded
			}
			int recorded = jdbc.sql(FAILED)
				.param("id", claim.id())
				.param("token", claim.token())
				.param("status", next.isPresent() ? "PENDING" : "FAILED")
				.param("code", status, java.sql.Types.INTEGER)
				.param("error", StorableText.excerpt(error, 500))
				.param("next", next.map(Timestamp::from).orElse(null), java.sql.Types.TIMESTAMP)
				.param("now", Timestamp.from(now))
				.update();
			if (recorded > 0 && endpointsFault && !uncounted.get() && jdbc.sql(ENDPOINT_FAILED)
				.param("id", claim.endpointId())
				.param("now", Timestamp.from(now))
				.param("disableBefore", Timestamp.from(now.minus(RetrySchedule.GIVE_UP_AFTER)))
				.query(Boolean.class)
				.optional()
				.orElse(false)) {
				jdbc.sql(ENDPOINT_GIVEN_UP)
					.param("id", claim.endpointId())
					.param("error", GIVEN_UP_ERROR)
					.param("now", Timestamp.from(now))
					.update();
			}
			return recorded > 0;
		});
		if (!Boolean.TRUE.equals(written)) {
			return; // not recorded: not counted either
		}
		if (next.isPresent()) {
			meters.retrying();
		}
		else {
			meters.failed();
		}
	}

	/**
	 * A claimed attempt; {@code since}: when the delivery's retry schedule began, its first attempt (not when it was
	 * made: an event that waited behind an earlier one of its subject gets its 3 days of retries from its own first
	 * attempt), or when it was made for a delivery attempted before V730 recorded first attempts.
	 */
	record Claim(String id, String endpointId, long position, int attempts, Instant since, String token) {
	}

	private record Event(long position, String id, String type, String subjectId, long sequence, String data,
			Instant createdAt) {
	}

	/**
	 * An endpoint as an attempt needs it: the secrets that sign, the current one first; {@code unusable}: why it
	 * cannot sign (then it has none).
	 */
	private record Target(String id, String url, List<String> secrets, @Nullable String unusable) {

		@Nullable String secret() {
			return secrets.isEmpty() ? null : secrets.getFirst();
		}
	}
}
