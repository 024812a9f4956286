package dev.subdesk.notices;

import dev.subdesk.shared.Slices;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A notice the mail server took is the customer's now: its body (name, plan, amounts, links) is erased from the
 * database once it was sent longer ago than {@code subdesk.notices.body-retention} (default 400 days: a yearly
 * renewal's reminder and the disputes about it). Type, subject, recipient, related id and the delivery record stay,
 * which is what proves that a notice was sent; an erased notice cannot be delivered again ({@code 409 NOTICE_ERASED}).
 * Notices never sent (STORED without a mail server, FAILED) are the only copy and are kept until the account closes
 * (but a one-time code notice's text goes as soon as it is sent or its code expires: {@link OneTimeCodeBodies});
 * a notice whose re-delivery is still under way keeps its body until that is done. Batches of
 * {@value #BATCH} rows, each its own statement, so the purge never holds many locks and any node may run it.
 */
@Component
class NoticeBodyRetention {

	static final int BATCH = 5000;

	private static final String PURGE = """
			UPDATE notices SET body = NULL WHERE id = ANY (ARRAY(
			    SELECT n.id FROM notices n
			    WHERE n.sent_at < :before AND n.body IS NOT NULL AND n.sent_at IS NOT NULL
			      AND NOT EXISTS (SELECT 1 FROM notice_redeliveries r
			                      WHERE r.notice_id = n.id AND r.sent_at IS NULL AND r.failed_at IS NULL)
			    LIMIT :slice FOR UPDATE SKIP LOCKED))
			""";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Duration retention;

	NoticeBodyRetention(JdbcClient jdbc, Clock clock,
			@Value("${subdesk.notices.body-retention:P400D}") Duration retention) {
		if (retention.isNegative()) {
			throw new IllegalStateException("subdesk.notices.body-retention must not be negative: " + retention);
		}
		this.jdbc = jdbc;
		this.clock = clock;
		this.retention = retention;
	}

	/** Erases the body of every notice sent before the retention period; returns how many. */
	@Scheduled(fixedDelayString = "${subdesk.notices.body-purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	int purge() {
		Timestamp before = Timestamp.from(clock.instant().minus(retention));
		return Slices.untilDone(jdbc, PURGE, before, BATCH);
	}
}
