package dev.subdesk.events;

import dev.subdesk.shared.Ids;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event log: every state change appends its event in the transaction of the change (so there is no change
 * without its event and no event without its change). A subject's sequence is taken from its counter row, which
 * the append locks until the transaction ends: events of one subject are numbered in commit order, without gaps.
 */
@Component
public class EventLog {

	private final JdbcClient jdbc;

	private final Clock clock;

	private final JsonMapper json;

	EventLog(JdbcClient jdbc, Clock clock, JsonMapper json) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.json = json;
	}

	/**
	 * Appends an event about {@code subjectId} (the subscription; the account for {@code account.*}; the case number
	 * for {@code case.*}) whose {@code data} is serialized to JSON now. Must run inside the change's transaction.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public RecordedEvent append(EventType type, String subjectId, @Nullable String accountId, Object data) {
		long sequence = jdbc.sql("""
				INSERT INTO event_subject (subject_id, last_sequence) VALUES (:subject, 1)
				ON CONFLICT (subject_id) DO UPDATE SET last_sequence = event_subject.last_sequence + 1
				RETURNING last_sequence
				""").param("subject", subjectId).query(Long.class).single();
		String id = Ids.next("evt");
		var now = clock.instant();
		String text = json.writeValueAsString(data);
		long position = jdbc.sql("""
				INSERT INTO domain_event (id, type, subject_id, sequence, account_id, data, created_at)
				VALUES (:id, :type, :subject, :sequence, :account, CAST(:data AS jsonb), :at)
				RETURNING position
				""")
			.param("id", id)
			.param("type", type.wireName())
			.param("subject", subjectId)
			.param("sequence", sequence)
			.param("account", accountId)
			.param("data", text)
			.param("at", Timestamp.from(now))
			.query(Long.class)
			.single();
		return new RecordedEvent(position, id, type, subjectId, sequence, accountId, text, now);
	}

	/** Up to {@code limit} events inserted after {@code position}, oldest first. */
	public List<RecordedEvent> after(long position, int limit) {
		return jdbc.sql("""
				SELECT position, id, type, subject_id, sequence, account_id, data::text AS data, created_at
				FROM domain_event WHERE position > :position ORDER BY position LIMIT :limit
				""").param("position", position).param("limit", limit).query(EventLog::map).list();
	}

	/** The events of one subject, in sequence. */
	public List<RecordedEvent> ofSubject(String subjectId) {
		return jdbc.sql("""
				SELECT position, id, type, subject_id, sequence, account_id, data::text AS data, created_at
				FROM domain_event WHERE subject_id = :subject ORDER BY sequence
				""").param("subject", subjectId).query(EventLog::map).list();
	}

	static RecordedEvent map(ResultSet rs, int row) throws SQLException {
		return new RecordedEvent(rs.getLong("position"), rs.getString("id"),
				EventType.ofWireName(rs.getString("type")).orElseThrow(), rs.getString("subject_id"),
				rs.getLong("sequence"), rs.getString("account_id"), rs.getString("data"),
				rs.getTimestamp("created_at").toInstant());
	}
}
