package dev.subdesk.entitlements;

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
 * The entitlement signing keys' private halves ({@code entitlement_keys.sealed_private_key}, the key id as associated
 * data), every one of them (retired and revoked ones too, so that no row names a previous key-encryption key), for
 * the re-sealing after a rotation of the key-encryption key. A node that opened a key keeps it in memory
 * ({@link EntitlementKeys}): re-sealing changes the stored form only.
 */
@Component
class SealedEntitlementKeys implements SealedRows {

	private final JdbcClient jdbc;
	private final KeyEncryptionKey kek;
	private final TransactionTemplate transactions;

	SealedEntitlementKeys(JdbcClient jdbc, KeyEncryptionKey kek, TransactionTemplate transactions) {
		this.jdbc = jdbc;
		this.kek = kek;
		this.transactions = transactions;
	}

	@Override
	public String what() {
		return "entitlement signing keys";
	}

	@Override
	public Map<String, Long> sealedUnderOtherKeys() {
		Map<String, Long> counts = new TreeMap<>();
		jdbc.sql("SELECT kek_id, count(*) AS n FROM entitlement_keys WHERE kek_id <> :current GROUP BY kek_id")
			.param("current", kek.id())
			.query((RowCallbackHandler) rs -> counts.put(rs.getString("kek_id"), rs.getLong("n")));
		return counts;
	}

	@Override
	public int resealBatch(int limit) {
		record Sealed(String kid, byte[] sealed, String kekId) {
		}
		Integer done = transactions.execute(tx -> {
			List<Sealed> rows = jdbc.sql("""
					SELECT kid, sealed_private_key, kek_id FROM entitlement_keys WHERE kek_id = ANY (:previous)
					ORDER BY kid LIMIT :limit FOR NO KEY UPDATE SKIP LOCKED
					""")
				.param("previous", kek.previousIds().toArray(String[]::new))
				.param("limit", limit)
				.query((rs, n) -> new Sealed(rs.getString("kid"), rs.getBytes("sealed_private_key"),
						rs.getString("kek_id")))
				.list();
			for (Sealed row : rows) {
				jdbc.sql("UPDATE entitlement_keys SET sealed_private_key = :sealed, kek_id = :kek WHERE kid = :kid")
					.param("kid", row.kid())
					.param("sealed", kek.reseal(row.sealed(), row.kid(), row.kekId()))
					.param("kek", kek.id())
					.update();
			}
			return rows.size();
		});
		return done == null ? 0 : done;
	}
}
