package dev.subdesk.support;

import dev.subdesk.shared.Tally;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** The supervisors' figures about cases over a time range. */
@Service
public class CaseReport {

	private static final String TOTALS = """
			SELECT count(*) FILTER (WHERE created_at >= :from AND created_at < :to) AS opened,
			       count(*) FILTER (WHERE resolved_at >= :from AND resolved_at < :to) AS resolved,
			       count(*) FILTER (WHERE sla_due_at >= :from AND sla_due_at < :to AND sla_due_at < :now
			                        AND (resolved_at IS NULL OR resolved_at > sla_due_at)) AS breaches
			FROM support_cases
			WHERE (created_at >= :from AND created_at < :to) OR (resolved_at >= :from AND resolved_at < :to)
			   OR (sla_due_at >= :from AND sla_due_at < :to)
			""";

	private static final String OPENED_BY_CHANNEL = """
			SELECT channel, count(*) AS n FROM support_cases WHERE created_at >= :from AND created_at < :to
			GROUP BY channel ORDER BY n DESC, channel
			""";

	/**
	 * Cases opened and resolved in the range; SLA breaches are the cases whose answer was due in the range and
	 * that were not resolved by then (counted once the due time has passed).
	 */
	public record Figures(long opened, long resolved, long slaBreaches, List<Tally> openedByChannel) {
	}

	private final JdbcClient jdbc;
	private final Clock clock;

	CaseReport(JdbcClient jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	/** The figures for {@code [from, to)}. */
	@Transactional(readOnly = true)
	public Figures between(Instant from, Instant to) {
		Figures totals = jdbc.sql(TOTALS)
			.param("from", Timestamp.from(from))
			.param("to", Timestamp.from(to))
			.param("now", Timestamp.from(clock.instant()))
			.query((rs, n) -> new Figures(rs.getLong("opened"), rs.getLong("resolved"), rs.getLong("breaches"), List.of()))
			.single();
		List<Tally> byChannel = jdbc.sql(OPENED_BY_CHANNEL)
			.param("from", Timestamp.from(from))
			.param("to", Timestamp.from(to))
			.query((rs, n) -> new Tally(rs.getString("channel"), rs.getLong("n")))
			.list();
		return new Figures(totals.opened(), totals.resolved(), totals.slaBreaches(), byChannel);
	}
}
