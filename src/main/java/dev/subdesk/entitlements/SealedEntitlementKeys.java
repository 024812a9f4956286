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
	public Pass pass() {
		return new Pass() {
			private String after = "";

			@Override
			public Batch next(int limit) {
				return batch(after, limit, last -> after = last);
			}
		};
	}

	/** Rows locked {@code FOR NO KEY UPDATE SKIP LOCKED}, after {@code after} in {@code kid} order. */
	private Batch batch(String after, int limit, java.util.function.Consumer<String> last) {
		record Sealed(String kid, byte[] sealed, String kekId) {
		}
		Batch done = transactions.execute(tx -> {
			List<Sealed> rows = jdbc.sql("""
					SELECT kid, sealed_private_key, kek_id FROM entitlement_keys
					WHERE kek_id = ANY (:previous) AND kid > :after
					ORDER BY kid LIMIT :limit FOR NO KEY UPDATE SKIP LOCKED
					""")
				.param("previous", kek.previousIds().toArray(String[]::new))
				.param("after", after)
				.param("limit", limit)
				.query((rs, n) -> new Sealed(rs.getString("kid"), rs.getBytes("sealed_private_key"),
						rs.getString("kek_id")))
				.list();
			int resealed = 0;
			List<String> unopenable = new java.util.ArrayList<>();
			for (Sealed row : rows) {
				byte[] again;
				try {
					again = kek.reseal(row.sealed(), row.kid(), row.kekId());
				}
				catch (IllegalStateException e) {
					unopenable.add("entitlement_keys " + row.kid());
					continue;
				}
				jdbc.sql("UPDATE entitlement_keys SET sealed_private_key = :sealed, kek_id = :kek WHERE kid = :kid")
					.param("kid", row.kid())
					.param("sealed", again)
					.param("kek", kek.id())
					.update();
				resealed++;
			}
			if (!rows.isEmpty()) {
				last.accept(rows.getLast().kid());
			}
			return new Batch(rows.size(), resealed, unopenable);
		});
		return done == null ? new Batch(0, 0, List.of()) : done;
	}
}
