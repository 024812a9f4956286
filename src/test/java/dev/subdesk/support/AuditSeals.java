package dev.subdesk.support;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** For the tests that tamper with the audit chain: sealing an entry, and the plain hash of a forged entry's content. */
final class AuditSeals {

	private AuditSeals() {
	}

	/** Seals the chain until the entry {@code id} is sealed (at most 100 times, then fails). */
	static void waitUntilSealed(AuditTrail audit, JdbcClient jdbc, PlatformTransactionManager transactions, long id) {
		for (int i = 0; i < 100; i++) {
			new TransactionTemplate(transactions).executeWithoutResult(tx -> audit.seal());
			if (jdbc.sql("SELECT seq IS NOT NULL FROM audit_events WHERE id = :id").param("id", id).query(Boolean.class)
				.single()) {
				return;
			}
		}
		throw new AssertionError("entry " + id + " was not sealed");
	}

	/** SHA-256 of {@code text} in UTF-8, in lower-case hex. */
	static String sha256(String text) {
		try {
			return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
				.digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
		}
		catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
