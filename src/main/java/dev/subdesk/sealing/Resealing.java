package dev.subdesk.sealing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * After a rotation of the key-encryption key (a new {@code SUBDESK_ENTITLEMENT_KEK}, the old one listed in
 * {@code SUBDESK_ENTITLEMENT_KEK_PREVIOUS}), seals every row sealed under a previous key again under the current one:
 * every {@code subdesk.entitlements.kek-reseal-interval} (default {@code PT1M}), in transactions of
 * {@value #BATCH} rows each, on any node at once (each batch skips the rows another holds). It says how many rows the
 * previous keys still seal, then, when none is left, that they can be dropped (an INFO log line, again if rows
 * sealed under one turn up later: a node still sealing with the old key); the gauge {@code subdesk.kek.previous.rows} counts them as of the last run (0: done). Rows sealed under a key
 * this server does not have at all are logged as an error: they do not open until that key is listed again.
 */
@Component
class Resealing {

	private static final Logger log = LoggerFactory.getLogger(Resealing.class);

	static final int BATCH = 100;

	private final KeyEncryptionKey kek;
	private final List<SealedRows> tables;
	private final AtomicLong left = new AtomicLong(-1);
	private boolean unknownReported;

	Resealing(KeyEncryptionKey kek, List<SealedRows> tables, ObjectProvider<MeterRegistry> meters) {
		this.kek = kek;
		this.tables = List.copyOf(tables);
		meters.ifAvailable(registry -> Gauge.builder("subdesk.kek.previous.rows", left, AtomicLong::get)
			.description("Rows still sealed under a previous key-encryption key (-1: not counted yet; 0: the previous "
					+ "keys can be dropped from SUBDESK_ENTITLEMENT_KEK_PREVIOUS)")
			.register(registry));
	}

	/**
	 * Re-seals what is left under the previous keys and says how it stands; answers how many rows are left under a
	 * previous key (0 when none is listed or all are re-sealed).
	 */
	@Scheduled(fixedDelayString = "${subdesk.entitlements.kek-reseal-interval:PT1M}",
			initialDelayString = "${subdesk.entitlements.kek-reseal-initial-delay:${subdesk.jobs.initial-delay:PT10S}}")
	synchronized long run() {
		List<String> previous = kek.previousIds();
		if (previous.isEmpty()) {
			if (!unknownReported) {
				reportUnknown(count());
				unknownReported = true;
			}
			left.set(0);
			return 0;
		}
		int moved = 0;
		for (SealedRows table : tables) {
			try {
				for (int n = table.resealBatch(BATCH); n > 0; n = table.resealBatch(BATCH)) {
					moved += n;
				}
			}
			catch (RuntimeException e) {
				// a row that does not open under the key it names (altered): the others of this table wait with it
				log.error("The {} could not all be re-sealed under {}; tried again in the next run", table.what(),
						kek.id(), e);
			}
		}
		Map<String, Long> counts = count();
		long remaining = previous.stream().mapToLong(id -> counts.getOrDefault(id, 0L)).sum();
		long before = left.getAndSet(remaining);
		if (!unknownReported) {
			reportUnknown(counts);
			unknownReported = true;
		}
		if (remaining == 0) {
			if (before == 0) {
				return 0; // said already
			}
			log.info("Key-encryption key rotation done: {} row(s) re-sealed in this run, none is sealed under the "
					+ "previous key(s) {} any more; drop them from SUBDESK_ENTITLEMENT_KEK_PREVIOUS on every node",
					moved, previous);
		}
		else if (before == -1 || moved > 0) {
			log.info("Key-encryption key rotation: {} row(s) re-sealed under {}, {} still sealed under the previous "
					+ "key(s) {} (held by other transactions: tried again in the next run)", moved, kek.id(), remaining,
					previous);
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
						+ "nor listed in SUBDESK_ENTITLEMENT_KEK_PREVIOUS: they do not open until that key is listed "
						+ "there", n, id, kek.id());
			}
		});
	}
}
