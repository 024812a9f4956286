package dev.subdesk.events;

import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * How long stored events live: {@code subdesk.events.retention} (default and minimum 30 days, API.md's "kept at
 * least 30 days") by the server's clock, then an hourly purge deletes them in slices. A subject's counter stays, so
 * its sequence goes on from where it was. See docs/RETENTION.md.
 */
@Component
public class EventRetention {

	/** The shortest retention the contract allows. */
	public static final Duration MINIMUM = Duration.ofDays(30);

	private static final int SLICE = 10_000;

	private final EventLog log;

	private final Clock clock;

	private final Duration retention;

	EventRetention(EventLog log, Clock clock, @Value("${subdesk.events.retention:P30D}") Duration retention) {
		if (retention.compareTo(MINIMUM) < 0) {
			throw new IllegalStateException(
					"subdesk.events.retention is " + retention + ": events are kept at least " + MINIMUM.toDays() + " days");
		}
		this.log = log;
		this.clock = clock;
		this.retention = retention;
	}

	/** Deletes the events recorded longer ago than the retention; returns how many. */
	@Scheduled(fixedDelayString = "${subdesk.events.purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	public int purge() {
		var before = clock.instant().minus(retention);
		int total = 0;
		int deleted;
		do {
			deleted = log.deleteRecordedBefore(before, SLICE);
			total += deleted;
		}
		while (deleted == SLICE);
		return total;
	}
}
