package dev.subdesk.notices;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Gauges of notices by delivery status, read from the database at each scrape, so every node reports the same
 * figures: {@code subdesk.notices{status="PENDING"}} (waiting for the mail server: the outbox, small) and
 * {@code status="FAILED"} (refused for good or given up on; a partial index). SENT and STORED grow with every
 * notice ever written and are not counted here: counting them would read the whole table at every scrape.
 */
@Component
class NoticeMeters {

	private static final String PENDING = "SELECT count(*) FROM notice_outbox";

	private static final String FAILED = "SELECT count(*) FROM notices WHERE delivery_error IS NOT NULL";

	private final JdbcClient jdbc;

	NoticeMeters(JdbcClient jdbc, MeterRegistry registry) {
		this.jdbc = jdbc;
		gauge(registry, DeliveryStatus.PENDING, PENDING);
		gauge(registry, DeliveryStatus.FAILED, FAILED);
	}

	private void gauge(MeterRegistry registry, DeliveryStatus status, String sql) {
		Gauge.builder("subdesk.notices", this, meters -> meters.count(sql))
			.description("Notices by delivery status (PENDING and FAILED), from the database")
			.tag("status", status.name())
			.strongReference(true)
			.register(registry);
	}

	private long count(String sql) {
		return jdbc.sql(sql).query(Long.class).single();
	}
}
