package dev.subdesk.api;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Stored answers of idempotent requests. A pending row (status 0) marks a request that is running; it is
 * replaced by the answer, or deleted when the answer was a 5xx so that a retry runs again. A pending row older
 * than two minutes belongs to a crashed node and is taken over.
 */
@Repository
class IdempotencyStore {

	private static final String CLAIM = """
			INSERT INTO idempotency_keys (scope, key, fingerprint, response_status, response_type, response_body, created_at)
			VALUES (:scope, :key, :fingerprint, 0, NULL, '', :now)
			ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, response_status = 0,
			    response_type = NULL, response_body = '', created_at = EXCLUDED.created_at
			WHERE idempotency_keys.created_at < :expired
			   OR (idempotency_keys.response_status = 0 AND idempotency_keys.created_at < :stale)
			RETURNING scope
			""";

	sealed interface Claim {

		record Owned() implements Claim {
		}

		record InProgress() implements Claim {
		}

		record Completed(String fingerprint, int status, @Nullable String contentType, byte[] body) implements Claim {
		}
	}

	private final JdbcClient jdbc;

	IdempotencyStore(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	Claim claim(String scope, String key, String fingerprint, Instant now, Instant expired) {
		Optional<String> owned = jdbc.sql(CLAIM)
			.param("scope", scope)
			.param("key", key)
			.param("fingerprint", fingerprint)
			.param("now", Timestamp.from(now))
			.param("expired", Timestamp.from(expired))
			.param("stale", Timestamp.from(now.minusSeconds(120)))
			.query(String.class)
			.optional();
		if (owned.isPresent()) {
			return new Claim.Owned();
		}
		return jdbc.sql("""
				SELECT fingerprint, response_status, response_type, response_body FROM idempotency_keys
				WHERE scope = :scope AND key = :key
				""")
			.param("scope", scope)
			.param("key", key)
			.query((rs, n) -> rs.getInt("response_status") == 0 ? (Claim) new Claim.InProgress()
					: new Claim.Completed(rs.getString("fingerprint"), rs.getInt("response_status"),
							rs.getString("response_type"), rs.getBytes("response_body")))
			.optional()
			.orElse(new Claim.InProgress());
	}

	void complete(String scope, String key, int status, @Nullable String contentType, byte[] body) {
		jdbc.sql("""
				UPDATE idempotency_keys SET response_status = :status, response_type = :type, response_body = :body
				WHERE scope = :scope AND key = :key
				""")
			.param("status", status)
			.param("type", contentType)
			.param("body", body)
			.param("scope", scope)
			.param("key", key)
			.update();
	}

	void release(String scope, String key) {
		jdbc.sql("DELETE FROM idempotency_keys WHERE scope = :scope AND key = :key AND response_status = 0")
			.param("scope", scope)
			.param("key", key)
			.update();
	}
}
