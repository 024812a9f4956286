package dev.subdesk.support;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * How many account searches by a name and a card's last four digits an agent may run: {@link #perHour()} in any hour
 * ({@code subdesk.console.card-searches.per-hour}, default {@value #DEFAULT_PER_HOUR}: {@link CardSearchProperties}).
 * The digits filter what the name finds, so each such search tells whether a card of the accounts found ends in them;
 * the allowance keeps the search from being a free oracle for the digits, without touching the accounts' caller
 * verification (a search is no verification attempt: it never uses one, locks nothing and un-verifies nobody). Each
 * search allowed is in the audit trail ({@value #ACTION}: which agent, when; never the name or the digits), and the
 * allowance is counted from those entries. Searches sent by one agent at the same moment wait for each other (an
 * advisory lock on the agent until the transaction commits), so they cannot pass the allowance together.
 */
@Service
public class CardSearches {

	/** The card-digit searches an agent may run in {@link #WINDOW} unless configured otherwise. */
	public static final int DEFAULT_PER_HOUR = 30;

	static final Duration WINDOW = Duration.ofHours(1);

	/** The audit action of a card-digit search (actor and target: the agent). */
	public static final String ACTION = "SEARCH_BY_CARD";

	private static final String COUNT_RECENT = """
			SELECT count(*) FROM audit_events WHERE target = :agent AND actor = :agent AND action = :action AND at > :since
			""";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final AuditTrail audit;
	private final int perHour;

	CardSearches(JdbcClient jdbc, Clock clock, AuditTrail audit, CardSearchProperties properties) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.audit = audit;
		this.perHour = properties.perHour();
	}

	/** The card-digit searches an agent may run in an hour, as configured. */
	public int perHour() {
		return perHour;
	}

	/**
	 * Counts a card-digit search by {@code agent} (an audit entry) and answers true, or answers false and counts
	 * nothing when the agent ran {@link #perHour()} in the last hour.
	 */
	@Transactional
	public boolean allow(String agent, String channel) {
		jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('console-card-search:' || :agent, 0))")
			.param("agent", agent)
			.query()
			.listOfRows();
		Instant now = clock.instant();
		long recent = jdbc.sql(COUNT_RECENT).param("agent", agent).param("action", ACTION)
			.param("since", Timestamp.from(now.minus(WINDOW))).query(Long.class).single();
		if (recent >= perHour) {
			return false;
		}
		audit.record(agent, channel, ACTION, agent, null, null, "search by a name and a card's last four digits");
		return true;
	}
}
