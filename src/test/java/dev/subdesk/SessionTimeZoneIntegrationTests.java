package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Every database session runs in UTC, whatever the JVM's zone: the retries, reminders and retention periods that SQL
 * computes with {@code + n days} are days of 24 h (API.md), also across a daylight-saving change elsewhere.
 */
@SubdeskIntegrationTest
class SessionTimeZoneIntegrationTests {

	@Autowired
	JdbcClient jdbc;

	@Test
	void sessionsAreInUtcSoADayIsAlways24Hours() {
		assertThat(jdbc.sql("SHOW TimeZone").query(String.class).single()).isEqualTo("UTC");
		Instant beforeTheUsChange = Instant.parse("2026-03-07T15:00:00Z"); // New York moves its clocks the next night
		Timestamp dayLater = jdbc.sql("SELECT CAST(:at AS timestamptz) + make_interval(days => 1)")
			.param("at", Timestamp.from(beforeTheUsChange))
			.query(Timestamp.class)
			.single();
		assertThat(Duration.between(beforeTheUsChange, dayLater.toInstant())).isEqualTo(Duration.ofHours(24));
	}
}
