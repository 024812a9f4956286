package dev.subdesk.webhooks;

import dev.subdesk.sealing.KeyEncryptionKey;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The endpoints' signing secrets as stored: sealed with the key-encryption key ({@link KeyEncryptionKey}, AES-256-GCM,
 * the associated data naming the endpoint, so a sealed secret opens for its own endpoint only). A row written before
 * sealing (V180) holds its secret in the plain columns: {@link #sealPlainSecrets()} seals them when the server starts,
 * and until then {@link #read} still takes the plain one.
 */
@Component
class SealedSecrets {

	private static final Logger log = LoggerFactory.getLogger(SealedSecrets.class);

	private static final String PLAIN = """
			SELECT id, secret, previous_secret FROM webhook_endpoint
			WHERE secret IS NOT NULL OR previous_secret IS NOT NULL
			FOR UPDATE SKIP LOCKED
			""";

	private static final String SEAL = """
			UPDATE webhook_endpoint SET
			    sealed_secret = COALESCE(CAST(:sealed AS bytea), sealed_secret),
			    sealed_previous_secret = COALESCE(CAST(:sealedPrevious AS bytea), sealed_previous_secret),
			    secret_kek_id = :kek, secret = NULL, previous_secret = NULL
			WHERE id = :id
			""";

	private final KeyEncryptionKey kek;
	private final JdbcClient jdbc;

	SealedSecrets(KeyEncryptionKey kek, JdbcClient jdbc) {
		this.kek = kek;
		this.jdbc = jdbc;
	}

	/** The fingerprint of the key that seals: stored beside the sealed secrets. */
	String kekId() {
		return kek.id();
	}

	byte[] seal(String endpointId, String secret) {
		return kek.seal(secret.getBytes(StandardCharsets.UTF_8), associatedData(endpointId));
	}

	/**
	 * The secret in {@code sealedColumn} of this row, opened, or the one in {@code plainColumn} of a row not sealed yet;
	 * null when both are.
	 */
	@Nullable String read(ResultSet rs, String endpointId, String sealedColumn, String plainColumn) throws SQLException {
		byte[] sealed = rs.getBytes(sealedColumn);
		if (sealed != null) {
			String sealedBy = rs.getString("secret_kek_id");
			return new String(kek.open(sealed, associatedData(endpointId), sealedBy == null ? "" : sealedBy),
					StandardCharsets.UTF_8);
		}
		return rs.getString(plainColumn);
	}

	/** Seals every secret still stored in the clear (rows from before V180) and empties the plain columns. */
	@EventListener(ApplicationStartedEvent.class)
	@Transactional
	public int sealPlainSecrets() {
		record Plain(String id, @Nullable String secret, @Nullable String previous) {
		}
		List<Plain> plain = jdbc.sql(PLAIN)
			.query((rs, n) -> new Plain(rs.getString("id"), rs.getString("secret"), rs.getString("previous_secret")))
			.list();
		for (Plain row : plain) {
			jdbc.sql(SEAL)
				.param("id", row.id())
				.param("sealed", row.secret() == null ? null : seal(row.id(), row.secret()), java.sql.Types.BINARY)
				.param("sealedPrevious", row.previous() == null ? null : seal(row.id(), row.previous()),
						java.sql.Types.BINARY)
				.param("kek", kek.id())
				.update();
		}
		if (!plain.isEmpty()) {
			log.info("Sealed the signing secrets of {} webhook endpoint(s) that were stored in the clear", plain.size());
		}
		return plain.size();
	}

	private static String associatedData(String endpointId) {
		return "webhook-endpoint:" + endpointId;
	}
}
