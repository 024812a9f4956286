package dev.subdesk.billing;

import dev.subdesk.shared.Slices;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A purchase or renewal attempt is kept {@code subdesk.billing.attempt-retention} (default 90 days, at least a day)
 * after it settled, by the server's clock, when settling left nothing to remember: COMPLETED (its charge is the
 * record), DECLINED or VOID (the gateway took nothing). An hourly purge deletes those rows, in slices of
 * {@value #SLICE} with {@code FOR UPDATE SKIP LOCKED}, so any node may run it beside the renewal engine and the sweep.
 * <p>
 * Never purged: PENDING and REVERSING (still the sweep's work), and REVERSED, the only record that the gateway took
 * money which was then given back, and the reason its key is never charged again. A deleted key cannot come back:
 * a purchase's key names its new subscription, and a renewal's names the period its charge has settled.
 */
@Component
class PurchaseAttemptRetention {

	static final int SLICE = 5000;

	static final Duration MINIMUM = Duration.ofDays(1);

	private static final String PURGE = """
			DELETE FROM purchase_attempts WHERE gateway_key = ANY (ARRAY(
			    SELECT gateway_key FROM purchase_attempts
			    WHERE settled_at < :before AND status IN ('COMPLETED', 'DECLINED', 'VOID')
			    LIMIT :slice FOR UPDATE SKIP LOCKED))
			""";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Duration retention;

	PurchaseAttemptRetention(JdbcClient jdbc, Clock clock,
			@Value("${subdesk.billing.attempt-retention:P90D}") Duration retention) {
		if (retention.compareTo(MINIMUM) < 0) {
			throw new IllegalStateException("subdesk.billing.attempt-retention is " + retention
					+ ": settled purchase attempts are kept at least " + MINIMUM.toDays() + " day");
		}
		this.jdbc = jdbc;
		this.clock = clock;
		this.retention = retention;
	}

	/** Deletes the attempts settled longer ago than the retention and left nothing to remember; returns how many. */
	@Scheduled(fixedDelayString = "${subdesk.billing.attempt-purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	int purge() {
		Timestamp before = Timestamp.from(clock.instant().minus(retention));
		return Slices.untilDone(jdbc, PURGE, before, SLICE);
	}
}
