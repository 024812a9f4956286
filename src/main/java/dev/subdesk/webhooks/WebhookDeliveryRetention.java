package dev.subdesk.webhooks;

import dev.subdesk.shared.Slices;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The deliveries log is kept {@code subdesk.webhooks.delivery-retention} (default 30 days, at least a day) after a
 * delivery finished (SUCCEEDED, or FAILED for good), by the server's clock; an hourly purge then deletes those rows.
 * PENDING deliveries (queued, being retried, or retried by hand) are never purged. Slices of {@value #SLICE} rows,
 * each its own statement with {@code FOR UPDATE SKIP LOCKED}, so any node may run it beside the others and beside the
 * dispatchers. The slice is chosen once per statement ({@code ARRAY(...)}): as {@code IN (...)} the planner may re-run
 * a {@code LIMIT ... SKIP LOCKED} subquery for every row it joins, each run skipping what the statement already took,
 * which with the statistics of a nearly empty table made a webhook fan-out round take its whole queue in quadratic
 * time (see {@link Dispatcher#FAN_OUT}). The same purge deletes the rotated-out signing secrets whose 24 hours are
 * over ({@code webhook_endpoint_old_secret}, {@link WebhookEndpoints#OLD_SECRET_SIGNS}): they sign nothing any more,
 * and a rotation only forgets those of its own endpoint. See docs/RETENTION.md.
 */
@Component
class WebhookDeliveryRetention {

	static final int SLICE = 5000;

	static final Duration MINIMUM = Duration.ofDays(1);

	private static final String PURGE = """
			DELETE FROM webhook_delivery WHERE id = ANY (ARRAY(
			    SELECT id FROM webhook_delivery
			    WHERE finished_at < :before AND status <> 'PENDING'
			    LIMIT :slice FOR UPDATE SKIP LOCKED))
			""";

	/** The rotated-out secrets that no longer sign (the dispatcher reads those with {@code signs_until > now}). */
	private static final String FORGET_OLD_SECRETS = """
			DELETE FROM webhook_endpoint_old_secret WHERE seq = ANY (ARRAY(
			    SELECT seq FROM webhook_endpoint_old_secret
			    WHERE signs_until <= :before
			    LIMIT :slice FOR UPDATE SKIP LOCKED))
			""";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Duration retention;

	WebhookDeliveryRetention(JdbcClient jdbc, Clock clock,
			@Value("${subdesk.webhooks.delivery-retention:P30D}") Duration retention) {
		if (retention.compareTo(MINIMUM) < 0) {
			throw new IllegalStateException("subdesk.webhooks.delivery-retention is " + retention
					+ ": the deliveries log is kept at least " + MINIMUM.toDays() + " day");
		}
		this.jdbc = jdbc;
		this.clock = clock;
		this.retention = retention;
	}

	/**
	 * Deletes the deliveries finished longer ago than the retention and the rotated-out secrets whose 24 hours are
	 * over; returns how many rows in all.
	 */
	@Scheduled(fixedDelayString = "${subdesk.webhooks.delivery-purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	int purge() {
		Instant now = clock.instant();
		return Slices.untilDone(jdbc, PURGE, Timestamp.from(now.minus(retention)), SLICE)
				+ Slices.untilDone(jdbc, FORGET_OLD_SECRETS, Timestamp.from(now), SLICE);
	}
}
