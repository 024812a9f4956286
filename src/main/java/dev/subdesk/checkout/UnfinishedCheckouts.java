package dev.subdesk.checkout;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * What a checkout leaves behind when it sells nothing, hourly by the server's clock (any node may run it; running it
 * twice changes nothing):
 * <ul>
 * <li>an acceptance still PENDING a day ({@value #PENDING_HOURS} hours) after it was given, whose purchase's node
 * stopped between its charge and its record (Billing's sweep has long given the money back), is marked ABANDONED: the
 * evidence of an attempt, kept as {@link ConsentEvidenceRetention} says, never a consent record of a sale. A purchase
 * that records after all still completes it ({@link Consents#complete}).</li>
 * <li>a disclosure nobody accepted (no acceptance of it at all, and never held by a purchase) is deleted a day
 * ({@value #UNACCEPTED_HOURS} hours) after it expired: after its expiry it backs no purchase, and its words are the
 * server's own, kept only as the evidence of a consent. Slices of {@value #SLICE}, oldest expiry first, along
 * {@code disclosures_unclaimed} (V514), {@code SKIP LOCKED}. A disclosure that backs a sale's consent, or an attempt's
 * acceptance, stays with it (its foreign key).</li>
 * </ul>
 */
@Component
class UnfinishedCheckouts {

	static final int SLICE = 1000;

	static final int PENDING_HOURS = 24;

	static final int UNACCEPTED_HOURS = 24;

	private static final String ABANDON_STALE = """
			UPDATE consents SET status = 'ABANDONED' WHERE status = 'PENDING' AND accepted_at < :before
			""";

	private static final String DELETE_UNACCEPTED = """
			DELETE FROM disclosures WHERE id IN (
			    SELECT d.id FROM disclosures d
			    WHERE d.claimed_by IS NULL AND d.expires_at < :before
			      AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.disclosure_id = d.id)
			    ORDER BY d.expires_at
			    LIMIT :slice
			    FOR UPDATE SKIP LOCKED)
			""";

	private final JdbcClient jdbc;
	private final Clock clock;

	UnfinishedCheckouts(JdbcClient jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	@Scheduled(fixedDelayString = "${subdesk.checkout.unfinished-purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	void run() {
		abandonStalePurchases();
		deleteUnacceptedDisclosures();
	}

	/** Marks the acceptances PENDING for more than a day ABANDONED; returns how many. */
	int abandonStalePurchases() {
		return jdbc.sql(ABANDON_STALE)
			.param("before", Timestamp.from(clock.instant().minus(Duration.ofHours(PENDING_HOURS))))
			.update();
	}

	/** Deletes the disclosures nobody accepted that expired more than a day ago, a slice at a time; returns how many. */
	int deleteUnacceptedDisclosures() {
		Timestamp before = Timestamp.from(clock.instant().minus(Duration.ofHours(UNACCEPTED_HOURS)));
		int deleted = 0;
		int slice;
		do {
			slice = jdbc.sql(DELETE_UNACCEPTED).param("before", before).param("slice", SLICE).update();
			deleted += slice;
		}
		while (slice == SLICE);
		return deleted;
	}
}
