package dev.subdesk.idempotency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * The requests waiting for the first request with their key to answer ({@link IdempotentAnswers.Claim.InProgress}),
 * without a thread each: shared/API.md has two concurrent requests with one key run one after the other, however
 * long the first takes, and a waiting request must not hold one of the server's request threads meanwhile (clients
 * retrying a stuck request would otherwise take them all). A waiter is told once its key is settled: the first
 * request stored its answer, gave the key up (a 5xx, stored nowhere), or its claim went stale (its node crashed, or it
 * hung past {@link IdempotentAnswers#LONGEST_RENEWED}). It then claims the key again, and gets the answer or runs.
 *
 * <p>One timer thread asks the database about every waited-for key in batches, each key less and less often (from
 * {@link #FIRST_CHECK}, doubling up to {@link #LONGEST_BETWEEN_CHECKS}); a key held by a request on this node wakes
 * its waiters the moment that request ends. At most {@link #MOST_WAITING} requests wait on a node, with at most
 * {@link #MOST_WAITING_BYTES} of bodies, and {@link #MOST_WAITING_PER_KEY} on one key; beyond any, and on a node that is stopping (for a key no request on this
 * node holds), {@link #waitFor} refuses, and the request is told the key is in use (the API's
 * {@code 409 IDEMPOTENCY_KEY_IN_USE}, with {@code Retry-After}).
 */
@Service
public class AnswerWaits implements SmartLifecycle {

	/**
	 * The most requests that wait on one node: each holds a connection and a little memory (its body, up to 1 MiB, is
	 * kept for its run), and Tomcat accepts 8,192 connections: half of them stay for everything else.
	 */
	public static final int MOST_WAITING = 4096;

	/**
	 * The most requests that wait for one key: a client retrying a stuck request (its own timeout, then again) adds a
	 * waiter each time; more than this are refused rather than fill the node's {@link #MOST_WAITING}.
	 */
	public static final int MOST_WAITING_PER_KEY = 100;

	/**
	 * The most bytes of request bodies kept by the requests waiting on one node: each keeps its body (up to 1 MiB) for
	 * its run, so that {@link #MOST_WAITING} requests with large bodies would fill the heap; beyond it, the request is
	 * refused like one beyond the count.
	 */
	public static final long MOST_WAITING_BYTES = 64L * 1024 * 1024;

	static final Duration FIRST_CHECK = Duration.ofMillis(25);

	static final Duration LONGEST_BETWEEN_CHECKS = Duration.ofSeconds(1);

	/**
	 * How long a request may wait before it claims its key again whatever the timer found: past it the first's claim
	 * has gone stale in any case (its renewal stops after {@link IdempotentAnswers#LONGEST_RENEWED}, and it lapses a
	 * {@link IdempotentAnswers#LEASE} later). A safety net for a timer that could not reach the database.
	 */
	public static final Duration LONGEST_WAIT = IdempotentAnswers.LONGEST_RENEWED.plus(IdempotentAnswers.LEASE)
		.plus(Duration.ofMinutes(1));

	/** Keys asked about in one statement. */
	private static final int BATCH = 500;

	/**
	 * Stops before the web server's graceful shutdown (Spring Boot's phase {@code DEFAULT_PHASE - 1024}) begins: the
	 * requests waiting for a key held on another node are answered at once, those waiting for a request of this node
	 * get its answer when it ends (the graceful shutdown lets it end).
	 */
	private static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1000;

	private static final String STILL_HELD = """
			SELECT k.scope, k.key FROM idempotency_keys k
			JOIN unnest(CAST(:scopes AS text[]), CAST(:keys AS text[])) AS w(scope, key) ON k.scope = w.scope AND k.key = w.key
			WHERE k.response_status = 0
			  AND coalesce(k.claimed_at, k.created_at) >= clock_timestamp() - CAST(:lease AS interval)
			""";

	private static final Logger log = LoggerFactory.getLogger(AnswerWaits.class);

	private record Held(String scope, String key) {
	}

	/** The waiters of one key and when it is asked about next. */
	private static final class Key {

		final List<Waiting> waiters = new ArrayList<>(1);

		long nextCheck = System.nanoTime() + FIRST_CHECK.toNanos();

		long interval = FIRST_CHECK.toNanos();
	}

	private final JdbcClient jdbc;

	/** Guarded by itself. */
	private final Map<Held, Key> waiting = new HashMap<>();

	private int count;

	/** The bytes of the bodies the waiters keep; guarded by {@link #waiting}. */
	private long bytes;

	/**
	 * The keys claimed by requests running on this node, with their owners (a stale claim taken over may be a second).
	 */
	private final Map<Held, Set<String>> runningHere = new ConcurrentHashMap<>();

	private volatile boolean stopping;

	private volatile boolean running;

	private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
			Thread.ofPlatform().name("idempotency-waits").daemon().factory());

	AnswerWaits(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** A request waiting for its key: told once ({@code settled}), unless cancelled first. */
	public final class Waiting {

		private final Held held;

		private final Runnable settled;

		private final long bodyBytes;

		private final AtomicBoolean done = new AtomicBoolean();

		private Waiting(Held held, long bodyBytes, Runnable settled) {
			this.held = held;
			this.bodyBytes = bodyBytes;
			this.settled = settled;
		}

		/** The request no longer waits (it ended, or its client went away): it is not told. */
		public void cancel() {
			if (done.compareAndSet(false, true)) {
				remove(this);
			}
		}

		void fire() {
			if (done.compareAndSet(false, true)) {
				try {
					settled.run();
				}
				catch (RuntimeException e) {
					log.debug("A request waiting for its Idempotency-Key could not be woken (it ended meanwhile)", e);
				}
			}
		}
	}

	/**
	 * Registers a request waiting for the key: {@code settled} runs once, on the timer's thread or the thread of the
	 * request that held the key here, when the key is no longer held by a live claim; it must not block (it hands the
	 * request back to the server). {@code bodyBytes}: the size of the body the request keeps while it waits. Empty, and
	 * nothing runs, when the node has {@link #MOST_WAITING} waiting or this body would take the bodies waiting past
	 * {@link #MOST_WAITING_BYTES}, the key has {@link #MOST_WAITING_PER_KEY}, or the node is stopping and no request on
	 * it holds the key.
	 */
	public Optional<Waiting> waitFor(String scope, String key, long bodyBytes, Runnable settled) {
		Held held = new Held(scope, key);
		synchronized (waiting) {
			// under the lock, as stop() wakes the waiters: one registering meanwhile is either refused or woken
			if (stopping && !runningHere.containsKey(held)) {
				return Optional.empty();
			}
			Key waited = waiting.get(held);
			if (count >= MOST_WAITING || bytes + bodyBytes > MOST_WAITING_BYTES
					|| (waited != null && waited.waiters.size() >= MOST_WAITING_PER_KEY)) {
				return Optional.empty();
			}
			if (waited == null) {
				waited = new Key();
				waiting.put(held, waited);
			}
			Waiting waiter = new Waiting(held, bodyBytes, settled);
			waited.waiters.add(waiter);
			count++;
			bytes += bodyBytes;
			return Optional.of(waiter);
		}
	}

	/** The waiters of a key taken out of {@link #waiting} (to wake them); with its lock held. */
	private List<Waiting> forget(Key waited) {
		count -= waited.waiters.size();
		for (Waiting waiter : waited.waiters) {
			bytes -= waiter.bodyBytes;
		}
		return waited.waiters;
	}

	/** Whether this node is stopping: a request refused a wait is then best sent to another node. */
	public boolean stopping() {
		return stopping;
	}

	/** How many requests wait on this node. */
	public int waiting() {
		synchronized (waiting) {
			return count;
		}
	}

	/** The bytes of the bodies the requests waiting on this node keep. */
	public long waitingBytes() {
		synchronized (waiting) {
			return bytes;
		}
	}

	/** A request on this node claimed the key as {@code owner}. */
	void running(String scope, String key, String owner) {
		runningHere.compute(new Held(scope, key), (k, owners) -> {
			Set<String> now = owners == null ? new HashSet<>(2) : owners;
			now.add(owner);
			return now;
		});
	}

	/**
	 * The request on this node that claimed the key as {@code owner} ended (it completed or released the key, or
	 * tried to): the key's waiters claim it again at once. Once only: a second call for the owner does nothing.
	 */
	void finished(String scope, String key, String owner) {
		Held held = new Held(scope, key);
		AtomicBoolean ended = new AtomicBoolean();
		runningHere.computeIfPresent(held, (k, owners) -> {
			ended.set(owners.remove(owner));
			return owners.isEmpty() ? null : owners;
		});
		if (!ended.get()) {
			return;
		}
		List<Waiting> woken;
		synchronized (waiting) {
			Key waited = waiting.remove(held);
			if (waited == null) {
				return;
			}
			woken = forget(waited);
		}
		woken.forEach(Waiting::fire);
	}

	private void remove(Waiting waiter) {
		synchronized (waiting) {
			Key waited = waiting.get(waiter.held);
			if (waited != null && waited.waiters.remove(waiter)) {
				count--;
				bytes -= waiter.bodyBytes;
				if (waited.waiters.isEmpty()) {
					waiting.remove(waiter.held);
				}
			}
		}
	}

	/** Asks the database about the keys due, in batches, and wakes the waiters of those no live claim holds. */
	private void check() {
		try {
			long now = System.nanoTime();
			List<Held> due = new ArrayList<>();
			synchronized (waiting) {
				waiting.forEach((held, waited) -> {
					if (now - waited.nextCheck >= 0) {
						due.add(held);
					}
				});
			}
			if (due.isEmpty()) {
				return;
			}
			Set<Held> held = new HashSet<>();
			for (int from = 0; from < due.size(); from += BATCH) {
				held.addAll(stillHeld(due.subList(from, Math.min(due.size(), from + BATCH))));
			}
			List<Waiting> woken = new ArrayList<>();
			synchronized (waiting) {
				for (Held key : due) {
					Key waited = waiting.get(key);
					if (waited == null) {
						continue;
					}
					if (held.contains(key)) {
						waited.interval = Math.min(waited.interval * 2, LONGEST_BETWEEN_CHECKS.toNanos());
						waited.nextCheck = System.nanoTime() + waited.interval;
					}
					else {
						waiting.remove(key);
						woken.addAll(forget(waited));
					}
				}
			}
			woken.forEach(Waiting::fire);
		}
		catch (RuntimeException e) {
			// asked again at the next tick; a request never waits longer than LONGEST_WAIT in any case
			log.warn("The keys requests wait for could not be checked; trying again", e);
			backOffAll();
		}
	}

	private void backOffAll() {
		synchronized (waiting) {
			long now = System.nanoTime();
			for (Key waited : waiting.values()) {
				waited.interval = LONGEST_BETWEEN_CHECKS.toNanos();
				waited.nextCheck = now + waited.interval;
			}
		}
	}

	private Set<Held> stillHeld(List<Held> keys) {
		return new HashSet<>(jdbc.sql(STILL_HELD)
			.param("scopes", keys.stream().map(Held::scope).toArray(String[]::new))
			.param("keys", keys.stream().map(Held::key).toArray(String[]::new))
			.param("lease", IdempotentAnswers.LEASE.toString())
			.query((rs, n) -> new Held(rs.getString("scope"), rs.getString("key")))
			.list());
	}

	@Override
	public synchronized void start() {
		stopping = false;
		if (!running) {
			running = true;
			if (!ticking) {
				ticking = true;
				timer.scheduleWithFixedDelay(this::check, FIRST_CHECK.toMillis(), FIRST_CHECK.toMillis(),
						TimeUnit.MILLISECONDS);
			}
		}
	}

	/** Whether the timer asks the database (from the first start on, and on through the stop: see {@link #stop}). */
	private boolean ticking;

	/**
	 * Wakes every request waiting for a key no request on this node holds: it claims its key again, and is answered
	 * at once (the stored answer, its own run if the key is free, or 409 while it is still held elsewhere) rather than
	 * cut off by the server's stop. Those waiting for a request of this node get its answer as it ends.
	 */
	@Override
	public synchronized void stop() {
		running = false;
		List<Waiting> woken = new ArrayList<>();
		synchronized (waiting) {
			stopping = true; // under the lock a waiter registers with: none slips in unwoken
			for (Iterator<Map.Entry<Held, Key>> entries = waiting.entrySet().iterator(); entries.hasNext();) {
				Map.Entry<Held, Key> entry = entries.next();
				if (!runningHere.containsKey(entry.getKey())) {
					entries.remove();
					woken.addAll(forget(entry.getValue()));
				}
			}
		}
		woken.forEach(Waiting::fire);
	}

	@Override
	public boolean isRunning() {
		return running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	@jakarta.annotation.PreDestroy
	void stopTimer() {
		timer.shutdownNow();
	}
}
