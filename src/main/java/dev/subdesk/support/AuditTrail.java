package dev.subdesk.support;

import java.sql.Timestamp;
import java.time.Clock;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** The audit trail: who changed what, when, through which channel (DESIGN.md invariant 8). Append-only. */
@Service
public class AuditTrail {

	private final JdbcClient jdbc;
	private final Clock clock;

	AuditTrail(JdbcClient jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	/** Appends one entry; a single statement, so it needs no transaction of its own. */
	public void record(String actor, String channel, String action, String target, @Nullable Integer status) {
		jdbc.sql("""
				INSERT INTO audit_events (at, actor, channel, action, target, status)
				VALUES (:at, :actor, :channel, :action, :target, :status)
				""")
			.param("at", Timestamp.from(clock.instant()))
			.param("actor", actor)
			.param("channel", channel)
			.param("action", action)
			.param("target", target)
			.param("status", status)
			.update();
	}
}
