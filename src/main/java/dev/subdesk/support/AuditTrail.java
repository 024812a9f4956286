package dev.subdesk.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The audit trail: who did what, when, through which channel, on which case and why (DESIGN.md invariant 8).
 * Append-only and tamper-evident: every entry carries the SHA-256 of its own content and of the entry before
 * it, so changing or deleting an entry in the database breaks the chain at that point.
 */
@Service
public class AuditTrail {

	/** The advisory lock that serializes appends, so the chain never forks. */
	private static final long CHAIN_LOCK = 0x5_0B_DE_5C_A0_D1_7AL;

	private static final String GENESIS = "0".repeat(64);

	private final JdbcClient jdbc;
	private final Clock clock;

	AuditTrail(JdbcClient jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	/** One audit entry as stored. */
	public record Entry(long id, Instant at, String actor, String channel, String action, String target,
			@Nullable String detail, @Nullable Integer status, @Nullable String caseNumber, @Nullable String reason,
			String prevHash, String hash) {

		String content() {
			return String.join("|", String.valueOf(id), at.toString(), actor, channel, action, target,
					String.valueOf(detail), String.valueOf(status), String.valueOf(caseNumber), String.valueOf(reason));
		}
	}

	/** The outcome of checking the chain: intact, or the first entry that does not match. */
	public record ChainCheck(boolean intact, long entries, @Nullable Long firstBrokenId) {
	}

	/** Appends an entry of an API call. */
	@Transactional
	public void record(String actor, String channel, String action, String target, @Nullable Integer status) {
		append(actor, channel, action, target, null, status, null, null);
	}

	/** Appends an entry of an agent's action on an account, with the case and the reason. */
	@Transactional
	public void record(String actor, String channel, String action, String target, @Nullable String detail,
			@Nullable String caseNumber, @Nullable String reason) {
		append(actor, channel, action, target, detail, null, caseNumber, reason);
	}

	private void append(String actor, String channel, String action, String target, @Nullable String detail,
			@Nullable Integer status, @Nullable String caseNumber, @Nullable String reason) {
		jdbc.sql("SELECT pg_advisory_xact_lock(:lock)").param("lock", CHAIN_LOCK).query().listOfRows();
		String prev = jdbc.sql("SELECT hash FROM audit_events WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1")
			.query(String.class)
			.optional()
			.orElse(GENESIS);
		Instant at = clock.instant();
		long id = jdbc.sql("""
				INSERT INTO audit_events (at, actor, channel, action, target, detail, status, case_number, reason, prev_hash)
				VALUES (:at, :actor, :channel, :action, :target, :detail, :status, :case, :reason, :prev)
				RETURNING id
				""")
			.param("at", Timestamp.from(at))
			.param("actor", actor)
			.param("channel", channel)
			.param("action", action)
			.param("target", target)
			.param("detail", detail)
			.param("status", status)
			.param("case", caseNumber)
			.param("reason", reason)
			.param("prev", prev)
			.query(Long.class)
			.single();
		Entry entry = new Entry(id, at, actor, channel, action, target, detail, status, caseNumber, reason, prev, "");
		jdbc.sql("UPDATE audit_events SET hash = :hash WHERE id = :id")
			.param("hash", hash(prev, entry))
			.param("id", id)
			.update();
	}

	/** The entries about one target (an account, a case), oldest first. */
	@Transactional(readOnly = true)
	public List<Entry> about(String target) {
		return jdbc.sql(SELECT + " WHERE target = :target OR case_number = :target ORDER BY id")
			.param("target", target)
			.query(AuditTrail::map)
			.list();
	}

	/** Walks the whole chain and recomputes every hash. */
	@Transactional(readOnly = true)
	public ChainCheck verify() {
		String expectedPrev = GENESIS;
		long count = 0;
		long afterId = 0;
		while (true) {
			List<Entry> page = jdbc.sql(SELECT + " WHERE hash IS NOT NULL AND id > :after ORDER BY id LIMIT 5000")
				.param("after", afterId)
				.query(AuditTrail::map)
				.list();
			if (page.isEmpty()) {
				return new ChainCheck(true, count, null);
			}
			for (Entry entry : page) {
				if (!entry.prevHash().equals(expectedPrev) || !entry.hash().equals(hash(entry.prevHash(), entry))) {
					return new ChainCheck(false, count, entry.id());
				}
				expectedPrev = entry.hash();
				count++;
				afterId = entry.id();
			}
		}
	}

	/** The newest entry, if any. */
	@Transactional(readOnly = true)
	public Optional<Entry> latest() {
		return jdbc.sql(SELECT + " WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1").query(AuditTrail::map).optional();
	}

	private static final String SELECT = """
			SELECT id, at, actor, channel, action, target, detail, status, case_number, reason, prev_hash, hash
			FROM audit_events""";

	private static Entry map(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
		int status = rs.getInt("status");
		Integer maybeStatus = rs.wasNull() ? null : status;
		return new Entry(rs.getLong("id"), rs.getTimestamp("at").toInstant(), rs.getString("actor"),
				rs.getString("channel"), rs.getString("action"), rs.getString("target"), rs.getString("detail"),
				maybeStatus, rs.getString("case_number"), rs.getString("reason"), rs.getString("prev_hash"),
				rs.getString("hash"));
	}

	static String hash(String prev, Entry entry) {
		try {
			MessageDigest sha = MessageDigest.getInstance("SHA-256");
			sha.update(prev.getBytes(StandardCharsets.UTF_8));
			sha.update((byte) '\n');
			sha.update(entry.content().getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(sha.digest());
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
