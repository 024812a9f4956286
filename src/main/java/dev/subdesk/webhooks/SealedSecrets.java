package dev.subdesk.webhooks;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.sealing.ResealPass;
import dev.subdesk.sealing.SealedRows;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The endpoints' signing secrets as stored: sealed with the key-encryption key ({@link KeyEncryptionKey}, AES-256-GCM,
 * the associated data naming the endpoint, so a sealed secret opens for its own endpoint only), the current one in
 * {@code webhook_endpoint}, the rotated-out ones still signing in {@code webhook_endpoint_old_secret}. A row written
 * before sealing (V180) holds its secrets in the plain columns: {@link #sealPlainSecrets()} seals them when the server
 * starts, and until then {@link #read} still takes the plain one. After a rotation of the key-encryption key, the
 * secrets sealed under a previous one are sealed again under the current one ({@link SealedRows}), both tables.
 */
@Component
class SealedSecrets implements SealedRows {

	private static final Logger log = LoggerFactory.getLogger(SealedSecrets.class);

	/** Rows sealed per transaction when the server starts. */
	static final int SEAL_BATCH = 100;

	/**
	 * The next rows with a secret in the clear, locked {@code FOR NO KEY UPDATE} and waited for, never skipped: the
	 * dispatcher's {@code FOR KEY SHARE} does not hold this lock up, and an edit's or a rotation's lock is held
	 * briefly (a skipped row stayed in the clear until the next start). Nodes starting at once lock in id order; a
	 * row another node sealed meanwhile no longer matches once its lock is granted and is left out.
	 */
	private static final String PLAIN = """
			SELECT id, secret, previous_secret, previous_secret_until FROM webhook_endpoint
			WHERE secret IS NOT NULL OR previous_secret IS NOT NULL
			ORDER BY id LIMIT :batch
			FOR NO KEY UPDATE
			""";

	private static final String SEAL = """
			UPDATE webhook_endpoint SET
			    sealed_secret = COALESCE(CAST(:sealed AS bytea), sealed_secret),
			    secret_kek_id = CASE WHEN CAST(:sealed AS bytea) IS NULL THEN secret_kek_id ELSE :kek END,
			    secret = NULL, previous_secret = NULL, previous_secret_until = NULL
			WHERE id = :id
			""";

	static final String ADD_OLD = """
			INSERT INTO webhook_endpoint_old_secret (endpoint_id, sealed_secret, secret_kek_id, signs_until)
			VALUES (:id, :sealed, :kek, :until)
			""";

	/** The current secrets sealed under a previous key, for a re-seal pass. */
	private static final String NEXT_CURRENT = """
			SELECT id, sealed_secret, secret_kek_id FROM webhook_endpoint
			WHERE sealed_secret IS NOT NULL AND secret_kek_id = ANY (:previous) AND id > :after
			ORDER BY id LIMIT :limit FOR NO KEY UPDATE SKIP LOCKED
			""";

	private static final String RESEALED_CURRENT = """
			UPDATE webhook_endpoint SET sealed_secret = :sealed, secret_kek_id = :kek WHERE id = :id
			""";

	/**
	 * The rotated-out secrets sealed under a previous key that still sign, for a re-seal pass: one whose 24 hours are
	 * over signs nothing and is deleted ({@link WebhookDeliveryRetention}), whatever it is sealed under.
	 */
	private static final String NEXT_OLD = """
			SELECT seq, endpoint_id, sealed_secret, secret_kek_id FROM webhook_endpoint_old_secret
			WHERE secret_kek_id = ANY (:previous) AND signs_until > :now AND seq > :after
			ORDER BY seq LIMIT :limit FOR NO KEY UPDATE SKIP LOCKED
			""";

	private static final String RESEALED_OLD = """
			UPDATE webhook_endpoint_old_secret SET sealed_secret = :sealed, secret_kek_id = :kek WHERE seq = :seq
			""";

	private final KeyEncryptionKey kek;
	private final JdbcClient jdbc;
	private final TransactionTemplate transactions;
	private final Clock clock;

	SealedSecrets(KeyEncryptionKey kek, JdbcClient jdbc, TransactionTemplate transactions, Clock clock) {
		this.kek = kek;
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.clock = clock;
	}

	/** The fingerprint of the key that seals: stored beside the sealed secrets. */
	String kekId() {
		return kek.id();
	}

	/** The fingerprints of the keys whose sealed secrets open here: the current one, the previous and next ones. */
	String[] kekIdsThatOpen() {
		return kek.openingIds().toArray(String[]::new);
	}

	/**
	 * This endpoint's secret, sealed under the key {@code sealedBy}, as a rotation keeps it signing beside the new one:
	 * as it is when the current key or a next one ({@code SUBDESK_ENTITLEMENT_KEK_NEXT}: nothing is re-sealed away from
	 * it) sealed it, sealed again under the current key when a previous one did. Empty, and logged, when it does not
	 * open (sealed under a key this server does not have, or the row was altered): it signs nothing anyway, and the
	 * rotation goes on without the 24 hours of overlap.
	 */
	Optional<Kept> toKeepSigning(String endpointId, byte[] sealed, @Nullable String sealedBy) {
		String by = sealedBy == null ? "" : sealedBy;
		byte[] plain;
		try {
			plain = kek.open(sealed, associatedData(endpointId), by);
		}
		catch (IllegalStateException e) {
			log.warn("Webhook endpoint {}: its secret is rotated without the 24 hours in which the old one signs too, "
					+ "as the old one does not open: {}", endpointId, e.getMessage());
			return Optional.empty();
		}
		try {
			return Optional.of(kek.previousIds().contains(by)
					? new Kept(kek.seal(plain, associatedData(endpointId)), kek.id())
					: new Kept(sealed, by));
		}
		finally {
			Arrays.fill(plain, (byte) 0);
		}
	}

	/** A rotated-out secret as it is kept: sealed under the key {@code kekId}. */
	record Kept(byte[] sealed, String kekId) {
	}

	/** A secret of this endpoint sealed with the previous key {@code sealedBy}, sealed again under the current one. */
	private byte[] reseal(String endpointId, byte[] sealed, String sealedBy) {
		return kek.reseal(sealed, associatedData(endpointId), sealedBy);
	}

	@Override
	public String what() {
		return "webhook signing secrets";
	}

	/**
	 * The current secrets and the rotated-out ones still signing; a rotated-out one whose 24 hours are over is not
	 * counted, whatever it is sealed under (it signs nothing and is deleted within the hour): a damaged one or one
	 * under a key this server does not have would otherwise hold back the end of a rotation for good.
	 */
	@Override
	public Map<String, Long> sealedUnderOtherKeys() {
		Map<String, Long> counts = new TreeMap<>();
		jdbc.sql("""
				SELECT secret_kek_id, count(*) AS n FROM (
				    SELECT secret_kek_id FROM webhook_endpoint WHERE sealed_secret IS NOT NULL AND secret_kek_id <> :current
				    UNION ALL
				    SELECT secret_kek_id FROM webhook_endpoint_old_secret
				    WHERE secret_kek_id <> :current AND signs_until > :now) s
				GROUP BY secret_kek_id
				""")
			.param("current", kek.id())
			.param("now", Timestamp.from(clock.instant()))
			.query((RowCallbackHandler) rs -> counts.put(rs.getString("secret_kek_id"), rs.getLong("n")));
		return counts;
	}

	/**
	 * The current secrets first (in endpoint id order), then the rotated-out ones (in {@code seq} order); rows are
	 * locked {@code FOR NO KEY UPDATE SKIP LOCKED} (an edit or a rotation holding one is left to the next pass, and
	 * the dispatcher's {@code FOR KEY SHARE} does not stand in the way).
	 */
	@Override
	public Pass pass() {
		Pass current = new ResealPass<Sealed>(transactions) {

			@Override
			protected List<Sealed> read(@Nullable Sealed after, int limit) {
				return jdbc.sql(NEXT_CURRENT)
					.param("previous", kek.previousIds().toArray(String[]::new))
					.param("after", after == null ? "" : after.endpointId())
					.param("limit", limit)
					.query((rs, n) -> new Sealed(0, rs.getString("id"), rs.getBytes("sealed_secret"),
							rs.getString("secret_kek_id")))
					.list();
			}

			@Override
			protected byte[] reseal(Sealed row) {
				return SealedSecrets.this.reseal(row.endpointId(), row.sealed(), row.kekId());
			}

			@Override
			protected int write(Sealed row, byte[] resealed) {
				return jdbc.sql(RESEALED_CURRENT)
					.param("id", row.endpointId())
					.param("sealed", resealed)
					.param("kek", kek.id())
					.update();
			}

			@Override
			protected String name(Sealed row) {
				return "webhook_endpoint " + row.endpointId();
			}
		};
		Pass old = new ResealPass<Sealed>(transactions) {

			@Override
			protected List<Sealed> read(@Nullable Sealed after, int limit) {
				return jdbc.sql(NEXT_OLD)
					.param("previous", kek.previousIds().toArray(String[]::new))
					.param("now", Timestamp.from(clock.instant()))
					.param("after", after == null ? Long.MIN_VALUE : after.seq())
					.param("limit", limit)
					.query((rs, n) -> new Sealed(rs.getLong("seq"), rs.getString("endpoint_id"),
							rs.getBytes("sealed_secret"), rs.getString("secret_kek_id")))
					.list();
			}

			@Override
			protected byte[] reseal(Sealed row) {
				return SealedSecrets.this.reseal(row.endpointId(), row.sealed(), row.kekId());
			}

			@Override
			protected int write(Sealed row, byte[] resealed) {
				return jdbc.sql(RESEALED_OLD).param("seq", row.seq()).param("sealed", resealed).param("kek", kek.id()).update();
			}

			@Override
			protected String name(Sealed row) {
				return "webhook_endpoint_old_secret " + row.seq() + " (endpoint " + row.endpointId() + ")";
			}
		};
		return new Pass() {
			private boolean currentDone;

			@Override
			public Batch next(int limit) {
				if (!currentDone) {
					Batch batch = current.next(limit);
					if (batch.read() > 0) {
						return batch;
					}
					currentDone = true;
				}
				return old.next(limit);
			}
		};
	}

	/** A sealed secret as a re-seal pass reads it: {@code seq} is the rotated-out one's (0 for a current one). */
	private record Sealed(long seq, String endpointId, byte[] sealed, String kekId) {
	}

	byte[] seal(String endpointId, String secret) {
		return kek.seal(secret.getBytes(StandardCharsets.UTF_8), associatedData(endpointId));
	}

	/**
	 * The secret in {@code sealedColumn} of this row (sealed with the key named in {@code secret_kek_id}), opened, or
	 * the one in {@code plainColumn} of a row not sealed yet; null when both are.
	 */
	@Nullable String read(ResultSet rs, String endpointId, String sealedColumn, String plainColumn) throws SQLException {
		byte[] sealed = rs.getBytes(sealedColumn);
		if (sealed != null) {
			return open(endpointId, sealed, rs.getString("secret_kek_id"));
		}
		return rs.getString(plainColumn);
	}

	/** A secret of this endpoint sealed with the key {@code sealedBy}, opened. */
	String open(String endpointId, byte[] sealed, @Nullable String sealedBy) {
		return new String(kek.open(sealed, associatedData(endpointId), sealedBy == null ? "" : sealedBy),
				StandardCharsets.UTF_8);
	}

	/**
	 * Keeps a rotated-out secret signing until {@code until}, sealed; in the caller's transaction, which holds the
	 * endpoint's row.
	 */
	void addOld(String endpointId, byte[] sealed, String sealedBy, Instant until) {
		jdbc.sql(ADD_OLD)
			.param("id", endpointId)
			.param("sealed", sealed)
			.param("kek", sealedBy)
			.param("until", Timestamp.from(until))
			.update();
	}

	/**
	 * Seals every secret still stored in the clear (rows from before V180) and empties the plain columns, in
	 * transactions of {@value #SEAL_BATCH} rows, until none is left; a plain previous secret whose 24 hours are over
	 * is dropped. Answers how many rows it sealed.
	 */
	@EventListener(ApplicationStartedEvent.class)
	public int sealPlainSecrets() {
		int sealed = 0;
		for (int batch = sealBatch(); batch > 0; batch = sealBatch()) {
			sealed += batch;
		}
		if (sealed > 0) {
			log.info("Sealed the signing secrets of {} webhook endpoint(s) that were stored in the clear", sealed);
		}
		return sealed;
	}

	private int sealBatch() {
		record Plain(String id, @Nullable String secret, @Nullable String previous, @Nullable Instant previousUntil) {
		}
		Integer sealed = transactions.execute(tx -> {
			List<Plain> plain = jdbc.sql(PLAIN).param("batch", SEAL_BATCH).query((rs, n) -> {
				Timestamp until = rs.getTimestamp("previous_secret_until");
				return new Plain(rs.getString("id"), rs.getString("secret"), rs.getString("previous_secret"),
						until == null ? null : until.toInstant());
			}).list();
			Instant now = clock.instant();
			for (Plain row : plain) {
				if (row.previous() != null && row.previousUntil() != null && row.previousUntil().isAfter(now)) {
					addOld(row.id(), seal(row.id(), row.previous()), kek.id(), row.previousUntil());
				}
				jdbc.sql(SEAL)
					.param("id", row.id())
					.param("sealed", row.secret() == null ? null : seal(row.id(), row.secret()), java.sql.Types.BINARY)
					.param("kek", kek.id())
					.update();
			}
			return plain.size();
		});
		return sealed == null ? 0 : sealed;
	}

	private static String associatedData(String endpointId) {
		return "webhook-endpoint:" + endpointId;
	}
}
