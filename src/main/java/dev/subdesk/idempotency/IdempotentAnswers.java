package dev.subdesk.idempotency;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.shared.AccountOwners;
import dev.subdesk.shared.Digests;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Stored answers of idempotent requests, by scope (the caller's API key) and key (a hash of its
 * {@code Idempotency-Key}). A pending row (status 0) marks a request that is running; it is replaced by the answer,
 * or deleted when the answer was a 5xx so that a retry runs again. A pending row is a lease of {@link #LEASE} in real
 * time, which the running request renews ({@link #renew}); one not renewed for that long belongs to a crashed node and
 * is taken over. Answers live {@link #RETENTION} by the server's clock. A request finding its key held waits for it
 * without a thread ({@link AnswerWaits}).
 */
@Service
public class IdempotentAnswers {

	/** How long an answer is replayed, and kept. */
	public static final Duration RETENTION = Duration.ofHours(24);

	/**
	 * How long a pending row holds its key without being renewed, by the database's real time (never the server's
	 * clock, which may be a test clock that another client advances): after it, the request's node is taken as crashed.
	 */
	static final Duration LEASE = Duration.ofSeconds(120);

	private static final String CLAIM = """
			INSERT INTO idempotency_keys (scope, key, fingerprint, response_status, response_type, response_body, created_at,
			    owner, account_ids, claimed_at)
			VALUES (:scope, :key, :fingerprint, 0, NULL, '', :now, :owner, CAST(:accounts AS text[]), clock_timestamp())
			ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, response_status = 0,
			    response_type = NULL, response_body = '', response_sealed_by = NULL, erased = false,
			    created_at = EXCLUDED.created_at,
			    owner = EXCLUDED.owner, account_ids = EXCLUDED.account_ids, claimed_at = EXCLUDED.claimed_at
			WHERE (idempotency_keys.response_status <> 0 AND idempotency_keys.created_at < :expired)
			   OR (idempotency_keys.response_status = 0
			       AND coalesce(idempotency_keys.claimed_at, idempotency_keys.created_at)
			           < clock_timestamp() - CAST(:lease AS interval))
			RETURNING scope
			""";

	/** What a request finds for its key: the key is now its own, another request holds it, or its answer. */
	public sealed interface Claim {

		/**
		 * The key is this request's: it runs, then {@link #complete} or {@link #release} with {@code owner}, which
		 * does nothing once another request has taken the key over as stale.
		 */
		record Owned(String owner) implements Claim {
		}

		/** Another request with this key is running. */
		record InProgress() implements Claim {
		}

		/**
		 * The first request's answer, to replay when {@code fingerprint} is this request's; another fingerprint is
		 * another request with the key. An {@code erased} answer (erased with the account it concerned: status 409, no
		 * body) replays as the account's closure to the identical request, and nothing runs again; its fingerprint is
		 * this request's when the erased one was the same request, or when that can no longer be checked (erased
		 * before V323, or under another key-encryption key).
		 */
		record Completed(String fingerprint, int status, @Nullable String contentType, byte[] body, boolean erased)
				implements Claim {
		}
	}

	/**
	 * The fingerprint a previous version left on an answer erased with its account (a real one is 64 hex digits): no
	 * request is left to compare, and any request with its key is told the answer was erased.
	 */
	static final String ERASED = "erased";

	/** What the key of {@link #erasedFingerprint} is derived for. */
	private static final String ERASED_FINGERPRINTS = "erased idempotent answers' fingerprints";

	private static final Pattern ACCOUNT_ID = Pattern.compile("acct_[0-9A-Za-z]+");

	/**
	 * The id of a record that may be an account's (an opaque id with a type prefix, a case or cancellation number):
	 * what {@link AccountOwners} are asked about.
	 */
	private static final Pattern RECORD_ID = Pattern.compile(
			"\\b(?:[a-z]{1,5}_[0-9A-Z]{16}|(?i:CASE-[0-9A-Z]{6}|(?:CXL|WDR)-[0-9A-Z]{4}-[0-9A-Z]{4}))\\b");

	/** At most this many record ids of one exchange are looked up (a request body is bounded, but need not be small). */
	private static final int MOST_RECORD_IDS = 100;

	/**
	 * The owner of the key the request on this thread holds: its own pending answer is not erased when it closes the
	 * account itself (its answer is the closure's, which holds nothing of the person).
	 */
	private static final ThreadLocal<String> RUNNING = new ThreadLocal<>();

	private final JdbcClient jdbc;

	private final Clock clock;

	private final KeyEncryptionKey kek;

	private final List<AccountOwners> owners;

	private final byte[] erasedFingerprintKey;

	/** The requests of this node waiting for a key: woken as soon as a request of this node settles it. */
	private final AnswerWaits waits;

	/** The timer renewing the leases of the requests running on this node ({@link #renewWhileRunning}). */
	private final java.util.concurrent.ScheduledThreadPoolExecutor renewals = leaseTimer();

	/**
	 * How long a request's lease is renewed at most: a request hung for longer lets its key go (a retry may then run,
	 * {@link #LEASE} after the last renewal) rather than hold it for ever.
	 */
	static final Duration LONGEST_RENEWED = Duration.ofMinutes(15);

	private static java.util.concurrent.ScheduledThreadPoolExecutor leaseTimer() {
		var timer = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
				Thread.ofPlatform().name("idempotency-leases").daemon().factory());
		timer.setRemoveOnCancelPolicy(true); // a finished request's renewal leaves the queue at once
		return timer;
	}

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(IdempotentAnswers.class);

	IdempotentAnswers(JdbcClient jdbc, Clock clock, KeyEncryptionKey kek, List<AccountOwners> owners,
			AnswerWaits waits) {
		this.jdbc = jdbc;
		this.waits = waits;
		this.clock = clock;
		this.kek = kek;
		this.owners = List.copyOf(owners);
		this.erasedFingerprintKey = kek.derive(ERASED_FINGERPRINTS);
	}

	/**
	 * Claims the key for a request with this fingerprint, or says who has it or what it answered. The accounts the
	 * request names ({@link #accountIds}) are kept from the start: an account closed while the request runs erases its
	 * pending answer too, and the answer is then not stored when it comes ({@link #complete} finds the row erased).
	 */
	public Claim claim(String scope, String key, String fingerprint, Set<String> accountIds) {
		Instant now = clock.instant();
		Instant expired = now.minus(RETENTION);
		String owner = UUID.randomUUID().toString();
		Optional<String> owned = jdbc.sql(CLAIM)
			.param("owner", owner)
			.param("scope", scope)
			.param("key", key)
			.param("fingerprint", fingerprint)
			.param("accounts", accountIds.toArray(String[]::new))
			.param("now", Timestamp.from(now))
			.param("expired", Timestamp.from(expired))
			.param("lease", LEASE.toString())
			.query(String.class)
			.optional();
		if (owned.isPresent()) {
			RUNNING.set(owner);
			waits.running(scope, key, owner);
			return new Claim.Owned(owner);
		}
		return jdbc.sql("""
				SELECT fingerprint, response_status, response_type, response_body, response_sealed_by, erased
				FROM idempotency_keys WHERE scope = :scope AND key = :key
				""")
			.param("scope", scope)
			.param("key", key)
			.query((rs, n) -> {
				String stored = rs.getString("fingerprint");
				if (rs.getBoolean("erased") || ERASED.equals(stored)) {
					boolean same = ERASED.equals(stored) || madeUnderAnotherKey(stored)
							|| erasedFingerprintUnderItsKey(scope, key, fingerprint, stored)
							|| erasedFingerprintOfV323(scope, key, fingerprint).equals(stored);
					return (Claim) new Claim.Completed(same ? fingerprint : stored, rs.getInt("response_status"), null,
							new byte[0], true);
				}
				return rs.getInt("response_status") == 0 ? (Claim) new Claim.InProgress()
						: new Claim.Completed(stored, rs.getInt("response_status"), rs.getString("response_type"),
								opened(rs.getBytes("response_body"), rs.getString("response_sealed_by"), scope, key), false);
			})
			.optional()
			.orElse(new Claim.InProgress());
	}

	/**
	 * What an erased answer keeps of its request's fingerprint: an HMAC under a key derived from the key-encryption key,
	 * bound to the scope and key and naming that key-encryption key ({@link #ERASED_BY}), so that the identical retry
	 * is still told apart from another request with the key, while the database alone cannot confirm a guess of what
	 * was sent (the fingerprint is a plain SHA-256 of the body, which may hold the person's name or email).
	 */
	private String erasedFingerprint(String scope, String key, String fingerprint) {
		return "erased:" + kek.id() + ":" + hmac(erasedFingerprintKey, scope, key, fingerprint);
	}

	/**
	 * Whether {@code stored} is the erased fingerprint of this request made under the key-encryption key it names:
	 * the current one, or a previous one still listed ({@code SUBDESK_ENTITLEMENT_KEK_PREVIOUS}), whose derived key
	 * still checks it. An HMAC cannot be made again under the new key without the request, so such a row keeps its
	 * previous key's name until it is purged (24 hours).
	 */
	private boolean erasedFingerprintUnderItsKey(String scope, String key, String fingerprint, String stored) {
		if (!stored.startsWith(ERASED_BY)) {
			return false;
		}
		int end = stored.indexOf(':', "erased:".length());
		if (end < 0) {
			return false;
		}
		String madeBy = stored.substring("erased:".length(), end);
		return kek.derive(ERASED_FINGERPRINTS, madeBy)
			.map(derived -> ("erased:" + madeBy + ":" + hmac(derived, scope, key, fingerprint)).equals(stored))
			.orElse(false);
	}

	/**
	 * How an erased answer's fingerprint begins when it names the key-encryption key its HMAC key was derived from
	 * ({@code erased:kek_...:<hex>}): a fingerprint made under a previous key still listed is checked under that key;
	 * after the key is changed without the old one listed (or once it is dropped from the list), a fingerprint made
	 * under it cannot be checked, so the request is not compared but told, whatever it is, that the answer
	 * was erased with its account, like one erased by a version before V323 ({@link #ERASED}): an identical retry gets
	 * the closure and never runs again (a 422 made the client take it for a request of its own and change its key,
	 * which ran it again and re-created what the closure erased); another request with the key gets the closure too
	 * rather than 422, for the rest of the row's 24 hours.
	 */
	private static final String ERASED_BY = "erased:kek_";

	/**
	 * Whether an erased answer's fingerprint was made under a key-encryption key this server does not have (neither
	 * the current one nor a previous one).
	 */
	private boolean madeUnderAnotherKey(String stored) {
		if (!stored.startsWith(ERASED_BY)) {
			return false;
		}
		int end = stored.indexOf(':', "erased:".length());
		return end < 0 || !kek.opens(stored.substring("erased:".length(), end));
	}

	/**
	 * The fingerprint V323's version kept, which does not say under which key it was made ({@code erased:<hex>}):
	 * compared under this server's key only, until those rows are purged (a day after they were written).
	 */
	private String erasedFingerprintOfV323(String scope, String key, String fingerprint) {
		return "erased:" + hmac(erasedFingerprintKey, scope, key, fingerprint);
	}

	private static String hmac(byte[] derivedKey, String scope, String key, String fingerprint) {
		try {
			javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
			mac.init(new javax.crypto.spec.SecretKeySpec(derivedKey, "HmacSHA256"));
			return HexFormat.of()
				.formatHex(mac.doFinal((scope + " " + key + " " + fingerprint).getBytes(StandardCharsets.UTF_8)));
		}
		catch (java.security.GeneralSecurityException e) {
			throw new IllegalStateException("HMAC-SHA256 is not available", e);
		}
	}

	/**
	 * A stored answer in the clear. Answers are sealed with the key-encryption key, bound to their scope and key: an
	 * answer may hold a secret shown once (a webhook endpoint's signing secret, an entitlement token), which must not
	 * sit in the database in the clear for the answer's 24 hours. One sealed with a previous key still listed opens
	 * ({@link SealedAnswers} seals it again under the current one); one sealed with a key this server does not have
	 * cannot be replayed: that is an error of the server's configuration, not of the request.
	 */
	private byte[] opened(byte[] stored, @Nullable String sealedBy, String scope, String key) {
		return sealedBy == null || stored.length == 0 ? stored : kek.open(stored, associatedData(scope, key), sealedBy);
	}

	static String associatedData(String scope, String key) {
		return "idempotent answer " + scope + " " + key;
	}

	/**
	 * Stores the answer of the request that owns the key, with the accounts it concerns (for their erasure), added to
	 * those its request named; whether it still owned it (not when it was taken over as stale, nor when an account it
	 * names was closed meanwhile and the pending answer erased).
	 */
	public boolean complete(String scope, String key, String owner, int status, @Nullable String contentType, byte[] body,
			Set<String> accountIds) {
		RUNNING.remove();
		boolean seal = body.length > 0;
		return jdbc.sql("""
				UPDATE idempotency_keys SET response_status = :status, response_type = :type, response_body = :body,
				    response_sealed_by = :sealedBy,
				    account_ids = ARRAY(SELECT DISTINCT unnest(account_ids || CAST(:accounts AS text[])))
				WHERE scope = :scope AND key = :key AND owner = :owner AND response_status = 0
				""")
			.param("owner", owner)
			.param("status", status)
			.param("type", contentType)
			.param("body", seal ? kek.seal(body, associatedData(scope, key)) : body)
			.param("sealedBy", seal ? kek.id() : null, java.sql.Types.VARCHAR)
			.param("accounts", accountIds.toArray(String[]::new))
			.param("scope", scope)
			.param("key", key)
			.update() == 1;
	}

	/** Gives the key up without an answer (the request failed with a 5xx): a retry runs again. */
	public void release(String scope, String key, String owner) {
		RUNNING.remove();
		jdbc.sql("DELETE FROM idempotency_keys WHERE scope = :scope AND key = :key AND owner = :owner AND response_status = 0")
			.param("scope", scope)
			.param("key", key)
			.param("owner", owner)
			.update();
	}

	/**
	 * The request that claimed the key as {@code owner} on this node has ended, whatever became of its answer (stored,
	 * released, or neither when the database failed): its waiters here claim the key again at once. Called once, when
	 * the request is done with {@link #complete} or {@link #release}; a second call does nothing, and never ends
	 * another request of this node that holds the key (one that took a stale claim over).
	 */
	public void ended(String scope, String key, String owner) {
		RUNNING.remove();
		waits.finished(scope, key, owner);
	}

	/**
	 * Renews the lease of a running request on its key, by real time; whether it still holds it (not once answered,
	 * erased with its account, or taken over). The request's filter renews it every {@link #RENEW_EVERY} while the
	 * request runs, so a request running longer than {@link #LEASE} is not taken for a crashed one.
	 */
	public boolean renew(String scope, String key, String owner) {
		return jdbc.sql("""
				UPDATE idempotency_keys SET claimed_at = clock_timestamp()
				WHERE scope = :scope AND key = :key AND owner = :owner AND response_status = 0""")
			.param("scope", scope)
			.param("key", key)
			.param("owner", owner)
			.update() == 1;
	}

	/** How often a running request renews its lease: well within {@link #LEASE}, a few failed renewals included. */
	public static final Duration RENEW_EVERY = Duration.ofSeconds(30);

	/** The renewal of a running request's lease, until it is closed (when the request has answered, or failed). */
	public interface Renewal extends AutoCloseable {

		@Override
		void close();
	}

	/**
	 * Renews the lease of the request that owns the key every {@link #RENEW_EVERY} of real time, on a timer thread,
	 * until the renewal is closed or the key is no longer the request's. A renewal the database refuses is tried again
	 * at the next tick; a node that crashes renews nothing, and its key is taken over once the lease lapses.
	 */
	public Renewal renewWhileRunning(String scope, String key, String owner) {
		java.util.concurrent.atomic.AtomicReference<java.util.concurrent.@Nullable ScheduledFuture<?>> self =
				new java.util.concurrent.atomic.AtomicReference<>();
		long until = System.nanoTime() + LONGEST_RENEWED.toNanos();
		java.util.concurrent.ScheduledFuture<?> task = renewals.scheduleWithFixedDelay(() -> {
			try {
				if (System.nanoTime() - until > 0 || !renew(scope, key, owner)) {
					java.util.concurrent.ScheduledFuture<?> mine = self.get();
					if (mine != null) {
						mine.cancel(false);
					}
				}
			}
			catch (RuntimeException e) {
				log.warn("The lease of a running request on its Idempotency-Key could not be renewed; trying again", e);
			}
		}, RENEW_EVERY.toMillis(), RENEW_EVERY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
		self.set(task);
		return () -> task.cancel(false);
	}

	@jakarta.annotation.PreDestroy
	void stopRenewals() {
		renewals.shutdownNow();
	}

	/**
	 * The accounts an exchange concerns, for the erasure of its answer with them: every account id in its path, its
	 * request body and its answer, and the accounts owning the records any of them names by another id (a
	 * subscription cancelled with feedback typed, a charge disputed with a detail, a device given an entitlement token:
	 * neither the request nor the answer shows the account's id there). The modules keeping those records say whose
	 * they are ({@link AccountOwners}), so this one needs none of them.
	 */
	public Set<String> accountsOf(String path, byte[] request, byte[] answer) {
		Set<String> ids = accountIds(path, request, answer);
		ids.addAll(owningAccounts(recordIds(path, new String(request, StandardCharsets.UTF_8),
				new String(answer, StandardCharsets.UTF_8))));
		return ids;
	}

	/**
	 * The accounts an answer concerns beyond those {@link #accountsOf accountsOf(path, request, no answer)} found before
	 * the request ran, which {@link #claim} linked its key to already and {@link #complete} keeps: the account ids in
	 * the answer, and the owners of the records only the answer names. The records of the path and request are not
	 * asked about a second time (their owners do not change while the request runs: ids are the server's).
	 */
	public Set<String> accountsOfAnswer(String path, byte[] request, byte[] answer) {
		Set<String> ids = accountIds("", new byte[0], answer);
		Set<String> records = recordIds(new String(answer, StandardCharsets.UTF_8));
		if (!records.isEmpty()) {
			records.removeAll(recordIds(path, new String(request, StandardCharsets.UTF_8)));
		}
		ids.addAll(owningAccounts(records));
		return ids;
	}

	/** The record ids in the texts that may be an account's (not accounts' own ids), at most {@link #MOST_RECORD_IDS}. */
	private static Set<String> recordIds(String... texts) {
		Set<String> records = new TreeSet<>();
		for (String text : texts) {
			Matcher m = RECORD_ID.matcher(text);
			while (m.find() && records.size() < MOST_RECORD_IDS) {
				String id = m.group();
				records.add(id.indexOf('_') > 0 ? id : id.toUpperCase(java.util.Locale.ROOT));
			}
		}
		records.removeIf(id -> id.startsWith("acct_"));
		return records;
	}

	/**
	 * The accounts owning the records, asked of every module that keeps records; each asks the database only about
	 * ids of its own kind (their prefix or form), so a module none of the ids is of costs no statement.
	 */
	private Set<String> owningAccounts(Set<String> records) {
		Set<String> ids = new TreeSet<>();
		if (!records.isEmpty()) {
			for (AccountOwners module : owners) {
				// a record of no account (a store purchase's unmatched case) links the answer to none
				module.owning(records).stream().filter(java.util.Objects::nonNull).forEach(ids::add);
			}
		}
		return ids;
	}

	/**
	 * The accounts an exchange names by their own id: every account id in its path, its request body and its answer
	 * (see {@link #accountsOf} for those it names through their records).
	 */
	public static Set<String> accountIds(String path, byte[] request, byte[] answer) {
		Set<String> ids = new TreeSet<>();
		for (String text : new String[] { path, new String(request, StandardCharsets.UTF_8),
				new String(answer, StandardCharsets.UTF_8) }) {
			Matcher m = ACCOUNT_ID.matcher(text);
			while (m.find()) {
				ids.add(m.group());
			}
		}
		return ids;
	}

	/**
	 * Erases every stored answer concerning a closed account: it becomes an {@link Claim.Completed#erased() erased}
	 * 409 without a body, which holds nothing about the person: the answer (name, email, device names) is gone, and the
	 * request's fingerprint (a hash of what was sent) is kept only as an HMAC under a server key
	 * ({@link #erasedFingerprint}). A retry of the same request with the key gets the account's closure instead of
	 * running again and re-creating what the customer asked to erase; another request with the key is still a reuse of
	 * it. The row itself is purged 24 hours after it was first written, like any other.
	 */
	int eraseAnswersFor(String accountId) {
		record Row(String scope, String key, String fingerprint) {
		}
		List<Row> rows = jdbc.sql("""
				SELECT scope, key, fingerprint FROM idempotency_keys
				WHERE :account = ANY(account_ids) AND NOT erased AND fingerprint <> :erased
				  AND (response_status <> 0 OR owner IS DISTINCT FROM :self) -- pending ones too: see claim
				FOR UPDATE
				""")
			.param("self", RUNNING.get(), java.sql.Types.VARCHAR)
			.param("erased", ERASED)
			.param("account", accountId)
			.query((rs, n) -> new Row(rs.getString("scope"), rs.getString("key"), rs.getString("fingerprint")))
			.list();
		if (rows.isEmpty()) {
			return 0;
		}
		return jdbc.sql("""
				UPDATE idempotency_keys k SET erased = true, fingerprint = v.fingerprint, response_status = 409,
				    response_type = NULL, response_body = '', response_sealed_by = NULL
				FROM unnest(CAST(:scopes AS text[]), CAST(:keys AS text[]), CAST(:fingerprints AS text[])) AS v(scope, key, fingerprint)
				WHERE k.scope = v.scope AND k.key = v.key AND NOT k.erased
				""")
			.param("scopes", rows.stream().map(Row::scope).toArray(String[]::new))
			.param("keys", rows.stream().map(Row::key).toArray(String[]::new))
			.param("fingerprints", rows.stream().map(r -> erasedFingerprint(r.scope(), r.key(), r.fingerprint()))
				.toArray(String[]::new))
			.update();
	}

	/** The SHA-256 of the text in hex: what is kept of an {@code Idempotency-Key}, and a request's fingerprint. */
	public static String sha256(@Nullable String text) {
		return Digests.sha256Hex(String.valueOf(text));
	}

	/**
	 * Deletes the answers stored before {@code cutoff} (a day ago), in batches; returns how many went. A pending row is
	 * left while its request holds its lease, however old by the server's clock (a test clock advanced a day).
	 */
	int purgeBefore(Instant cutoff) {
		int total = 0;
		int deleted;
		do {
			deleted = jdbc.sql("""
					DELETE FROM idempotency_keys WHERE ctid IN (
					    SELECT ctid FROM idempotency_keys WHERE created_at < :cutoff
					        AND (response_status <> 0
					            OR coalesce(claimed_at, created_at) < clock_timestamp() - CAST(:lease AS interval))
					    LIMIT 5000)
					""").param("cutoff", Timestamp.from(cutoff)).param("lease", LEASE.toString()).update();
			total += deleted;
		}
		while (deleted == 5000);
		return total;
	}

}
