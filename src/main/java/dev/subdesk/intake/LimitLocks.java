package dev.subdesk.intake;

import dev.subdesk.shared.Digests;
import java.nio.ByteBuffer;
import java.util.Collection;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Makes a limiter's count and its insert one step: before counting, the transaction takes a PostgreSQL advisory
 * lock for each thing counted (an email, a client address), held until it commits. A second request for the same
 * email waits, then counts the first one's row, so parallel requests never pass a limit together. The keys are
 * the first 64 bits of a SHA-256 of a namespace and the value, taken in ascending order so that two requests
 * naming the same things in another order cannot deadlock.
 */
final class LimitLocks {

	private static final String LOCK = "SELECT pg_advisory_xact_lock(:key)";

	private LimitLocks() {
	}

	/** Locks each of {@code keys} (made with {@link #of}) until the current transaction ends. */
	static void lock(JdbcClient jdbc, Collection<String> keys) {
		if (!TransactionSynchronizationManager.isActualTransactionActive()) {
			throw new IllegalStateException("a limiter's lock lives as long as its transaction: call it inside one");
		}
		keys.stream()
			.map(LimitLocks::key)
			.distinct()
			.sorted()
			.forEach(key -> jdbc.sql(LOCK).param("key", key).query().listOfRows());
	}

	/** The key of one counted thing: {@code namespace} says which limiter, {@code value} what it counts. */
	static String of(String namespace, String value) {
		return namespace + ':' + value;
	}

	private static long key(String namespaced) {
		return ByteBuffer.wrap(Digests.sha256(namespaced)).getLong();
	}
}
