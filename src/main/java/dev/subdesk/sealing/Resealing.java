package dev.subdesk.sealing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * After a rotation of the key-encryption key (a new {@code SUBDESK_ENTITLEMENT_KEK}, the old one listed in
 * {@code SUBDESK_ENTITLEMENT_KEK_PREVIOUS}), seals every row sealed under a previous key again under the current one
 * (never a row sealed under a next key, {@code SUBDESK_ENTITLEMENT_KEK_NEXT}: those are accepted ahead of time and
 * left as they are): every {@code subdesk.entitlements.kek-reseal-interval} (default {@code PT1M}), in transactions of
 * {@value #BATCH} rows each, on any node at once (each batch skips the rows another holds).
 * <p>
 * A pass goes through each table once along its primary key. A run stops after
 * {@code subdesk.entitlements.kek-reseal-run-limit} (default {@code PT2S}, real time) and the next run goes on where
 * it stopped: a stop of the node waits for the run in hand. Once a pass is over, the rows still sealed under
 * a previous key are counted (once per pass); it says how many, then, when none is left, that the previous keys can be
 * dropped (an INFO log line, again if rows sealed under one turn up later: a node still sealing with the old key); the
 * gauge {@code subdesk.kek.previous.rows} counts them as of the last pass (0: done, as this node sees it). A row that
 * does not open under the key it names is left as it is, logged as an error with its id once per pass and counted by
 * the gauge {@code subdesk.kek.unopenable.rows}; the other rows move on. Rows sealed under a key this server does not
 * have at all are logged as an error once per start of the node, by its first run (at the end of its first pass,
 * after {@code subdesk.jobs.initial-delay}, not at start): they do not open until that key is listed again. Rows no
 * longer in use (a rotated-out webhook secret whose 24 hours are over) are neither counted nor re-sealed
 * ({@link SealedRows}).
 */
@Component
class Resealing {

	private static final Logger log = LoggerFactory.getLogger(Resealing.class);

	static final int BATCH = 100;

	private final KeyEncryptionKey kek;
	private final List<SealedRows> tables;
	private final Duration runLimit;
	private final AtomicLong left = new AtomicLong(-1);
	private final AtomicLong unopenable = new AtomicLong(0);
	private boolean unknownReported;

	/** The pass under way: the table it is at, that table's pass, what it did so far. */
	private int at;
	private SealedRows.@Nullable Pass pass;
	private long moved;
	private final List<String> unopenableInPass = new ArrayList<>();

	Resealing(KeyEncryptionKey kek, List<SealedRows> tables, ObjectProvider<MeterRegistry> meters,
			@Value("${subdesk.entitlements.kek-reseal-run-limit:PT2S}") Duration runLimit) {
		this.kek = kek;
		this.tables = List.copyOf(tables);
		this.runLimit = runLimit;
		meters.ifAvailable(registry -> {
			Gauge.builder("subdesk.kek.previous.rows", left, AtomicLong::get)
				.description("Rows still sealed under a previous key-encryption key (-1: not counted yet; 0: the "
						+ "previous keys can be dropped from SUBDESK_ENTITLEMENT_KEK_PREVIOUS once every node runs the "
						+ "new key)")
				.register(registry);
			Gauge.builder("subdesk.kek.unopenable.rows", unopenable, AtomicLong::get)
				.description("Rows sealed under a previous key-encryption key that do not open under it (damaged or "
						+ "altered), as of the last re-seal pass: see the log for their ids")
				.register(registry);
		});
	}

	/**
	 * Re-seals what is left under the previous keys, within the run limit, and says how it stands once a pass is over;
	 * answers how many rows are left under a previous key as of the last finished pass (0 when none is listed or all
	 * are re-sealed, -1 before the first pass is over).
	 */
	@Scheduled(fixedDelayString = "${subdesk.entitlements.kek-reseal-interval:PT1M}",
			initialDelayString = "${subdesk.entitlements.kek-reseal-initial-delay:${subdesk.jobs.initial-delay:PT10S}}")
	synchronized long run() {
		List<String> previous = kek.previousIds();
		if (previous.isEmpty()) {
			if (!unknownReported) {
				reportUnknown(count());
				unknownReported = true;
				log.debug("No previous key-encryption key is listed: nothing to re-seal");
			}
			left.set(0);
			unopenable.set(0);
			return 0;
		}
		long started = System.nanoTime(); // elapsed real time: the test clock does not move while a batch runs
		long movedBefore = moved;
		while (at < tables.size()) {
			SealedRows table = tables.get(at);
			try {
				if (pass == null) {
					pass = table.pass();
				}
				SealedRows.Batch batch = pass.next(BATCH);
				moved += batch.resealed();
				unopenableInPass.addAll(batch.unopenable());
				if (batch.read() == 0) {
					nextTable();
				}
			}
			catch (RuntimeException e) {
				log.error("The {} could not all be re-sealed under {}; tried again in the next pass", table.what(),
						kek.id(), e);
				nextTable();
			}
			// at least one batch a run, however short the limit
			if (at < tables.size() && System.nanoTime() - started >= runLimit.toNanos()) {
				if (moved > movedBefore) {
					log.info("Key-encryption key rotation: {} row(s) re-sealed under {} in this run; the rest in the "
							+ "next run", moved - movedBefore, kek.id());
				}
				return left.get();
			}
		}
		return passOver(previous);
	}

	private void nextTable() {
		at++;
		pass = null;
	}

	private long passOver(List<String> previous) {
		long resealed = moved;
		List<String> damaged = List.copyOf(unopenableInPass);
		at = 0;
		pass = null;
		moved = 0;
		unopenableInPass.clear();

		Map<String, Long> counts = count();
		long remaining = previous.stream().mapToLong(id -> counts.getOrDefault(id, 0L)).sum();
		long before = left.getAndSet(remaining);
		unopenable.set(damaged.size());
		if (!unknownReported) {
			reportUnknown(counts);
			unknownReported = true;
		}
		if (!damaged.isEmpty()) {
			log.error("{} row(s) sealed under a previous key-encryption key do not open under the key they name "
					+ "(damaged or altered) and stay as they are: {}. Rotate each such webhook secret or entitlement "
					+ "signing key, or delete the row (a stored idempotent answer also expires within 24 hours); put a "
					+ "receipt key's sealed value back from a backup, never delete it; see docs/OPERATIONS.md",
					damaged.size(), damaged);
		}
		if (remaining == 0) {
			if (before == 0) {
				return 0; // said already
			}
			log.info("Key-encryption key rotation done: {} row(s) re-sealed in this pass, none is sealed under the "
					+ "previous key(s) {} any more as this node sees it; once every node runs the new key, drop them "
					+ "from SUBDESK_ENTITLEMENT_KEK_PREVIOUS on every node", resealed, previous);
		}
		else if (before == -1 || resealed > 0 || !damaged.isEmpty()) {
			log.info("Key-encryption key rotation: {} row(s) re-sealed under {} in this pass, {} still sealed under "
					+ "the previous key(s) {} ({} that do not open; the others held by other transactions or sealed "
					+ "since: tried again in the next pass)", resealed, kek.id(), remaining, previous, damaged.size());
		}
		return remaining;
	}

	private Map<String, Long> count() {
		Map<String, Long> counts = new TreeMap<>();
		for (SealedRows table : tables) {
			table.sealedUnderOtherKeys().forEach((id, n) -> counts.merge(id, n, Long::sum));
		}
		return counts;
	}

	private void reportUnknown(Map<String, Long> counts) {
		counts.forEach((id, n) -> {
			if (!kek.opens(id)) {
				log.error("{} row(s) are sealed under key-encryption key {}, which is neither SUBDESK_ENTITLEMENT_KEK ({}) "
						+ "nor listed in SUBDESK_ENTITLEMENT_KEK_PREVIOUS or SUBDESK_ENTITLEMENT_KEK_NEXT: they do not "
						+ "open until that key is listed there", n, id, kek.id());
			}
		});
	}
}
