package dev.subdesk.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * An erasure vouches only for entries about its own closed account and that account's cases, and no entry of hash
 * format 1 follows the point where format 2 began: an erasure entry forged with database access (its hash is plain
 * SHA-256, anyone can compute it) can neither drop the text of other entries nor pass early entries off as erased
 * ones of format 1, which no hash covers. Every tampering is put back, so the chain other tests check stays intact.
 */
class AuditErasureForgeryIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AuditTrail audit;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	PlatformTransactionManager transactions;

	@Test
	void aForgedErasureCannotDropTheTextOfEntriesAboutAnotherAccountOrOneNotClosed() {
		String target = "acct_NOTCLOSED" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
		audit.record("agent", "AGENT", "REFUND", target, "refunded 10.00", null, "caller asked");
		long id = audit.about(target).getFirst().id();
		waitUntilSealed(id);
		String closed = fixtures.accountWithVisa();
		assertThat(api.post("/accounts/" + closed + "/close", Map.of()).status()).isEqualTo(200);

		// about a closed account, but not the one the entry is about
		long aboutAnother = forgedErasure(closed, 1);
		// about the entry's own target, which no closure erased
		long aboutItsTarget = forgedErasure(target, 1);
		waitUntilSealed(aboutItsTarget);
		assertThat(audit.verify().intact()).as("the forged erasures themselves hold").isTrue();

		for (long erasure : new long[] { aboutAnother, aboutItsTarget }) {
			jdbc.sql("UPDATE audit_events SET erased_by = :erasure, detail = NULL, reason = NULL WHERE id = :id")
				.param("erasure", erasure).param("id", id).update();
			try {
				assertThat(audit.verify()).as("erased by forged erasure " + erasure).satisfies(check -> {
					assertThat(check.intact()).isFalse();
					assertThat(check.firstBrokenId()).isEqualTo(id);
				});
			}
			finally {
				jdbc.sql("""
						UPDATE audit_events SET erased_by = NULL, detail = 'refunded 10.00', reason = 'caller asked'
						WHERE id = :id""").param("id", id).update();
			}
		}
		assertThat(audit.verify().intact()).isTrue();
	}

	@Test
	void theFirstEntryOfTheChainCannotBePassedOffAsAnErasedOneOfTheFirstFormat() {
		fixtures.accountWithVisa();
		waitUntilSealed(audit.latest().orElseThrow().id());
		Map<String, Object> first = jdbc.sql("""
				SELECT id, hash_version, erased_by, detail, reason, target, actor FROM audit_events WHERE seq = 1""")
			.query()
			.singleRow();
		long id = (Long) first.get("id");
		Long erasedBy = (Long) first.get("erased_by");
		Long forged = null;
		String account = (String) first.get("target");
		if (erasedBy == null) {
			// a closed account and a forged erasure of it, naming as many entries as will name it
			account = fixtures.accountWithVisa();
			assertThat(api.post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);
			forged = forgedErasure(account, 1);
			erasedBy = forged;
		}
		// format 1 and erased: no hash covers who did what, when, to whom
		jdbc.sql("""
				UPDATE audit_events SET hash_version = 1, erased_by = :erasure, detail = NULL, reason = NULL,
				    target = :account, actor = 'nobody' WHERE id = :id""")
			.param("erasure", erasedBy).param("account", account).param("id", id).update();
		try {
			assertThat(audit.verify()).satisfies(check -> {
				assertThat(check.intact()).isFalse();
				assertThat(check.firstBrokenId()).isEqualTo(id);
			});
		}
		finally {
			jdbc.sql("""
					UPDATE audit_events SET hash_version = :version, erased_by = :erasedBy, detail = :detail,
					    reason = :reason, target = :target, actor = :actor WHERE id = :id""")
				.param("version", first.get("hash_version"))
				.param("erasedBy", first.get("erased_by"), java.sql.Types.BIGINT)
				.param("detail", first.get("detail"))
				.param("reason", first.get("reason"))
				.param("target", first.get("target"))
				.param("actor", first.get("actor"))
				.param("id", id)
				.update();
			if (forged != null) {
				// never sealed: it goes without a trace in the chain
				jdbc.sql("DELETE FROM audit_events WHERE id = :id AND seq IS NULL").param("id", forged).update();
			}
		}
		assertThat(audit.verify().intact()).isTrue();
	}

	@Test
	void aRealClosuresErasureOfItsAccountsAndCasesEntriesStillVerifies() {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
		String caseNumber = api.post("/charges/" + charge + "/disputes", Map.of("reason", "OTHER", "detail", "never ordered"))
			.text("caseNumber");
		audit.record("agent", "AGENT", "NOTE", account, "Caller read out their address", null, "caller asked");
		audit.record("agent", "AGENT", "NOTE", caseNumber, "Caller spelled their name", caseNumber, "on the case");
		assertThat(api.post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);
		assertThat(audit.about(account)).filteredOn(e -> "NOTE".equals(e.action())).singleElement()
			.satisfies(e -> assertThat(e.erasedBy()).isNotNull());
		assertThat(audit.about(caseNumber)).filteredOn(e -> "NOTE".equals(e.action())).singleElement()
			.satisfies(e -> assertThat(e.erasedBy()).as("an entry about the account's case").isNotNull());
		assertThat(audit.verify().intact()).as("before sealing").isTrue();
		waitUntilSealed(audit.latest().orElseThrow().id());
		assertThat(audit.verify().intact()).as("sealed").isTrue();
	}

	/** Inserts an erasure entry as anyone with write access could: its own hash is plain SHA-256 of its fields. */
	private long forgedErasure(String account, int erased) {
		Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
		String detail = "account closed: what was written in %d entries about it and its cases was erased".formatted(erased);
		String textHash = AuditTrail.textHash(detail, null);
		AuditTrail.Entry entry = new AuditTrail.Entry(0, at, "system", "SYSTEM", AuditTrail.ERASURE_ACTION, account, detail,
				null, null, null, null, null, null, null, null, 2, textHash);
		return jdbc.sql("""
				INSERT INTO audit_events (at, actor, channel, action, target, detail, entry_hash, hash_version, text_hash)
				VALUES (:at, 'system', 'SYSTEM', :action, :target, :detail, :hash, 2, :textHash) RETURNING id""")
			.param("at", Timestamp.from(at))
			.param("action", AuditTrail.ERASURE_ACTION)
			.param("target", account)
			.param("detail", detail)
			.param("hash", AuditSeals.sha256(entry.ownContent()))
			.param("textHash", textHash)
			.query(Long.class)
			.single();
	}

	private void waitUntilSealed(long id) {
		AuditSeals.waitUntilSealed(audit, jdbc, transactions, id);
	}
}
