package dev.subdesk.cancellation;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.sealing.ResealPass;
import dev.subdesk.sealing.SealedRows;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The receipt signing keys' private halves as stored ({@code receipt_keys.sealed_private_key}): the 32-byte Ed25519
 * seed sealed with the key-encryption key ({@link KeyEncryptionKey}, AES-256-GCM) with the key id as associated
 * data, exactly as the entitlement signing keys are, so that a copy of the database (a backup) signs no receipt. A
 * key written before sealing (V535) holds its private half in the plain column: {@link #sealPlainKeys()} seals it
 * when the server starts, before it takes a request ({@link Receipts} calls it), and empties the column; until then
 * {@link Receipts} still signs with the plain one. {@link #openChecked} is how the signing key is opened: it says
 * why a key cannot sign ({@link ReceiptKeyDoesNotOpen}).
 * After a rotation of the key-encryption key, every key sealed under a previous one is sealed again under the
 * current one ({@link SealedRows}); a node that opened a key keeps it in memory, re-sealing changes the stored form
 * only. The public keys never change: every receipt ever issued still verifies.
 */
@Component
class SealedReceiptKeys implements SealedRows {

	private static final Logger log = LoggerFactory.getLogger(SealedReceiptKeys.class);

	/** What to do about a receipt key row that was altered. */
	private static final String PUT_BACK = "Put the row's public_key, sealed_private_key and kek_id back from a backup, "
			+ "and never delete it: its public key verifies the receipts it signed (docs/OPERATIONS.md, \"The receipt "
			+ "signing key at start\").";

	/** Rows sealed per transaction when the server starts. */
	static final int SEAL_BATCH = 100;

	/**
	 * The next keys with a private half in the clear, locked and waited for (a key is written once and never updated
	 * but here, so the wait is short); a row another node sealed meanwhile no longer matches once its lock is granted.
	 */
	private static final String PLAIN = """
			SELECT key_id, private_key FROM receipt_keys WHERE private_key IS NOT NULL
			ORDER BY key_id LIMIT :batch FOR NO KEY UPDATE
			""";

	private static final String SEAL = """
			UPDATE receipt_keys SET sealed_private_key = :sealed, kek_id = :kek, private_key = NULL WHERE key_id = :id
			""";

	private static final String NEXT = """
			SELECT key_id, sealed_private_key, kek_id FROM receipt_keys
			WHERE sealed_private_key IS NOT NULL AND kek_id = ANY (:previous) AND key_id > :after
			ORDER BY key_id LIMIT :limit FOR NO KEY UPDATE SKIP LOCKED
			""";

	private static final String RESEALED = """
			UPDATE receipt_keys SET sealed_private_key = :sealed, kek_id = :kek WHERE key_id = :id
			""";

	private final JdbcClient jdbc;
	private final KeyEncryptionKey kek;
	private final TransactionTemplate transactions;

	SealedReceiptKeys(JdbcClient jdbc, KeyEncryptionKey kek, TransactionTemplate transactions) {
		this.jdbc = jdbc;
		this.kek = kek;
		this.transactions = transactions;
	}

	/** The fingerprint of the key that seals: stored beside the sealed keys. */
	String kekId() {
		return kek.id();
	}

	/** A new key's seed sealed under the current key-encryption key, for the row of {@code keyId}. */
	byte[] seal(String keyId, Ed25519PrivateKeyParameters privateKey) {
		byte[] seed = privateKey.getEncoded();
		try {
			return kek.seal(seed, keyId);
		}
		finally {
			Arrays.fill(seed, (byte) 0);
		}
	}

	/**
	 * The private key of {@code keyId}: its sealed seed opened under the key-encryption key {@code sealedBy}, or the
	 * plain one of a row not sealed yet (the raw 32-byte seed, or a PKCS#8 encoding, which ends with it). A key sealed
	 * under a key-encryption key this server does not have, or an altered row, throws.
	 */
	Ed25519PrivateKeyParameters open(String keyId, byte @Nullable [] sealed, @Nullable String sealedBy,
			byte @Nullable [] plain) {
		if (sealed != null) {
			byte[] seed = kek.open(sealed, keyId, sealedBy == null ? "" : sealedBy);
			try {
				return new Ed25519PrivateKeyParameters(seed, 0);
			}
			finally {
				Arrays.fill(seed, (byte) 0);
			}
		}
		if (plain == null) {
			throw new IllegalStateException("Receipt key " + keyId + " has no private key stored");
		}
		return plainKey(plain);
	}

	/**
	 * As {@link #open}, checked against the row's published public key: a key that does not open here, or opens to
	 * another key than {@code publicKey} (its receipts would not verify), throws {@link ReceiptKeyDoesNotOpen}, saying
	 * the likely cause and what to do.
	 */
	Ed25519PrivateKeyParameters openChecked(String keyId, byte @Nullable [] sealed, @Nullable String sealedBy,
			byte @Nullable [] plain, byte[] publicKey) {
		Ed25519PrivateKeyParameters key;
		try {
			key = open(keyId, sealed, sealedBy, plain);
		}
		catch (RuntimeException e) {
			boolean nodeLacksItsKek = sealed != null && (sealedBy == null || !kek.opens(sealedBy));
			throw new ReceiptKeyDoesNotOpen(keyId, whyNot(sealed, sealedBy), nodeLacksItsKek, e);
		}
		if (!Arrays.equals(key.generatePublicKey().getEncoded(), publicKey)) {
			throw new ReceiptKeyDoesNotOpen(keyId, "its private key opens but does not match its published public_key, "
					+ "so no receipt it signs would verify: the row was altered. " + PUT_BACK, false, null);
		}
		return key;
	}

	private String whyNot(byte @Nullable [] sealed, @Nullable String sealedBy) {
		if (sealed == null) {
			return "its private key is neither sealed nor stored in the clear as an Ed25519 key: the row was altered or "
					+ "damaged. " + PUT_BACK;
		}
		if (sealedBy == null || !kek.opens(sealedBy)) {
			return "it is sealed under key-encryption key " + sealedBy + ", which is neither SUBDESK_ENTITLEMENT_KEK ("
					+ kek.id() + ") nor listed in SUBDESK_ENTITLEMENT_KEK_PREVIOUS or SUBDESK_ENTITLEMENT_KEK_NEXT. Most "
					+ "likely this node was started with another key-encryption key than the one that sealed it: start "
					+ "it with the SUBDESK_ENTITLEMENT_KEK the other nodes run, or, during a rotation of the key, list "
					+ "that key in SUBDESK_ENTITLEMENT_KEK_PREVIOUS (docs/OPERATIONS.md, \"Changing the key-encryption "
					+ "key\").";
		}
		return "it does not open under key-encryption key " + sealedBy + ", which this node has: the row was altered "
				+ "or damaged. Put its sealed_private_key and kek_id back from a backup, and never delete the row: its "
				+ "public key verifies the receipts it signed (docs/OPERATIONS.md, \"The receipt signing key at "
				+ "start\").";
	}

	private static Ed25519PrivateKeyParameters plainKey(byte[] stored) {
		return new Ed25519PrivateKeyParameters(stored, stored.length - Ed25519PrivateKeyParameters.KEY_SIZE);
	}

	/**
	 * Seals every private key still stored in the clear (keys from before V535) and empties the plain column, in
	 * transactions of {@value #SEAL_BATCH} keys, until none is left. Answers how many keys it sealed. Run when the
	 * server starts, before it takes a request ({@link Receipts}).
	 */
	int sealPlainKeys() {
		int sealed = 0;
		for (int batch = sealBatch(); batch > 0; batch = sealBatch()) {
			sealed += batch;
		}
		if (sealed > 0) {
			log.info("Sealed {} receipt signing key(s) that were stored in the clear", sealed);
		}
		return sealed;
	}

	private int sealBatch() {
		record Plain(String keyId, byte[] privateKey) {
		}
		Integer sealed = transactions.execute(tx -> {
			List<Plain> plain = jdbc.sql(PLAIN)
				.param("batch", SEAL_BATCH)
				.query((rs, n) -> new Plain(rs.getString("key_id"), rs.getBytes("private_key")))
				.list();
			for (Plain row : plain) {
				jdbc.sql(SEAL)
					.param("id", row.keyId())
					.param("sealed", seal(row.keyId(), plainKey(row.privateKey())))
					.param("kek", kek.id())
					.update();
				Arrays.fill(row.privateKey(), (byte) 0);
			}
			return plain.size();
		});
		return sealed == null ? 0 : sealed;
	}

	@Override
	public String what() {
		return "receipt signing keys";
	}

	@Override
	public Map<String, Long> sealedUnderOtherKeys() {
		Map<String, Long> counts = new TreeMap<>();
		jdbc.sql("SELECT kek_id, count(*) AS n FROM receipt_keys "
				+ "WHERE sealed_private_key IS NOT NULL AND kek_id <> :current GROUP BY kek_id")
			.param("current", kek.id())
			.query((RowCallbackHandler) rs -> counts.put(rs.getString("kek_id"), rs.getLong("n")));
		return counts;
	}

	/** Along {@code key_id}. */
	@Override
	public Pass pass() {
		record Sealed(String keyId, byte[] sealed, String kekId) {
		}
		return new ResealPass<Sealed>(transactions) {

			@Override
			protected List<Sealed> read(@Nullable Sealed after, int limit) {
				return jdbc.sql(NEXT)
					.param("previous", kek.previousIds().toArray(String[]::new))
					.param("after", after == null ? "" : after.keyId())
					.param("limit", limit)
					.query((rs, n) -> new Sealed(rs.getString("key_id"), rs.getBytes("sealed_private_key"),
							rs.getString("kek_id")))
					.list();
			}

			@Override
			protected byte[] reseal(Sealed row) {
				return kek.reseal(row.sealed(), row.keyId(), row.kekId());
			}

			@Override
			protected int write(Sealed row, byte[] resealed) {
				return jdbc.sql(RESEALED).param("id", row.keyId()).param("sealed", resealed).param("kek", kek.id()).update();
			}

			@Override
			protected String name(Sealed row) {
				return "receipt_keys " + row.keyId();
			}
		};
	}
}
