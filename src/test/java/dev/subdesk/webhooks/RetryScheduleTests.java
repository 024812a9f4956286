package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryScheduleTests {

	@Test
	void retriesFollow5s5m30m2h5h10hThenEvery10hWithALastOneAtThreeDaysThenGiveUp() {
		Instant created = Instant.parse("2026-01-01T00:00:00Z");
		Instant now = created;
		List<Duration> waits = new ArrayList<>();
		for (int failed = 1; ; failed++) {
			Optional<Instant> next = RetrySchedule.next(failed, created, now);
			if (next.isEmpty()) {
				break;
			}
			waits.add(Duration.between(now, next.get()));
			now = next.get();
		}
		assertThat(waits).startsWith(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
				Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
		assertThat(waits.subList(6, waits.size() - 1)).allMatch(Duration.ofHours(10)::equals);
		assertThat(now).as("the last attempt").isEqualTo(created.plus(Duration.ofDays(3)));
	}
}
