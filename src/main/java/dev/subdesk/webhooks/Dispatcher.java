package dev.subdesk.webhooks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

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
 * that lapses, and another node makes the next attempt.</li>
 * <li><b>Send</b>: outside any transaction, on a virtual thread, at most {@code per-endpoint} at once per endpoint
 * on this node, so a slow receiver holds back only its own deliveries. The outcome is written only under the
 * token.</li>
 * </ul>
 */
@Component
class Dispatcher implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

	/** Events fanned out per round, in claims' batches: most events concern no endpoint, and fanning out is cheap. */
	private static final int FAN_OUT_PER_CLAIM = 10;

	private static final long FANOUT_LOCK = 0x5744_4f55_5446_414eL;

	/**
	 * Takes the oldest committed events off the fan-out queue and makes their deliveries; answers how many events it
	 * took (events no endpoint wants make none, and must not look like no work, or the queue drains at one batch
	 * per idle interval).
	 */
	private static final String FAN_OUT = """
			WITH taken AS (
			    DELETE FROM webhook_fanout WHERE position IN (
			        SELECT position FROM webhook_fanout ORDER BY position LIMIT :batch FOR UPDATE SKIP LOCKED)
			    RETURNING position),
			made AS (
			    INSERT INTO webhook_delivery (id, endpoint_id, event_position, event_id, event_type, subject_id, sequence,
			        status, next_attempt_at, created_at)
			    SELECT 'wd_' || replace(gen_random_uuid()::text, '-', ''), w.id, e.position, e.id, e.type, e.subject_id,
			        e.sequence, 'PENDING', :now, :now
			    FROM taken t JOIN domain_event e ON e.position = t.position
			    JOIN webhook_endpoint w ON w.status = 'ENABLED' AND w.created_at <= e.created_at
			        AND (w.events @> ARRAY['*'] OR e.type = ANY (w.events))
			    ORDER BY e.position, w.seq
			    ON CONFLICT (endpoint_id, event_id) DO NOTHING
			    RETURNING 1)
			SELECT (SELECT count(*) FROM taken) AS taken
			""";

	/**
	 * The due deliveries, at most {@code :room} per endpoint, looked up endpoint by endpoint (endpoints already full on
	 * this node left out), so that no endpoint's backlog, however old and large (a receiver down for hours, all its
	 * retries due at once), can hide another endpoint's work from a claim; then the oldest first, up to {@code :batch}.
	 * Each is the earliest PENDING delivery of its subject at its endpoint (a manual retry goes out of order).
	 */
	private static final String CLAIM = """
			WITH due AS (
			    SELECT d.id, d.next_attempt_at, d.event_position
			    FROM webhook_endpoint w
			    CROSS JOIN LATERAL (
			        SELECT d.id, d.next_attempt_at, d.event_position FROM webhook_delivery d
			        WHERE d.endpoint_id = w.id AND d.status = 'PENDING' AND d.next_attempt_at <= :now
			          AND (d.claimed_until IS NULL OR d.claimed_until <= :now)
			          AND (d.manual OR NOT EXISTS (
			              SELECT 1 FROM webhook_delivery p
			              WHERE p.endpoint_id = d.endpoint_id AND p.subject_id = d.subject_id AND p.sequence < d.sequence
			                AND p.status = 'PENDING' AND NOT p.manual))
			        ORDER BY d.next_attempt_at, d.event_position
			        LIMIT :room) d
			    WHERE w.status = 'ENABLED' AND w.id <> ALL (:busy)),
			claimed AS (
			    SELECT d.id FROM webhook_delivery d JOIN due ON due.id = d.id
			    WHERE d.status = 'PENDING' AND (d.claimed_until IS NULL OR d.claimed_until <= :now)
			    ORDER BY due.next_attempt_at, due.event_position
			    LIMIT :batch
			    FOR UPDATE OF d SKIP LOCKED)
			UPDATE webhook_delivery d SET attempts = d.attempts + 1, claimed_until = :lease, claim_token = :token
			FROM claimed WHERE d.id = claimed.id
			RETURNING d.id, d.endpoint_id, d.event_position, d.attempts, d.created_at
			""";

	private static final String RELEASE = """
			UPDATE webhook_delivery SET attempts = attempts - 1, claimed_until = NULL, claim_token = NULL
			WHERE id = :id AND claim_token = :token
			""";

	private static final String EVENTS = """
			SELECT position, id, type, subject_id, sequence, data::text AS data, created_at
			FROM domain_event WHERE position = ANY (:positions)
			""";

	private static final String TARGETS = """
			SELECT id, url, sealed_secret, secret, secret_kek_id,
			    CASE WHEN previous_secret_until > :now THEN sealed_previous_secret END AS sealed_previous_secret,
			    CASE WHEN previous_secret_until > :now THEN previous_secret END AS previous_secret
			FROM webhook_endpoint WHERE id = ANY (:ids)
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

	private static final String ENDPOINT_SUCCEEDED = """
			UPDATE webhook_endpoint SET failing_since = NULL WHERE id IN (
			    SELECT id FROM webhook_endpoint WHERE id = ANY (:ids) AND failing_since IS NOT NULL
			    ORDER BY id FOR NO KEY UPDATE)
			""";

	private static final String FAILED = """
			UPDATE webhook_delivery SET status = :status, last_status_code = :code, last_error = :error,
			    next_attempt_at = :next, claimed_until = NULL, claim_token = NULL, manual = false,
			    finished_at = CASE WHEN :status = 'FAILED' THEN CAST(:now AS timestamptz) END
			WHERE id = :id AND claim_token = :token
			""";

	private static final String ENDPOINT_FAILED = """
			UPDATE webhook_endpoint SET failing_since = COALESCE(failing_since, :now),
			    status = CASE WHEN COALESCE(failing_since, :now) <= :disableBefore THEN 'DISABLED' ELSE status END
			WHERE id = :id
			""";

	private final JdbcClient jdbc;
	private final TransactionTemplate transactions;
	private final Clock clock;
	private final JsonMapper json;
	private final WebhookProperties properties;
	private final WebhookMeters meters;
	private final Destinations destinations;
	/** The senders and their HTTP client: made anew at each start, as a stop shuts the senders down. */
	private volatile HttpClient http;
	private final String node = UUID.randomUUID().toString();
	private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
	private final Semaphore wake = new Semaphore(0);
	/** Successes waiting to be written: the loop writes them in one statement per round. */
	private final java.util.concurrent.ConcurrentLinkedQueue<Success> successes = new java.util.concurrent.ConcurrentLinkedQueue<>();
	private volatile ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();

	private volatile boolean running;
	private volatile @Nullable Thread loop;

	private final SealedSecrets secrets;

	Dispatcher(JdbcClient jdbc, TransactionTemplate transactions, Clock clock, JsonMapper json,
			WebhookProperties properties, WebhookMeters meters, SealedSecrets secrets) {
		this.jdbc = jdbc;
		this.secrets = secrets;
		this.transactions = transactions;
		this.clock = clock;
		this.json = json;
		this.properties = properties;
		this.meters = meters;
		this.destinations = new Destinations(properties.allowPrivate());
		this.http = client(senders);
	}

	private HttpClient client(ExecutorService executor) {
		return HttpClient.newBuilder()
			.connectTimeout(properties.timeout())
			.followRedirects(HttpClient.Redirect.NEVER)
			.version(HttpClient.Version.HTTP_1_1)
			.executor(executor)
			.build();
	}

	/** Makes this node look for work at once (after the current transaction commits, if there is one). */
	void wakeAfterCommit() {
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCommit() {
					wake.release();
				}
			});
		}
		else {
			wake.release();
		}
	}

	@Override
	public synchronized void start() {
		if (!properties.enabled() || running) {
			return;
		}
		if (senders.isShutdown()) {
			// started again after a stop (a paused test context, a restarted lifecycle): new senders, new client
			senders = Executors.newVirtualThreadPerTaskExecutor();
			http = client(senders);
		}
		running = true;
		// the loop is known as this start's before it runs: a loop that is not the current one ends at once
		Thread thread = Thread.ofPlatform()
			.name("webhook-dispatcher")
			.daemon()
			.uncaughtExceptionHandler((t, e) -> log.error("The webhook dispatcher stopped on an error", e))
			.unstarted(this::run);
		loop = thread;
		thread.start();
	}

	@Override
	public synchronized void stop() {
		running = false;
		Thread thread = loop;
		loop = null;
		if (thread != null) {
			thread.interrupt();
			Duration patience = properties.timeout().plusSeconds(20);
			try {
				// a round inside a statement ends when the statement does
				thread.join(patience);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			if (thread.isAlive()) {
				log.warn("The webhook dispatcher's loop did not end within {}; it ends after its round", patience);
			}
		}
		senders.shutdown();
		try {
			senders.awaitTermination(properties.timeout().toSeconds() + 1, TimeUnit.SECONDS);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		recordSuccesses();
	}

	@Override
	public boolean isRunning() {
		return running;
	}

	private void run() {
		Thread self = Thread.currentThread();
		// a loop that a stop let go of ends, even when the next start came before the end of its round
		while (running && loop == self) {
			try {
				boolean worked = step();
				if (!worked) {
					wake.tryAcquire(properties.interval().toMillis(), TimeUnit.MILLISECONDS);
					wake.drainPermits();
				}
			}
			catch (InterruptedException e) {
				return;
			}
			catch (RuntimeException e) {
				if (!running || loop != self) {
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

	/** One round: fan out what committed, claim what is due and start sending it. Whether there was work. */
	boolean step() {
		int recorded = recordSuccesses();
		int made = fanOut();
		int started = dispatch();
		return recorded > 0 || made > 0 || started > 0;
	}

	/** Turns committed events into deliveries, if no other node is doing it; how many events it took. */
	int fanOut() {
		Integer taken = transactions.execute(status -> {
			boolean mine = jdbc.sql("SELECT pg_try_advisory_xact_lock(:key)")
				.param("key", FANOUT_LOCK)
				.query(Boolean.class)
				.single();
			if (!mine) {
				return 0;
			}
			return jdbc.sql(FAN_OUT)
				.param("batch", properties.batch() * FAN_OUT_PER_CLAIM)
				.param("now", Timestamp.from(clock.instant()))
				.query(Integer.class)
				.single();
		});
		return taken == null ? 0 : taken;
	}

	/** Claims the due deliveries this node has room for and starts sending them; how many it started. */
	int dispatch() {
		List<Claim> claims = claim();
		if (claims.isEmpty()) {
			return 0;
		}
		Map<Long, Event> events = events(claims);
		Map<String, Target> targets = targets(claims);
		ExecutorService executor = senders;
		for (int i = 0; i < claims.size(); i++) {
			Claim claim = claims.get(i);
			try {
				executor.execute(() -> {
					try {
						send(claim, events.get(claim.position()), targets.get(claim.endpointId()));
					}
					catch (RuntimeException e) {
						log.warn("Recording the outcome of webhook delivery {} failed; its lease will lapse", claim.id(),
								e);
					}
					finally {
						inFlight.get(claim.endpointId()).decrementAndGet();
						wake.release();
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

	/** Takes due deliveries, at most {@code per-endpoint} in flight per endpoint; gives back what exceeds that. */
	List<Claim> claim() {
		String token = node + ":" + UUID.randomUUID();
		String[] busy = inFlight.entrySet()
			.stream()
			.filter(e -> e.getValue().get() >= properties.perEndpoint())
			.map(Map.Entry::getKey)
			.toArray(String[]::new);
		Instant now = clock.instant();
		List<Claim> taken = jdbc.sql(CLAIM)
			.param("now", Timestamp.from(now))
			.param("lease", Timestamp.from(now.plus(properties.lease())))
			.param("token", token)
			.param("busy", busy)
			.param("room", properties.perEndpoint())
			.param("batch", properties.batch())
			.query((rs, n) -> new Claim(rs.getString("id"), rs.getString("endpoint_id"), rs.getLong("event_position"),
					rs.getInt("attempts"), rs.getTimestamp("created_at").toInstant(), token))
			.list();
		List<Claim> kept = new ArrayList<>();
		for (Claim claim : taken) {
			AtomicInteger count = inFlight.computeIfAbsent(claim.endpointId(), id -> new AtomicInteger());
			if (count.incrementAndGet() <= properties.perEndpoint()) {
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

	private Map<String, Target> targets(List<Claim> claims) {
		Map<String, Target> targets = new LinkedHashMap<>();
		jdbc.sql(TARGETS)
			.param("ids", claims.stream().map(Claim::endpointId).distinct().toArray(String[]::new))
			.param("now", Timestamp.from(clock.instant()))
			.query((rs, n) -> {
				String id = rs.getString("id");
				return new Target(id, rs.getString("url"),
						java.util.Objects.requireNonNull(secrets.read(rs, id, "sealed_secret", "secret")),
						secrets.read(rs, id, "sealed_previous_secret", "previous_secret"));
			})
			.list()
			.forEach(t -> targets.put(t.id(), t));
		return targets;
	}

	/** Makes one attempt, outside any transaction, and records how it went. */
	private void send(Claim claim, Event event, Target target) {
		Optional<String> refused = destinations.problem(target.url());
		if (refused.isPresent()) {
			failed(claim, null, "not sent: the URL " + refused.get());
			return;
		}
		String body = body(event);
		long timestamp = clock.instant().getEpochSecond();
		List<String> secrets = target.previousSecret() == null ? List.of(target.secret())
				: List.of(target.secret(), target.previousSecret());
		HttpRequest request = HttpRequest.newBuilder(URI.create(target.url()))
			.timeout(properties.timeout())
			.header("content-type", "application/json")
			.header("webhook-id", event.id())
			.header("webhook-timestamp", Long.toString(timestamp))
			.header("webhook-signature", Signatures.header(secrets, event.id(), timestamp, body))
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
		int status;
		try {
			status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
		}
		catch (HttpTimeoutException e) {
			failed(claim, null, "no answer within " + properties.timeout().toSeconds() + " s");
			return;
		}
		catch (IOException e) {
			failed(claim, null, "could not connect: " + (e.getMessage() == null ? e.getClass().getSimpleName()
					: e.getMessage()));
			return;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return;
		}
		if (status >= 200 && status < 300) {
			succeeded(claim, status);
		}
		else {
			failed(claim, status, "answered " + status);
		}
	}

	/** The event as the API shows it: {@code {"id", "type", "createdAt", "subjectId", "sequence", "data"}}. */
	private String body(Event event) {
		ObjectNode node = json.createObjectNode();
		node.put("id", event.id());
		node.put("type", event.type());
		node.put("createdAt", event.createdAt().truncatedTo(ChronoUnit.SECONDS).toString());
		node.put("subjectId", event.subjectId());
		node.put("sequence", event.sequence());
		node.set("data", json.readTree(event.data()));
		return json.writeValueAsString(node);
	}

	/** A success is written with the others of its round ({@link #recordSuccesses}), under its claim's token. */
	void succeeded(Claim claim, int status) {
		successes.add(new Success(claim, status));
		meters.succeeded();
	}

	/**
	 * Writes the successes so far in one transaction: the deliveries SUCCEEDED (only where the claim is still
	 * this sender's) and their endpoints' failing streaks ended. Until then the delivery stays PENDING under its
	 * lease, so a later event of its subject waits; a node that dies first leaves it to be sent again.
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
			transactions.executeWithoutResult(tx -> {
				jdbc.sql(ENDPOINTS_FIRST).param("ids", endpointIds).query(String.class).list();
				jdbc.sql(SUCCEEDED)
					.param("ids", batch.stream().map(b -> b.claim().id()).toArray(String[]::new))
					.param("tokens", batch.stream().map(b -> b.claim().token()).toArray(String[]::new))
					.param("codes", batch.stream().map(Success::status).toArray(Integer[]::new))
					.param("now", Timestamp.from(clock.instant()))
					.update();
				jdbc.sql(ENDPOINT_SUCCEEDED).param("ids", endpointIds).update();
			});
		}
		catch (RuntimeException e) {
			successes.addAll(batch);
			throw e;
		}
		return batch.size();
	}

	private record Success(Claim claim, int status) {
	}

	private void failed(Claim claim, @Nullable Integer status, String error) {
		Instant now = clock.instant();
		Optional<Instant> next = RetrySchedule.next(claim.attempts(), claim.createdAt(), now);
		transactions.executeWithoutResult(tx -> {
			jdbc.sql(ENDPOINTS_FIRST).param("ids", new String[] { claim.endpointId() }).query(String.class).list();
			int recorded = jdbc.sql(FAILED)
				.param("id", claim.id())
				.param("token", claim.token())
				.param("status", next.isPresent() ? "PENDING" : "FAILED")
				.param("code", status, java.sql.Types.INTEGER)
				.param("error", error.length() > 500 ? error.substring(0, 500) : error)
				.param("next", next.map(Timestamp::from).orElse(null), java.sql.Types.TIMESTAMP)
				.param("now", Timestamp.from(now))
				.update();
			if (recorded > 0) {
				jdbc.sql(ENDPOINT_FAILED)
					.param("id", claim.endpointId())
					.param("now", Timestamp.from(now))
					.param("disableBefore", Timestamp.from(now.minus(RetrySchedule.GIVE_UP_AFTER)))
					.update();
			}
		});
		if (next.isPresent()) {
			meters.retrying();
		}
		else {
			meters.failed();
		}
	}

	record Claim(String id, String endpointId, long position, int attempts, Instant createdAt, String token) {
	}

	private record Event(long position, String id, String type, String subjectId, long sequence, String data,
			Instant createdAt) {
	}

	private record Target(String id, String url, String secret, @Nullable String previousSecret) {
	}
}
