package dev.subdesk.notices;

import dev.subdesk.shared.Slices;
import java.sql.Timestamp;
import java.time.Clock;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A one-time code notice's text (the code, and for sign-in a one-time link) is erased once its code has expired,
 * whatever became of the notice: one never sent (no mail server: the demo mailbox showed it while it was valid) or
 * still being retried loses it then, and its code is not sent late (SMTP delivery fails a notice whose text is
 * erased). One the mail server took or refused for good has lost it already ({@link SmtpDelivery}). One that went to
 * no account (checkout's "I am new here", to an address that had none) loses its address then too, as the
 * confirmations of public requests that named no account do later ({@link Notices#eraseUnaddressed}): the address
 * was typed by anyone, and the account its code may have opened since is not this notice's. Each expiry
 * ({@code notice_body_expiries}, written by {@link Notices#sendOneTimeCode}) is deleted with the text; rows locked by a
 * delivery or a closure under way are left for the next run. Slices of {@value #BATCH}, each its own statement, so
 * any node may run it.
 */
@Component
class OneTimeCodeBodies {

	static final int BATCH = 1000;

	private static final String ERASE = """
			WITH due AS (
			    SELECT e.notice_id FROM notice_body_expiries e JOIN notices n ON n.id = e.notice_id
			    WHERE e.expires_at <= :before
			    ORDER BY e.expires_at LIMIT :slice
			    FOR UPDATE OF e, n SKIP LOCKED),
			erased AS (
			    UPDATE notices n SET body = NULL,
			      recipient = CASE WHEN n.account_id IS NULL THEN '%s' ELSE n.recipient END
			    FROM due WHERE n.id = due.notice_id AND (n.body IS NOT NULL OR n.account_id IS NULL))
			DELETE FROM notice_body_expiries e USING due WHERE e.notice_id = due.notice_id
			""".formatted(Notices.UNADDRESSED_TOMBSTONE);

	private final JdbcClient jdbc;
	private final Clock clock;

	OneTimeCodeBodies(JdbcClient jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	/** Erases the text of every one-time code notice whose code has expired; returns how many expiries it handled. */
	@Scheduled(fixedDelayString = "${subdesk.notices.code-erasure-interval:PT1M}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	int eraseExpired() {
		return Slices.untilDone(jdbc, ERASE, Timestamp.from(clock.instant()), BATCH);
	}
}
