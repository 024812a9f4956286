package dev.subdesk.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The audit chain's hash format 2: text cannot move from one field to the next under the same hash, an entry whose
 * text a closure erased is still checked in everything else, and the entries of format 1 written before still
 * verify. Each tampering is put back, so the chain every other test checks stays intact.
 */
class AuditHashFormatIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AuditTrail audit;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	PlatformTransactionManager transactions;

	@Test
	void textMovedFromOneFieldToTheNextIsDetectedBeforeAndAfterSealing() {
		String target = "acct_FORMAT" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
		audit.record("agent", "AGENT", "NOTE", target, "refund|approved", null, "caller");
		long id = audit.about(target).getFirst().id();

		for (boolean sealed : List.of(false, true)) {
			if (sealed) {
				waitUntilSealed(id);
			}
			// the target and the detail joined with '|' read the same with the first word of the detail moved over
			move(id, target + "|refund", "approved");
			try {
				assertThat(audit.verify()).as(sealed ? "sealed" : "not yet sealed").satisfies(check -> {
					assertThat(check.intact()).isFalse();
					assertThat(check.firstBrokenId()).isEqualTo(id);
				});
			}
			finally {
				move(id, target, "refund|approved");
			}
			assertThat(audit.verify().intact()).isTrue();
		}
	}

	@Test
	void anEntryWhoseTextWasErasedIsStillCheckedInEverythingElse() {
		String account = fixtures.accountWithVisa();
		audit.record("agent", "AGENT", "NOTE", account, "Caller read out their address", null, "caller asked");
		assertThat(api.post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);
		AuditTrail.Entry erased = audit.about(account).stream().filter(e -> "NOTE".equals(e.action())).findFirst()
			.orElseThrow();
		assertThat(erased.erasedBy()).isNotNull();
		assertThat(erased.detail()).isNull();
		assertThat(audit.verify().intact()).as("the erasure itself keeps the chain intact").isTrue();

		for (boolean sealed : List.of(false, true)) {
			if (sealed) {
				waitUntilSealed(erased.id());
			}
			jdbc.sql("UPDATE audit_events SET actor = 'nobody' WHERE id = :id").param("id", erased.id()).update();
			try {
				assertThat(audit.verify().firstBrokenId()).as(sealed ? "sealed" : "not yet sealed").isEqualTo(erased.id());
			}
			finally {
				jdbc.sql("UPDATE audit_events SET actor = 'agent' WHERE id = :id").param("id", erased.id()).update();
			}
		}
		assertThat(audit.verify().intact()).isTrue();
	}

	@Test
	void anEntryOfTheFirstFormatStillVerifiesAndIsSealedIntoTheChain() {
		Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
		AuditTrail.Entry v1 = new AuditTrail.Entry(0, at, "agent", "AGENT", "NOTE", "acct_FORMATONE", "written|before",
				null, null, "v261", null, null, null, null, null, 1, null);
		long id = jdbc.sql("""
				INSERT INTO audit_events (at, actor, channel, action, target, detail, reason, entry_hash, hash_version)
				VALUES (:at, 'agent', 'AGENT', 'NOTE', 'acct_FORMATONE', 'written|before', 'v261', :hash, 1) RETURNING id""")
			.param("at", Timestamp.from(at))
			.param("hash", AuditSeals.sha256(v1.ownContent()))
			.query(Long.class)
			.single();

		waitUntilSealed(id);

		assertThat(audit.verify().intact()).isTrue();
		assertThat(audit.about("acct_FORMATONE")).as("its own hash checked, then sealed in format 2")
			.filteredOn(e -> e.id() == id).singleElement()
			.satisfies(e -> assertThat(e.hashVersion()).isEqualTo(2));
		fixtures.accountWithVisa();
		assertThat(audit.latest()).as("new entries are written in format 2")
			.hasValueSatisfying(e -> assertThat(e.hashVersion()).isEqualTo(2));
	}

	@Test
	void aSealedEntryPassedOffAsAnErasedOneOfTheFirstFormatIsDetected() {
		String target = "acct_FORGED" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
		audit.record("agent", "AGENT", "REFUND", target, "refunded 10.00", null, "caller asked");
		long id = audit.about(target).getFirst().id();
		waitUntilSealed(id);
		// a later erasure, about another account
		String account = fixtures.accountWithVisa();
		audit.record("agent", "AGENT", "NOTE", account, "Caller spelled their name", null, "caller asked");
		assertThat(api.post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);
		long erasure = audit.about(account).stream().filter(e -> e.action().equals(AuditTrail.ERASURE_ACTION))
			.findFirst().orElseThrow().id();
		assertThat(erasure).isGreaterThan(id);

		// its text dropped under an unrelated erasure: that erasure would name one entry more than it says
		tamper(id, "UPDATE audit_events SET erased_by = :erasure, detail = NULL, reason = NULL WHERE id = :id", erasure);
		// and the same, made to read as an entry of the first format (accepted on the erasure's word), rewritten
		tamper(id, """
				UPDATE audit_events SET hash_version = 1, erased_by = :erasure, detail = NULL, reason = NULL,
				    action = 'NOTE' WHERE id = :id""", erasure);
		assertThat(audit.verify().intact()).isTrue();
	}

	/** Applies a change to one sealed entry, checks that verify finds the chain broken, and puts the entry back. */
	private void tamper(long id, String change, long erasure) {
		Map<String, Object> before = jdbc.sql("""
				SELECT hash_version, erased_by, detail, reason, action FROM audit_events WHERE id = :id""")
			.param("id", id).query().singleRow();
		jdbc.sql(change).param("id", id).param("erasure", erasure).update();
		try {
			// the break is reported at the entry or at the first one the erasure really erased (it then names one
			// entry too many), whichever the chain reaches first
			assertThat(audit.verify().intact()).as(change).isFalse();
		}
		finally {
			jdbc.sql("""
					UPDATE audit_events SET hash_version = :version, erased_by = :erasedBy, detail = :detail,
					    reason = :reason, action = :action WHERE id = :id""")
				.param("version", before.get("hash_version"))
				.param("erasedBy", before.get("erased_by"), java.sql.Types.BIGINT)
				.param("detail", before.get("detail"))
				.param("reason", before.get("reason"))
				.param("action", before.get("action"))
				.param("id", id)
				.update();
		}
	}

	private void move(long id, String target, String detail) {
		jdbc.sql("UPDATE audit_events SET target = :target, detail = :detail WHERE id = :id")
			.param("target", target).param("detail", detail).param("id", id).update();
	}

	private void waitUntilSealed(long id) {
		AuditSeals.waitUntilSealed(audit, jdbc, transactions, id);
	}
}
