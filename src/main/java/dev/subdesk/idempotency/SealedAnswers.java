package dev.subdesk.idempotency;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.sealing.SealedRows;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The stored answers of idempotent requests, sealed ({@code idempotency_keys.response_body}, named by
 * {@code response_sealed_by}), for the re-sealing after a rotation of the key-encryption key. An erased answer's
 * fingerprint is an HMAC, not sealed: it cannot be made again under the new key (the request is gone), keeps naming
 * the key it was made under and is checked under it while that key is listed as previous
 * ({@link IdempotentAnswers}); it is purged within 24 hours like any answer. Without an index on the key's name,
 * each count and batch reads the table; this runs only while previous keys are listed.
 */
@Component
class SealedAnswers implements SealedRows {

	private final JdbcClient jdbc;
	private final KeyEncryptionKey kek;
	private final TransactionTemplate transactions;

	SealedAnswers(JdbcClient jdbc, KeyEncryptionKey kek, TransactionTemplate transactions) {
		this.jdbc = jdbc;
		this.kek = kek;
		this.transactions = transactions;
	}

	@Override
	public String what() {
		return "stored answers of idempotent requests";
	}

	@Override
	public Map<String, Long> sealedUnderOtherKeys() {
		Map<String, Long> counts = new TreeMap<>();
		jdbc.sql("""
				SELECT response_sealed_by, count(*) AS n FROM idempotency_keys
				WHERE response_sealed_by <> :current GROUP BY response_sealed_by
				""")
			.param("current", kek.id())
			.query((RowCallbackHandler) rs -> counts.put(rs.getString("response_sealed_by"), rs.getLong("n")));
		return counts;
	}

	/**
	 * Rows locked {@code FOR NO KEY UPDATE SKIP LOCKED}; each is changed only while its answer is still the one read
	 * (a claim taking over an expired row empties it meanwhile).
	 */
	@Override
	public int resealBatch(int limit) {
		record Sealed(String scope, String key, byte[] body, String sealedBy) {
		}
		Integer done = transactions.execute(tx -> {
			List<Sealed> rows = jdbc.sql("""
					SELECT scope, key, response_body, response_sealed_by FROM idempotency_keys
					WHERE response_sealed_by = ANY (:previous)
					LIMIT :limit FOR NO KEY UPDATE SKIP LOCKED
					""")
				.param("previous", kek.previousIds().toArray(String[]::new))
				.param("limit", limit)
				.query((rs, n) -> new Sealed(rs.getString("scope"), rs.getString("key"), rs.getBytes("response_body"),
						rs.getString("response_sealed_by")))
				.list();
			for (Sealed row : rows) {
				byte[] resealed = row.body().length == 0 ? row.body()
						: kek.reseal(row.body(), IdempotentAnswers.associatedData(row.scope(), row.key()), row.sealedBy());
				jdbc.sql("""
						UPDATE idempotency_keys SET response_body = :body, response_sealed_by = :kek
						WHERE scope = :scope AND key = :key AND response_sealed_by = :was
						""")
					.param("scope", row.scope())
					.param("key", row.key())
					.param("body", resealed)
					.param("kek", kek.id())
					.param("was", row.sealedBy())
					.update();
			}
			return rows.size();
		});
		return done == null ? 0 : done;
	}
}
