package dev.subdesk.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * When a failed delivery is tried again (shared/API.md): about 5 s, 5 min, 30 min, 2 h, 5 h and 10 h after the
 * attempts that failed, then every 10 h, and a last time when 3 days have passed since its first attempt; when that
 * fails too, it has failed for good. Counted from the first attempt, not from when the delivery was made: a later
 * event of a subject waits while an earlier one is retried, up to 3 days, and counted from its making it had one
 * attempt left when its turn came. (The endpoint's own 3 days, after which one whose every delivery failed is
 * disabled, are counted apart, from its first failure in a row.)
 */
final class RetrySchedule {

	static final Duration GIVE_UP_AFTER = Duration.ofDays(3);

	private static final List<Duration> DELAYS = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5),
			Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10));

	private RetrySchedule() {
	}

	/**
	 * The next attempt after {@code failedAttempts} failures at {@code now}, the first of them made at
	 * {@code firstAttempt}; empty when it is time to give up.
	 */
	static Optional<Instant> next(int failedAttempts, Instant firstAttempt, Instant now) {
		Duration delay = DELAYS.get(Math.min(Math.max(failedAttempts, 1), DELAYS.size()) - 1);
		Instant deadline = firstAttempt.plus(GIVE_UP_AFTER);
		if (!now.isBefore(deadline)) {
			return Optional.empty();
		}
		Instant next = now.plus(delay);
		return Optional.of(next.isAfter(deadline) ? deadline : next);
	}
}
