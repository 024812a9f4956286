package dev.subdesk.idempotency;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.sealing.ResealPass;
import dev.subdesk.sealing.SealedRows;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The stored answers of idempotent requests, sealed ({@code idempotency_keys.response_body}, named by
 * {@code response_sealed_by}), for the re-sealing after a rotation of the key-encryption key. An erased answer's
 * fingerprint is an HMAC, not sealed: it cannot be made again under the new key (the request is gone), keeps naming
 * the key it was made under and is checked under it while that key is listed as previous
 * ({@link IdempotentAnswers}); it is purged within 24 hours like any answer (as every stored answer is: after a
 * rotation they would also simply expire). There is no index on the key's name: a re-seal pass walks the primary key
 * once, and the count after each pass reads the table once; both run only while previous keys are listed.
 */
@Component
class SealedAnswers implements SealedRows {

	private static final String NEXT = """
			SELECT scope, key, response_body, response_sealed_by FROM idempotency_keys
			WHERE (scope, key) > (:scope, :key) AND response_sealed_by = ANY (:previous)
			ORDER BY scope, key LIMIT :limit FOR NO KEY UPDATE SKIP LOCKED
			""";

	private static final String RESEALED = """
			UPDATE idempotency_keys SET response_body = :body, response_sealed_by = :kek
			WHERE scope = :scope AND key = :key AND response_sealed_by = :was
			""";

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
	 * Along the primary key ({@code scope, key}): each batch reads on from the last row the one before read, so a pass
	 * reads the table once (there is no index on {@code response_sealed_by}). Rows locked
	 * {@code FOR NO KEY UPDATE SKIP LOCKED}; each is changed only while its answer is still the one read (a claim
	 * taking over an expired row empties it meanwhile).
	 */
	@Override
	public Pass pass() {
		record Sealed(String scope, String key, byte[] body, String sealedBy) {
		}
		return new ResealPass<Sealed>(transactions) {

			@Override
			protected List<Sealed> read(@Nullable Sealed after, int limit) {
				return jdbc.sql(NEXT)
					.param("scope", after == null ? "" : after.scope())
					.param("key", after == null ? "" : after.key())
					.param("previous", kek.previousIds().toArray(String[]::new))
					.param("limit", limit)
					.query((rs, n) -> new Sealed(rs.getString("scope"), rs.getString("key"),
							rs.getBytes("response_body"), rs.getString("response_sealed_by")))
					.list();
			}

			@Override
			protected byte[] reseal(Sealed row) {
				return row.body().length == 0 ? row.body()
						: kek.reseal(row.body(), IdempotentAnswers.associatedData(row.scope(), row.key()), row.sealedBy());
			}

			@Override
			protected int write(Sealed row, byte[] resealed) {
				return jdbc.sql(RESEALED)
					.param("scope", row.scope())
					.param("key", row.key())
					.param("body", resealed)
					.param("kek", kek.id())
					.param("was", row.sealedBy())
					.update();
			}

			@Override
			protected String name(Sealed row) {
				return "idempotency_keys scope " + row.scope() + " key " + row.key();
			}
		};
	}
}
