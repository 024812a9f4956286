package dev.subdesk.entitlements;

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
 * The entitlement signing keys' private halves ({@code entitlement_keys.sealed_private_key}, the key id as associated
 * data), every one of them (retired and revoked ones too, so that no row names a previous key-encryption key), for
 * the re-sealing after a rotation of the key-encryption key. A node that opened a key keeps it in memory
 * ({@link EntitlementKeys}): re-sealing changes the stored form only.
 */
@Component
class SealedEntitlementKeys implements SealedRows {

	private static final String NEXT = """
			SELECT kid, sealed_private_key, kek_id FROM entitlement_keys
			WHERE kek_id = ANY (:previous) AND kid > :after
			ORDER BY kid LIMIT :limit FOR NO KEY UPDATE SKIP LOCKED
			""";

	private static final String RESEALED = """
			UPDATE entitlement_keys SET sealed_private_key = :sealed, kek_id = :kek WHERE kid = :kid
			""";

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

	/** Along {@code kid}. */
	@Override
	public Pass pass() {
		record Sealed(String kid, byte[] sealed, String kekId) {
		}
		return new ResealPass<Sealed>(transactions) {

			@Override
			protected List<Sealed> read(@Nullable Sealed after, int limit) {
				return jdbc.sql(NEXT)
					.param("previous", kek.previousIds().toArray(String[]::new))
					.param("after", after == null ? "" : after.kid())
					.param("limit", limit)
					.query((rs, n) -> new Sealed(rs.getString("kid"), rs.getBytes("sealed_private_key"),
							rs.getString("kek_id")))
					.list();
			}

			@Override
			protected byte[] reseal(Sealed row) {
				return kek.reseal(row.sealed(), row.kid(), row.kekId());
			}

			@Override
			protected int write(Sealed row, byte[] resealed) {
				return jdbc.sql(RESEALED).param("kid", row.kid()).param("sealed", resealed).param("kek", kek.id()).update();
			}

			@Override
			protected String name(Sealed row) {
				return "entitlement_keys " + row.kid();
			}
		};
	}
}
