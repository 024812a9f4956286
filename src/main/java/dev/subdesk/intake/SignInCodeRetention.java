package dev.subdesk.intake;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Sign-in codes are kept one day: long enough for the limits (15 minutes) and for looking into a complaint about a
 * code the same day, and no longer, since a code asked for an address that has no account keeps that address (the
 * codes of an account are erased with it when it closes).
 */
@Component
class SignInCodeRetention {

	static final Duration RETENTION = Duration.ofDays(1);

	private final JdbcClient jdbc;
	private final Clock clock;

	SignInCodeRetention(JdbcClient jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	/** Deletes the codes created more than a day ago; returns how many. */
	@Scheduled(fixedDelayString = "${subdesk.portal.sign-in-code-purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	int purge() {
		return jdbc.sql("DELETE FROM portal_sign_in_codes WHERE created_at < :before")
			.param("before", Timestamp.from(clock.instant().minus(RETENTION)))
			.update();
	}
}
