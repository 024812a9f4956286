package dev.subdesk.support;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.shared.Digests;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The audit trail: who did what, when, through which channel, on which case and why (DESIGN.md invariant 8).
 * Append-only and tamper-evident. An entry is inserted in the transaction of the change it records, with no lock,
 * carrying the SHA-256 of its own content; one sealer ({@link #seal}, run by {@link AuditSealer}, one node at a
 * time) links the committed entries shortly after into a chain, each with the SHA-256 of its content and of the
 * entry before it, so changing or deleting a sealed entry in the database breaks the chain at that point and
 * changing a not-yet-sealed one breaks its own hash. The one change allowed is the erasure of what was written in
 * the entries about a closed account ({@link #eraseAbout}), itself recorded.
 */
@Service
public class AuditTrail {

	private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

	/**
	 * The advisory lock the sealer holds while it seals, so the chain never forks; writers never take it. Whoever
	 * else holds it (an operator, a test) pauses the sealing.
	 */
	public static final long SEALER_LOCK = 0x5_0B_DE_5C_A0_D1_7AL;

	private static final int SEAL_BATCH = 1000;

	private static final String GENESIS = "0".repeat(64);

	/** The hash format of the entries written now (see {@link Entry}). */
	static final int HASH_VERSION = 2;

	/** The entry of the API write this thread serves, written by the first write transaction that commits. */
	private static final ThreadLocal<Pending> PENDING = new ThreadLocal<>();

	private static final java.time.Duration HEAD_LOG_EVERY = java.time.Duration.ofMinutes(1);

	private final JdbcClient jdbc;
	private final Clock clock;
	/** Lazily: the accounts take part in the transactions whose listener writes the audit entries. */
	private final org.springframework.beans.factory.ObjectProvider<Accounts> accounts;
	private final java.util.concurrent.atomic.AtomicLong headLoggedAt = new java.util.concurrent.atomic.AtomicLong(
			System.nanoTime() - HEAD_LOG_EVERY.toNanos() - 1);

	AuditTrail(JdbcClient jdbc, Clock clock, org.springframework.beans.factory.ObjectProvider<Accounts> accounts) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.accounts = accounts;
	}

	/**
	 * One audit entry as stored. {@code hashVersion} 2 (every entry written since V261): each field is encoded with its
	 * length, and the free text (detail, reason) is hashed apart into {@code textHash}, which an erasure keeps; 1: the
	 * fields joined with {@code |}, and an erased entry covered by no hash.
	 */
	public record Entry(long id, Instant at, String actor, String channel, String action, String target,
			@Nullable String detail, @Nullable Integer status, @Nullable String caseNumber, @Nullable String reason,
			@Nullable String prevHash, @Nullable String hash, @Nullable Long erasedBy, @Nullable Long seq,
			@Nullable String entryHash, int hashVersion, @Nullable String textHash) {

		String content() {
			return hashVersion >= 2 ? field(String.valueOf(id)) + ownContent() : String.valueOf(id) + "|" + ownContent();
		}

		/**
		 * What the entry says, without its id (unknown until the insert): what its own hash covers. In format 2 the
		 * text is there by its stored hash, so that it holds after the text is erased.
		 */
		String ownContent() {
			if (hashVersion >= 2) {
				return field(at.toString()) + field(actor) + field(channel) + field(action) + field(target)
						+ field(status == null ? null : status.toString()) + field(caseNumber) + field(textHash);
			}
			return String.join("|", at.toString(), actor, channel, action, target, String.valueOf(detail),
					String.valueOf(status), String.valueOf(caseNumber), String.valueOf(reason));
		}

		/** Whether the text is what {@code textHash} says (format 2; format 1 has no such hash). */
		boolean textHolds() {
			return hashVersion < 2 || AuditTrail.textHash(detail, reason).equals(textHash);
		}

		boolean sealed() {
			return seq != null;
		}

		/** This format-1 entry in format 2, its text hashed apart as it stands (none, once erased). */
		Entry inFormat2() {
			return new Entry(id, at, actor, channel, action, target, detail, status, caseNumber, reason, prevHash, hash,
					erasedBy, seq, entryHash, 2, AuditTrail.textHash(detail, reason));
		}
	}

	/** The hash of an entry's free text (format 2). */
	static String textHash(@Nullable String detail, @Nullable String reason) {
		return Digests.sha256Hex(field(detail) + field(reason));
	}

	/** One field, unambiguously: its length, a colon and itself; {@code -} for none. */
	private static String field(@Nullable String value) {
		return value == null ? "-" : value.length() + ":" + value;
	}

	/** The scope of one API write: its changes are audited once, in the first write transaction that commits. */
	public interface ChangeScope extends AutoCloseable {

		@Override
		void close();
	}

	/**
	 * Opens the scope of an API write served by this thread: the first transaction that changes something and
	 * commits before {@link ChangeScope#close} inserts this entry just before it commits, so neither commits
	 * without the other. A request that commits no change leaves no entry.
	 */
	public ChangeScope changesOf(String actor, String channel, String action, String target) {
		Pending pending = new Pending(actor, channel, action, target);
		PENDING.set(pending);
		return PENDING::remove;
	}

	/** The entry to write with the transaction beginning on this thread, if an API write awaits one. */
	@Nullable Pending pending() {
		Pending pending = PENDING.get();
		return pending == null || pending.written ? null : pending;
	}

	/** An API write's entry waiting for its change to commit. */
	static final class Pending {

		final String actor;
		final String channel;
		final String action;
		final String target;
		boolean written;

		Pending(String actor, String channel, String action, String target) {
			this.actor = actor;
			this.channel = channel;
			this.action = action;
			this.target = target;
		}
	}

	/** Inserts a pending API entry in the transaction about to commit (called by {@link AuditInTheTransaction}). */
	void insert(Pending pending) {
		append(pending.actor, pending.channel, pending.action, pending.target, null, null, null, null);
	}

	/** The outcome of checking the chain: intact, or the first entry that does not match. */
	public record ChainCheck(boolean intact, long entries, @Nullable Long firstBrokenId) {
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
				  AND (detail IS NOT NULL OR reason IS NOT NULL) AND erased_by IS NULL AND action <> :erasureAction""";
		String[] cases = caseNumbers.toArray(String[]::new);
		// the erasure's id first, then the entries it erases, then the erasure saying how many: exactly those name it
		// (verify counts them)
		long erasure = jdbc.sql("SELECT nextval(pg_get_serial_sequence('audit_events', 'id'))").query(Long.class).single();
		int erased = jdbc.sql("UPDATE audit_events SET detail = NULL, reason = NULL, erased_by = :erasure WHERE id IN (SELECT id "
				+ about + " AND id < :erasure)")
			.param("erasure", erasure)
			.param("account", accountId)
			.param("cases", cases)
			.param("erasureAction", ERASURE_ACTION) // an erasure before (a case resolved after the closure) stays as it is
			.update();
		if (erased == 0) {
			return;
		}
		append(erasure, "system", "SYSTEM", ERASURE_ACTION, accountId,
				"account closed: what was written in %d entries about it and its cases was erased".formatted(erased), null,
				null, null);
	}

	/** The action of the entry that records an erasure of other entries' text. */
	public static final String ERASURE_ACTION = "PERSONAL_DATA_ERASED";

	private long append(String actor, String channel, String action, String target, @Nullable String detail,
			@Nullable Integer status, @Nullable String caseNumber, @Nullable String reason) {
		return append(null, actor, channel, action, target, detail, status, caseNumber, reason);
	}

	/** Appends an entry, with the id given (taken from the id sequence before) or the next one. */
	private long append(@Nullable Long id, String actor, String channel, String action, String target,
			@Nullable String detail, @Nullable Integer status, @Nullable String caseNumber, @Nullable String reason) {
		Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS);
		String textHash = textHash(detail, reason);
		Entry entry = new Entry(0, at, actor, channel, action, target, detail, status, caseNumber, reason, null, null,
				null, null, null, HASH_VERSION, textHash);
		// every write's entry takes the identity's next id; only an erasure comes with the id it took before
		return jdbc.sql(id == null ? """
				INSERT INTO audit_events (at, actor, channel, action, target, detail, status, case_number, reason,
				    entry_hash, hash_version, text_hash)
				VALUES (:at, :actor, :channel, :action, :target, :detail, :status, :case, :reason, :entryHash, :version,
				    :textHash)
				RETURNING id
				""" : """
				INSERT INTO audit_events (id, at, actor, channel, action, target, detail, status, case_number, reason,
				    entry_hash, hash_version, text_hash)
				OVERRIDING SYSTEM VALUE
				VALUES (:id, :at, :actor, :channel, :action, :target, :detail, :status, :case, :reason, :entryHash,
				    :version, :textHash)
				RETURNING id
				""")
			.param("id", id, java.sql.Types.BIGINT)
			.param("at", Timestamp.from(at))
			.param("actor", actor)
			.param("channel", channel)
			.param("action", action)
			.param("target", target)
			.param("detail", detail)
			.param("status", status)
			.param("case", caseNumber)
			.param("reason", reason)
			.param("entryHash", Digests.sha256Hex(entry.ownContent()))
			.param("version", HASH_VERSION)
			.param("textHash", textHash)
			.query(Long.class)
			.single();
	}

	/**
	 * Links the committed entries not yet sealed into the chain, oldest id first, after the last sealed one: the
	 * order they are sealed in is their place in the chain. One node seals at a time (an advisory lock only the
	 * sealer takes); an entry whose own hash no longer matches stops the sealing there, so a change made before
	 * sealing is not laundered into the chain and {@link #verify} keeps reporting it.
	 *
	 * @return how many entries were sealed
	 */
	@Transactional
	public int seal() {
		if (!jdbc.sql("SELECT EXISTS (SELECT 1 FROM audit_events WHERE seq IS NULL)").query(Boolean.class).single()
				|| !jdbc.sql("SELECT pg_try_advisory_xact_lock(:lock)").param("lock", SEALER_LOCK).query(Boolean.class)
					.single()) {
			return 0;
		}
		Optional<Entry> last = jdbc.sql(SELECT + " WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
			.query(AuditTrail::map)
			.optional();
		long seq = last.map(Entry::seq).orElse(0L);
		String prev = last.map(Entry::hash).orElse(GENESIS);
		List<Entry> unsealed = jdbc.sql(SELECT + " WHERE seq IS NULL ORDER BY id LIMIT " + SEAL_BATCH)
			.query(AuditTrail::map)
			.list();
		java.util.Map<Long, Optional<Erasure>> erasures = new java.util.HashMap<>();
		List<Long> ids = new java.util.ArrayList<>();
		List<Long> seqs = new java.util.ArrayList<>();
		List<String> prevs = new java.util.ArrayList<>();
		List<String> hashes = new java.util.ArrayList<>();
		List<String> textHashes = new java.util.ArrayList<>();
		for (Entry written : unsealed) {
			if (!holdsUnsealed(written, erasures)) {
				log.error("Audit entry {} does not match its own hash: the chain is not sealed past it", written.id());
				break;
			}
			// every entry is sealed in format 2, one written by a node not yet upgraded too (its text, checked just
			// now, hashed apart; or none when an erasure took it): a format-1 entry after a format-2 one in the chain is
			// then a forgery (verify)
			Entry entry = written.hashVersion() >= HASH_VERSION ? written : written.inFormat2();
			textHashes.add(entry.textHash());
			String hash = hash(prev, entry);
			ids.add(entry.id());
			seqs.add(++seq);
			prevs.add(prev);
			hashes.add(hash);
			prev = hash;
		}
		if (!ids.isEmpty()) {
			jdbc.sql("""
					UPDATE audit_events a SET seq = s.seq, prev_hash = s.prev, hash = s.hash, hash_version = :version,
					    text_hash = s.text_hash
					FROM unnest(CAST(:ids AS bigint[]), CAST(:seqs AS bigint[]), CAST(:prevs AS text[]),
					            CAST(:hashes AS text[]), CAST(:textHashes AS text[])) AS s(id, seq, prev, hash, text_hash)
					WHERE a.id = s.id""")
				.param("ids", ids.toArray(Long[]::new))
				.param("seqs", seqs.toArray(Long[]::new))
				.param("prevs", prevs.toArray(String[]::new))
				.param("hashes", hashes.toArray(String[]::new))
				.param("textHashes", textHashes.toArray(String[]::new))
				.param("version", HASH_VERSION)
				.update();
		}
		return ids.size();
	}

	/**
	 * A not-yet-sealed entry holds when its own hash matches. One whose text a later erasure entry erased: in format 2,
	 * when the rest still matches (the text by its kept hash); in format 1, when that erasure vouches for it.
	 */
	private boolean holdsUnsealed(Entry entry, java.util.Map<Long, Optional<Erasure>> erasures) {
		if (!textHoldsOrWasErased(entry, erasures)) {
			return false;
		}
		if (entry.erasedBy() != null && entry.hashVersion() < 2) {
			return true;
		}
		return Digests.sha256Hex(entry.ownContent()).equals(entry.entryHash());
	}

	/**
	 * Whether the entry's text is what it was written as, or was erased by a later erasure entry (detail and reason
	 * both gone, nothing else) of a closed account that the entry is about, as {@link #eraseAbout} chooses them: the
	 * account itself or one of its cases. An erasure entry is easily forged (its hash is plain SHA-256), so it vouches
	 * for no other entry.
	 */
	private boolean textHoldsOrWasErased(Entry entry, java.util.Map<Long, Optional<Erasure>> erasures) {
		Long erasedBy = entry.erasedBy();
		if (erasedBy == null) {
			return entry.textHolds();
		}
		return erasedBy > entry.id() && entry.detail() == null && entry.reason() == null
				&& erasures.computeIfAbsent(erasedBy, this::erasure).filter(erasure -> erasure.about(entry)).isPresent();
	}

	/**
	 * Logs the head of the sealed chain, at most once a minute and only when it moved since the last line: an anchor
	 * outside the database. Deleting the newest sealed entries (and rewriting nothing else) leaves a chain that checks,
	 * but it no longer reaches the last head the logs have shown. Called after a seal has committed.
	 */
	void logHeadIfDue() {
		long now = System.nanoTime();
		long logged = headLoggedAt.get();
		if (now - logged <= HEAD_LOG_EVERY.toNanos() || !headLoggedAt.compareAndSet(logged, now)) {
			return;
		}
		jdbc.sql("SELECT seq, hash FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
			.query((rs, n) -> new String[] { rs.getString("seq"), rs.getString("hash") })
			.optional()
			.filter(head -> !head[1].equals(lastLoggedHead))
			.ifPresent(head -> {
				lastLoggedHead = head[1];
				log.info("Audit chain sealed to seq {}, head {}", head[0], head[1]);
			});
	}

	private volatile @Nullable String lastLoggedHead;

	/** The entries about one target (an account, a case), oldest first. */
	@Transactional(readOnly = true)
	public List<Entry> about(String target) {
		return jdbc.sql(SELECT + " WHERE target = :target OR case_number = :target ORDER BY id")
			.param("target", target)
			.query(AuditTrail::map)
			.list();
	}

	/**
	 * Checks every entry: walks the sealed chain in its order and recomputes every link, then recomputes the own
	 * hash of every entry not yet sealed. One snapshot, so an entry sealed meanwhile is checked once.
	 */
	@Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
	public ChainCheck verify() {
		String expectedPrev = GENESIS;
		java.util.Map<Long, Optional<Erasure>> erasures = new java.util.HashMap<>();
		long count = 0;
		long afterSeq = 0;
		boolean formatTwoSeen = false;
		long formatTwoFrom = formatTwoFrom();
		while (true) {
			List<Entry> page = jdbc.sql(SELECT + " WHERE seq > :after ORDER BY seq LIMIT 5000")
				.param("after", afterSeq)
				.query(AuditTrail::map)
				.list();
			if (page.isEmpty()) {
				break;
			}
			for (Entry entry : page) {
				boolean contentHolds = textHoldsOrWasErased(entry, erasures)
						&& (entry.erasedBy() != null && entry.hashVersion() < 2
								|| hash(entry.prevHash(), entry).equals(entry.hash()));
				// the sealer seals in format 2 only since V261: a format-1 entry after one, or after the point recorded
				// where format 2 began, is a forged version
				boolean downgraded = entry.hashVersion() < 2 && (formatTwoSeen || entry.seq() >= formatTwoFrom);
				if (!expectedPrev.equals(entry.prevHash()) || !contentHolds || downgraded) {
					return new ChainCheck(false, count, entry.id());
				}
				formatTwoSeen |= entry.hashVersion() >= 2;
				expectedPrev = entry.hash();
				count++;
				afterSeq = entry.seq();
			}
		}
		long afterId = 0;
		while (true) {
			List<Entry> page = jdbc.sql(SELECT + " WHERE seq IS NULL AND id > :after ORDER BY id LIMIT 5000")
				.param("after", afterId)
				.query(AuditTrail::map)
				.list();
			if (page.isEmpty()) {
				return new ChainCheck(true, count, null);
			}
			for (Entry entry : page) {
				if (!holdsUnsealed(entry, erasures)) {
					return new ChainCheck(false, count, entry.id());
				}
				count++;
				afterId = entry.id();
			}
		}
	}

	/**
	 * The erasure an erased entry names, when it is one: a later entry that records an erasure of a closed account,
	 * named by exactly as many entries as its own (hashed) text says it erased (an unrelated entry pointed at it, its
	 * text dropped, makes one too many); empty otherwise.
	 */
	private Optional<Erasure> erasure(long id) {
		Optional<String[]> erasure = jdbc.sql("SELECT target, detail FROM audit_events WHERE id = :id AND action = :action")
			.param("id", id)
			.param("action", ERASURE_ACTION)
			.query((rs, n) -> new String[] { rs.getString("target"), rs.getString("detail") })
			.optional();
		if (erasure.isEmpty()) {
			return Optional.empty();
		}
		String account = erasure.get()[0];
		java.util.regex.Matcher erased = ERASED_COUNT.matcher(String.valueOf(erasure.get()[1]));
		long naming = jdbc.sql("SELECT count(*) FROM audit_events WHERE erased_by = :id").param("id", id)
			.query(Long.class).single();
		if (!erased.find() || Long.parseLong(erased.group(1)) != naming
				|| !accounts.getObject().find(account).map(Account::closed).orElse(false)) {
			return Optional.empty();
		}
		return Optional.of(new Erasure(account, java.util.Set.copyOf(jdbc
			.sql("SELECT case_number FROM support_cases WHERE account_id = :account")
			.param("account", account)
			.query(String.class)
			.list())));
	}

	/** An erasure entry that holds: of a closed account, whose cases are those. */
	private record Erasure(String account, java.util.Set<String> cases) {

		/** Whether {@link #eraseAbout} erases this entry with the account: it is about the account or one of its cases. */
		boolean about(Entry entry) {
			return entry.target().equals(account) || cases.contains(entry.target())
					|| entry.caseNumber() != null && cases.contains(entry.caseNumber());
		}
	}

	/**
	 * The seq from which every sealed entry is of format 2 (V306): where format 2 began, or where the chain stood when
	 * it was recorded, none of format 2 sealed yet. Without the record, no entry of format 1 is accepted.
	 */
	private long formatTwoFrom() {
		return jdbc.sql("SELECT format_two_from_seq FROM audit_chain_format").query(Long.class).optional().orElse(1L);
	}

	private static final java.util.regex.Pattern ERASED_COUNT = java.util.regex.Pattern.compile(" in (\\d+) entries ");

	/** The newest entry, if any. */
	@Transactional(readOnly = true)
	public Optional<Entry> latest() {
		return jdbc.sql(SELECT + " ORDER BY id DESC LIMIT 1").query(AuditTrail::map).optional();
	}

	private static final String SELECT = """
			SELECT id, at, actor, channel, action, target, detail, status, case_number, reason, prev_hash, hash, erased_by,
			       seq, entry_hash, hash_version, text_hash
			FROM audit_events""";

	private static Entry map(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
		int status = rs.getInt("status");
		Integer maybeStatus = rs.wasNull() ? null : status;
		return new Entry(rs.getLong("id"), rs.getTimestamp("at").toInstant(), rs.getString("actor"),
				rs.getString("channel"), rs.getString("action"), rs.getString("target"), rs.getString("detail"),
				maybeStatus, rs.getString("case_number"), rs.getString("reason"), rs.getString("prev_hash"),
				rs.getString("hash"), rs.getObject("erased_by", Long.class), rs.getObject("seq", Long.class),
				rs.getString("entry_hash"), rs.getInt("hash_version"), rs.getString("text_hash"));
	}

	static String hash(@Nullable String prev, Entry entry) {
		return Digests.sha256Hex(prev + "\n" + entry.content());
	}
}
