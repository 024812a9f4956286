package dev.subdesk.cancellation;

import dev.subdesk.shared.CanonicalJson;
import dev.subdesk.shared.Digests;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.SubdeskException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Signed cancellation receipts. A receipt is issued once, when its cancellation is created, and returned
 * unchanged after: {@code signature} is base64url (no padding) of the Ed25519 signature over the RFC 8785
 * canonical JSON of {@code {"cancellation": ..., "issuedAt": ...}}. The signing key lives in the database so
 * every node signs with it and it survives restarts, its private half sealed under the key-encryption key
 * ({@link SealedReceiptKeys}) and opened in memory only, once per node. Signing uses Bouncy Castle's Ed25519, about twenty times
 * faster than the JDK's, because every cancellation signs one receipt.
 * <p>
 * The node opens the signing key (the current one: the newest) when it starts, before it takes a request, and signs
 * with that key; at most once per {@link #KEY_REFRESH} it asks which key is current and opens a new one that another
 * node made current ({@link #rotate}), so every node signs with the current key within that time of a rotation,
 * without a query per cancellation. A key believed leaked is revoked ({@link #revoke}): it leaves the published keys
 * and its receipts no longer verify, though each is still returned as issued. A node never takes cancellations it
 * cannot sign receipts for. A newest key sealed under a
 * key-encryption key this node lacks (the node started with another {@code SUBDESK_ENTITLEMENT_KEK}) refuses the start,
 * naming the key and why ({@link ReceiptKeyDoesNotOpen}); one whose row was altered or damaged (it does not open under
 * a key the node has, or does not match its published public key) is logged as an error and replaced by a new key of
 * this node's, which every node opens (refusing would leave every node down until a backup is found). A row altered
 * after the start changes nothing for the node, which does not open its key again (a new current key that does not
 * open here is logged as an error, and the node keeps signing with the key it has). With no key yet, the first receipt makes
 * one; should the newest key then be one this node cannot open, the same rule holds: a damaged row is replaced, a key
 * under a key-encryption key the node lacks fails the cancellation (a key of its own, under a key the others lack,
 * would stop every other node at its next start). Verification reads the public keys and is not affected.
 * <p>
 * A cancellation that refunds is created with its refunds PENDING: money moves only after its record has
 * committed, so the gateway pays them back just after. Its receipt row (with the token of its public page) is
 * written with the cancellation, and signed once the refunds are paid back ({@link #complete}, in the transaction
 * that marks the last of them paid), so that the receipt holds the cancellation as its answer gave it, refunds
 * SUCCEEDED. A
 * receipt asked for before that (the gateway not answering, or a crash in between) is signed then, with the
 * refunds as they stand: it never waits, and it is never signed twice.
 */
@Service
@DependsOnDatabaseInitialization
public class Receipts implements InitializingBean {

	private static final Logger log = LoggerFactory.getLogger(Receipts.class);

	/** The key that signs, the current one: the newest by the database's order (V672), never revoked. */
	private static final String NEWEST = """
			SELECT key_id, private_key, sealed_private_key, kek_id, public_key FROM receipt_keys
			ORDER BY seq DESC LIMIT 1
			""";

	/** What a node reads at most once per {@link #KEY_REFRESH} to learn of a rotation made on another node. */
	private static final String CURRENT_ID = "SELECT key_id FROM receipt_keys ORDER BY seq DESC LIMIT 1";

	/** Whether a key is in force (not revoked, or revoked from a time still to come). */
	private static final String IN_FORCE = "(revoked_at IS NULL OR revoked_at > :now)";

	/**
	 * How long a node signs with the key it has before it asks again which key is current: after a rotation on
	 * another node, this node signs with the new key within this time (plus its clock's difference).
	 */
	static final Duration KEY_REFRESH = Duration.ofSeconds(10);

	/**
	 * How long after a key stopped being current its revocation takes effect at the earliest: by then every node signs
	 * with a newer key (one {@link #KEY_REFRESH}, and as much again for the nodes' clocks), so no receipt is issued with
	 * a key already revoked.
	 */
	static final Duration REVOCATION_DELAY = KEY_REFRESH.multipliedBy(2);

	private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

	private static final SecureRandom RANDOM = new SecureRandom();

	private record SigningKey(String keyId, Ed25519PrivateKeyParameters privateKey) {
	}

	/** The key a node signs with, and when it asks again which key is current. */
	private record Cached(SigningKey key, Instant refreshAt) {
	}

	private static final String PENDING = "PENDING";

	private final JdbcClient jdbc;
	private final JdbcCancellationRepository repository;
	private final Clock clock;
	private final JsonMapper json;
	private final SealedReceiptKeys sealedKeys;
	private final AtomicReference<@Nullable Cached> signingKey = new AtomicReference<>();

	private final org.springframework.transaction.support.TransactionTemplate newTransaction;

	Receipts(JdbcClient jdbc, JdbcCancellationRepository repository, Clock clock, JsonMapper json,
			org.springframework.transaction.PlatformTransactionManager txManager, SealedReceiptKeys sealedKeys) {
		this.jdbc = jdbc;
		this.sealedKeys = sealedKeys;
		this.repository = repository;
		this.clock = clock;
		this.json = json;
		this.newTransaction = new org.springframework.transaction.support.TransactionTemplate(txManager);
		this.newTransaction.setPropagationBehavior(
				org.springframework.transaction.TransactionDefinition.PROPAGATION_REQUIRES_NEW);
	}

	/**
	 * The receipt of a new cancellation, for its repository to store with it (in the cancellation's statement):
	 * signed now, or, while refunds are still to pay back, left for {@link #complete} (or the first reader); and the
	 * token that opens its public page ({@link #findForViewer}), of which only the SHA-256 is stored.
	 */
	Prepared prepare(Cancellation cancellation) {
		byte[] random = new byte[24];
		RANDOM.nextBytes(random);
		String viewToken = B64URL.encodeToString(random);
		Signed signed = cancellation.refunds().stream().anyMatch(r -> PENDING.equals(r.status())) ? null
				: sign(cancellation);
		return new Prepared(viewToken, Digests.sha256(viewToken), signed);
	}

	/** A receipt to store: the token of its page, its hash, and its signed payload unless it waits for its refunds. */
	record Prepared(String viewToken, byte[] viewTokenHash, @Nullable Signed signed) {
	}

	/**
	 * Signs the receipt of a cancellation created with refunds to pay back, with {@code cancellation} as it stands
	 * now (its refunds paid back, or still PENDING if the gateway did not answer); a receipt already signed stays
	 * as it is. After the cancellation's transaction: in its last refund's settlement, or for its first reader.
	 */
	void complete(Cancellation cancellation) {
		Signed signed = sign(cancellation);
		jdbc.sql("""
				UPDATE receipts SET payload = :payload, issued_at = :at, key_id = :key, signature = :signature
				WHERE confirmation_number = :number AND payload IS NULL
				""")
			.param("number", cancellation.confirmationNumber())
			.param("payload", signed.payload())
			.param("at", Timestamp.from(signed.issuedAt()))
			.param("key", signed.keyId())
			.param("signature", signed.signature())
			.update();
	}

	record Signed(String payload, Instant issuedAt, String keyId, String signature) {
	}

	private Signed sign(Cancellation cancellation) {
		ObjectNode signed = json.createObjectNode();
		signed.set("cancellation", json.valueToTree(cancellation));
		Instant issuedAt = clock.instant();
		signed.put("issuedAt", issuedAt.toString());
		String payload = CanonicalJson.of(signed);
		SigningKey key = signingKey();
		return new Signed(payload, issuedAt, key.keyId(), sign(key.privateKey(), payload));
	}

	/**
	 * The receipt as issued: {@code {"cancellation", "issuedAt", "keyId", "signature"}}. One not signed yet (its
	 * refunds were being paid back) is signed now, with the cancellation as it stands ({@link #complete}).
	 */
	public Optional<JsonNode> find(String confirmationNumber) {
		String number = Ids.normalizeNumber(confirmationNumber);
		Optional<Optional<JsonNode>> stored = stored(number);
		if (stored.isPresent() && stored.get().isEmpty()) {
			// in a transaction of its own: a reader may be inside a read-only one
			repository.find(number).ifPresent(c -> newTransaction.executeWithoutResult(tx -> complete(c)));
			stored = stored(number);
		}
		return stored.flatMap(receipt -> receipt);
	}

	/** Empty when there is no receipt; an empty receipt when it is not signed yet. */
	private Optional<Optional<JsonNode>> stored(String number) {
		return jdbc.sql("SELECT payload, key_id, signature FROM receipts WHERE confirmation_number = :number")
			.param("number", number)
			.query((rs, n) -> {
				String payload = rs.getString("payload");
				if (payload == null) {
					return Optional.<JsonNode>empty();
				}
				ObjectNode receipt = (ObjectNode) json.readTree(payload);
				receipt.put("keyId", rs.getString("key_id"));
				receipt.put("signature", rs.getString("signature"));
				return Optional.<JsonNode>of(receipt);
			})
			.optional();
	}

	/**
	 * The receipt as issued, for whoever holds the token of its public page (the link in the cancellation
	 * confirmation); empty for an unknown number or a wrong token alike.
	 */
	public Optional<JsonNode> findForViewer(String confirmationNumber, String token) {
		Optional<byte[]> stored = jdbc
			.sql("SELECT view_token_hash FROM receipts WHERE confirmation_number = :number AND view_token_hash IS NOT NULL")
			.param("number", Ids.normalizeNumber(confirmationNumber))
			.query((rs, n) -> rs.getBytes(1))
			.optional();
		if (stored.isEmpty() || !MessageDigest.isEqual(stored.get(), Digests.sha256(token))) {
			return Optional.empty();
		}
		return find(confirmationNumber);
	}

	/** Every key that signs or signed receipts and is not revoked, the current one first. */
	@Transactional(readOnly = true)
	public List<ReceiptKey> keys() {
		return jdbc.sql("SELECT key_id, public_key FROM receipt_keys WHERE " + IN_FORCE + " ORDER BY seq DESC")
			.param("now", Timestamp.from(clock.instant()))
			.query((rs, n) -> new ReceiptKey(rs.getString("key_id"), "Ed25519",
					B64URL.encodeToString(rs.getBytes("public_key"))))
			.list();
	}

	/**
	 * Checks a receipt's signature. A body that is not a receipt is {@code 400}; a receipt that was altered,
	 * or signed by an unknown or revoked key, is simply not valid.
	 */
	@Transactional(readOnly = true)
	public boolean verify(JsonNode receipt) {
		if (!receipt.isObject() || !receipt.path("cancellation").isObject() || !receipt.path("issuedAt").isString()
				|| !receipt.path("keyId").isString() || !receipt.path("signature").isString()) {
			throw SubdeskException.invalid("", "a receipt is {\"cancellation\", \"issuedAt\", \"keyId\", \"signature\"}");
		}
		Optional<byte[]> raw = jdbc.sql("SELECT public_key FROM receipt_keys WHERE key_id = :id AND " + IN_FORCE)
			.param("id", receipt.get("keyId").stringValue())
			.param("now", Timestamp.from(clock.instant()))
			.query((rs, n) -> rs.getBytes(1))
			.optional();
		if (raw.isEmpty()) {
			return false;
		}
		ObjectNode signed = json.createObjectNode();
		signed.set("cancellation", receipt.get("cancellation"));
		signed.set("issuedAt", receipt.get("issuedAt"));
		try {
			String written = receipt.get("signature").stringValue();
			byte[] signature = Base64.getUrlDecoder().decode(written);
			if (!B64URL.encodeToString(signature).equals(written)) {
				return false; // padding, or spare bits set: one signature has one spelling (base64url without padding)
			}
			Ed25519Signer verifier = new Ed25519Signer();
			verifier.init(false, new Ed25519PublicKeyParameters(raw.get(), 0));
			byte[] payload = CanonicalJson.of(signed).getBytes(StandardCharsets.UTF_8);
			verifier.update(payload, 0, payload.length);
			return verifier.verifySignature(signature);
		}
		catch (IllegalArgumentException e) {
			return false;
		}
	}

	/**
	 * When the node starts, before it takes a request: seals the keys still stored in the clear, then opens the
	 * newest key and keeps it to sign every receipt. A newest key sealed under a key-encryption key this node lacks
	 * refuses the start ({@link ReceiptKeyDoesNotOpen}); one whose row was altered or damaged does not (with no backup,
	 * every node would stay down): the node logs it as an error and signs with a new key of its own, which the others
	 * open too.
	 */
	@Override
	public void afterPropertiesSet() {
		sealedKeys.sealPlainKeys();
		Optional<SigningKey> newest;
		try {
			newest = newest();
		}
		catch (ReceiptKeyDoesNotOpen e) {
			newest = Optional.of(replacing(e));
		}
		newest.ifPresent(key -> {
			signingKey.set(new Cached(key, clock.instant().plus(KEY_REFRESH)));
			log.debug("Receipts are signed with receipt key {}", key.keyId());
		});
	}

	/**
	 * A new key of this node's in place of a newest key whose row was altered or damaged; the refusal itself when the
	 * node lacks the key-encryption key that sealed it (a key of its own, sealed under a key the other nodes lack, would
	 * stop every one of them at its next start).
	 */
	private SigningKey replacing(ReceiptKeyDoesNotOpen e) {
		if (e.nodeLacksItsKek()) {
			throw e;
		}
		log.error("{} This node signs with a new receipt key of its own.", e.getMessage());
		// created and committed on its own: a cancellation that rolls back cannot take it along while it is cached
		return newTransaction.execute(status -> createKey());
	}

	/** The newest key, opened and checked against its public key; empty when there is none yet. */
	private Optional<SigningKey> newest() {
		record Stored(String keyId, byte @Nullable [] plain, byte @Nullable [] sealed, @Nullable String kekId,
				byte[] publicKey) {
		}
		return jdbc.sql(NEWEST)
			.query((rs, n) -> new Stored(rs.getString("key_id"), rs.getBytes("private_key"),
					rs.getBytes("sealed_private_key"), rs.getString("kek_id"), rs.getBytes("public_key")))
			.optional()
			.map(row -> new SigningKey(row.keyId(),
					sealedKeys.openChecked(row.keyId(), row.sealed(), row.kekId(), row.plain(), row.publicKey())));
	}

	/**
	 * The key opened at start, or since, the current one as this node last read it; for a node that found none then,
	 * the newest now, or a new one. At most once per {@link #KEY_REFRESH} (by the clock), the first receipt signed after
	 * asks which key is current (one short query, not one per cancellation) and opens it if another node rotated.
	 */
	private SigningKey signingKey() {
		Cached cached = signingKey.get();
		if (cached != null && clock.instant().isBefore(cached.refreshAt())) {
			return cached.key();
		}
		synchronized (signingKey) {
			cached = signingKey.get();
			Instant now = clock.instant();
			if (cached != null && now.isBefore(cached.refreshAt())) {
				return cached.key();
			}
			SigningKey key;
			if (cached != null) {
				key = refreshed(cached.key());
			}
			else {
				try {
					// created and committed on its own: a cancellation that rolls back cannot take it along while cached
					key = newest().orElseGet(() -> newTransaction.execute(status -> createKey()));
				}
				catch (ReceiptKeyDoesNotOpen e) {
					key = replacing(e);
				}
			}
			signingKey.set(new Cached(key, now.plus(KEY_REFRESH)));
			return key;
		}
	}

	/**
	 * The current key, when another node made a new one current since {@code signing}; {@code signing} itself
	 * otherwise. A current key that does not open here leaves the node signing with the key it has (an error in the
	 * log each time it asks): never revoke that key before the cause is fixed (docs/OPERATIONS.md).
	 */
	private SigningKey refreshed(SigningKey signing) {
		Optional<String> current = jdbc.sql(CURRENT_ID).query(String.class).optional();
		if (current.isEmpty() || current.get().equals(signing.keyId())) {
			return signing;
		}
		try {
			SigningKey key = newest().orElse(signing);
			log.info("Receipts are signed with receipt key {}, made current in place of {}", key.keyId(),
					signing.keyId());
			return key;
		}
		catch (ReceiptKeyDoesNotOpen e) {
			log.error("{} This node keeps signing with receipt key {}.", e.getMessage(), signing.keyId());
			return signing;
		}
	}

	/**
	 * Makes a new receipt signing key current (an ADMIN's rotation): generated, sealed under the key-encryption key
	 * like the first one, recorded with its creation time. This node signs with it once the transaction commits, the
	 * others within {@link #KEY_REFRESH}; the receipts signed by older keys still verify.
	 */
	@Transactional
	public ReceiptSigningKey rotate() {
		SigningKey key = createKey();
		afterCommit(() -> signingKey.set(new Cached(key, clock.instant().plus(KEY_REFRESH))));
		return signingKeys().stream().filter(k -> k.keyId().equals(key.keyId())).findFirst().orElseThrow();
	}

	/**
	 * Revokes a key believed leaked (an ADMIN's action): from its revocation time on it is not published and no
	 * receipt it signed verifies; every receipt is still returned as issued. The current key is first replaced by a
	 * new one ({@link #rotate}). The revocation takes effect now, or, for a key that was current less than
	 * {@link #REVOCATION_DELAY} ago, at that delay after it stopped being current, so that no node still signs with it
	 * then. A key already revoked keeps its time. An unknown key is {@code 404}.
	 */
	@Transactional
	public KeyRevocation revoke(String keyId) {
		record Row(long seq, @Nullable Instant revokedAt) {
		}
		Row row = jdbc.sql("SELECT seq, revoked_at FROM receipt_keys WHERE key_id = :id FOR UPDATE")
			.param("id", keyId)
			.query((rs, n) -> new Row(rs.getLong("seq"),
					rs.getTimestamp("revoked_at") == null ? null : rs.getTimestamp("revoked_at").toInstant()))
			.optional()
			.orElseThrow(() -> SubdeskException.notFound("Receipt key", keyId));
		if (row.revokedAt() != null) {
			return new KeyRevocation(keyId, row.revokedAt(), null);
		}
		Instant now = clock.instant();
		String rotatedTo = null;
		Optional<Instant> replacedAt = jdbc
			.sql("SELECT created_at FROM receipt_keys WHERE seq > :seq ORDER BY seq LIMIT 1")
			.param("seq", row.seq())
			.query((rs, n) -> rs.getTimestamp(1).toInstant())
			.optional();
		if (replacedAt.isEmpty()) {
			rotatedTo = rotate().keyId();
			replacedAt = Optional.of(now);
		}
		Instant at = replacedAt.get().plus(REVOCATION_DELAY);
		Instant revokedAt = at.isAfter(now) ? at : now;
		jdbc.sql("UPDATE receipt_keys SET revoked_at = :at WHERE key_id = :id")
			.param("id", keyId)
			.param("at", Timestamp.from(revokedAt))
			.update();
		return new KeyRevocation(keyId, revokedAt, rotatedTo);
	}

	/** Every receipt signing key, revoked ones included, the current one first: for the ADMINs' page. */
	@Transactional(readOnly = true)
	public List<ReceiptSigningKey> signingKeys() {
		return jdbc.sql("""
				SELECT key_id, created_at, revoked_at, seq = (SELECT max(seq) FROM receipt_keys) AS current
				FROM receipt_keys ORDER BY seq DESC""")
			.query((rs, n) -> new ReceiptSigningKey(rs.getString("key_id"), rs.getTimestamp("created_at").toInstant(),
					rs.getBoolean("current"),
					rs.getTimestamp("revoked_at") == null ? null : rs.getTimestamp("revoked_at").toInstant()))
			.list();
	}

	/** When the key {@code keyId} was revoked, if it is (from a time already come). */
	@Transactional(readOnly = true)
	public Optional<Instant> revokedAt(String keyId) {
		return jdbc.sql("SELECT revoked_at FROM receipt_keys WHERE key_id = :id AND revoked_at <= :now")
			.param("id", keyId)
			.param("now", Timestamp.from(clock.instant()))
			.query((rs, n) -> rs.getTimestamp(1).toInstant())
			.optional();
	}

	private static void afterCommit(Runnable action) {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			action.run();
			return;
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				action.run();
			}
		});
	}

	/** A new signing key: its private half is stored sealed, never in the clear. */
	private SigningKey createKey() {
		Ed25519PrivateKeyParameters privateKey = new Ed25519PrivateKeyParameters(new SecureRandom());
		String keyId = Ids.next("rk");
		jdbc.sql("""
				INSERT INTO receipt_keys (key_id, sealed_private_key, kek_id, public_key, created_at)
				VALUES (:id, :sealed, :kek, :public, :at)""")
			.param("id", keyId)
			.param("sealed", sealedKeys.seal(keyId, privateKey))
			.param("kek", sealedKeys.kekId())
			.param("public", privateKey.generatePublicKey().getEncoded())
			.param("at", Timestamp.from(clock.instant()))
			.update();
		return new SigningKey(keyId, privateKey);
	}

	private static String sign(Ed25519PrivateKeyParameters key, String payload) {
		Ed25519Signer signer = new Ed25519Signer();
		signer.init(true, key);
		byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
		signer.update(bytes, 0, bytes.length);
		return B64URL.encodeToString(signer.generateSignature());
	}
}
