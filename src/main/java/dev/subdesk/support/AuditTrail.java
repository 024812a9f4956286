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
 * it, so changing or deleting an entry in the database breaks the chain at that point. The one change allowed is
 * the erasure of what was written in the entries about a closed account ({@link #eraseAbout}), itself recorded.
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
			String prevHash, String hash, @Nullable Long erasedBy) {

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

	/**
	 * Erases what was written in the entries about a closed account and its cases (their {@code detail} and
	 * {@code reason}: staff notes, reasons typed, what a caller said), keeping who did what, when, through which
	 * channel, on which account and case, with which status. The erasure is itself an entry
	 * ({@value #ERASURE_ACTION}); each erased entry names it and keeps its hash, so the chain still links and the
	 * check accepts an entry changed this way only when a later erasure entry vouches for it.
	 */
	@Transactional(propagation = org.springframework.transaction.annotation.Propagation.MANDATORY)
	void eraseAbout(String accountId, List<String> caseNumbers) {
		String about = """
				FROM audit_events WHERE (target = :account OR target = ANY(CAST(:cases AS text[]))
				    OR case_number = ANY(CAST(:cases AS text[])))
				  AND (detail IS NOT NULL OR reason IS NOT NULL) AND erased_by IS NULL AND hash IS NOT NULL""";
		String[] cases = caseNumbers.toArray(String[]::new);
		long count = jdbc.sql("SELECT count(*) " + about).param("account", accountId).param("cases", cases)
			.query(Long.class).single();
		if (count == 0) {
			return;
		}
		long erasure = append("system", "SYSTEM", ERASURE_ACTION, accountId,
				"account closed: what was written in %d entries about it and its cases was erased".formatted(count), null,
				null, null);
		jdbc.sql("UPDATE audit_events SET detail = NULL, reason = NULL, erased_by = :erasure WHERE id IN (SELECT id "
				+ about + " AND id < :erasure)")
			.param("erasure", erasure)
			.param("account", accountId)
			.param("cases", cases)
			.update();
	}

	/** The action of the entry that records an erasure of other entries' text. */
	public static final String ERASURE_ACTION = "PERSONAL_DATA_ERASED";

	private long append(String actor, String channel, String action, String target, @Nullable String detail,
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
		Entry entry = new Entry(id, at, actor, channel, action, target, detail, status, caseNumber, reason, prev, "", null);
		jdbc.sql("UPDATE audit_events SET hash = :hash WHERE id = :id")
			.param("hash", hash(prev, entry))
			.param("id", id)
			.update();
		return id;
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
		java.util.Map<Long, Boolean> erasures = new java.util.HashMap<>();
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
				Long erasedBy = entry.erasedBy();
				boolean contentHolds = erasedBy == null ? entry.hash().equals(hash(entry.prevHash(), entry))
						: erasedBy > entry.id() && erasures.computeIfAbsent(erasedBy, this::isErasure);
				if (!entry.prevHash().equals(expectedPrev) || !contentHolds) {
					return new ChainCheck(false, count, entry.id());
				}
				expectedPrev = entry.hash();
				count++;
				afterId = entry.id();
			}
		}
	}

	/** An erased entry is accepted when it names a later entry of the chain that records an erasure. */
	private boolean isErasure(long id) {
		return jdbc.sql("SELECT count(*) FROM audit_events WHERE id = :id AND action = :action AND hash IS NOT NULL")
			.param("id", id).param("action", ERASURE_ACTION).query(Long.class).single() == 1;
	}

	/** The newest entry, if any. */
	@Transactional(readOnly = true)
	public Optional<Entry> latest() {
		return jdbc.sql(SELECT + " WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1").query(AuditTrail::map).optional();
	}

	private static final String SELECT = """
			SELECT id, at, actor, channel, action, target, detail, status, case_number, reason, prev_hash, hash, erased_by
			FROM audit_events""";

	private static Entry map(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
		int status = rs.getInt("status");
		Integer maybeStatus = rs.wasNull() ? null : status;
		return new Entry(rs.getLong("id"), rs.getTimestamp("at").toInstant(), rs.getString("actor"),
				rs.getString("channel"), rs.getString("action"), rs.getString("target"), rs.getString("detail"),
				maybeStatus, rs.getString("case_number"), rs.getString("reason"), rs.getString("prev_hash"),
				rs.getString("hash"), (Long) rs.getObject("erased_by", Long.class));
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
