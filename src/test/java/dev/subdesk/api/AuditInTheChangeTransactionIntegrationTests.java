package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Fixtures;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The audit entry of an API write commits with its change or not at all, and is sealed into the chain after. */
class AuditInTheChangeTransactionIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AuditTrail audit;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	DataSource dataSource;

	@Test
	void aChangeWhoseAuditEntryCannotBeWrittenIsRolledBack() {
		String refusedActor = "audit-refused-" + UUID.randomUUID().toString().substring(0, 8);
		jdbc.sql("ALTER TABLE audit_events ADD CONSTRAINT audit_refuses_one_actor CHECK (actor <> '" + refusedActor
				+ "') NOT VALID").update();
		String refusedEmail = Fixtures.uniqueEmail();
		try {
			int status = api.uncheckedAgainstTheDescription().with("X-Actor", refusedActor)
				.post("/accounts", Map.of("email", refusedEmail, "name", "Jo", "country", "FR"))
				.status();
			assertThat(status).isEqualTo(500);
		}
		finally {
			jdbc.sql("ALTER TABLE audit_events DROP CONSTRAINT audit_refuses_one_actor").update();
		}
		assertThat(accountsWithEmail(refusedEmail)).as("the account opened without its audit entry").isZero();
		assertThat(audit.about("/api/v1/accounts")).extracting(AuditTrail.Entry::actor).doesNotContain(refusedActor);

		String email = Fixtures.uniqueEmail();
		String account = api.with("X-Actor", refusedActor)
			.post("/accounts", Map.of("email", email, "name", "Jo", "country", "FR"))
			.id();
		assertThat(accountsWithEmail(email)).isOne();
		assertThat(audit.about("/api/v1/accounts")).filteredOn(e -> e.actor().equals(refusedActor))
			.singleElement()
			.satisfies(e -> assertThat(e.action()).isEqualTo("POST /api/v1/accounts"));
		assertThat(account).startsWith("acct_");
	}

	@Test
	void aRequestThatChangesNothingLeavesNoEntry() {
		String actor = "no-change-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(api.with("X-Actor", actor).post("/accounts", Map.of("email", "not an email")).status())
			.isEqualTo(400);
		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = :actor").param("actor", actor)
			.query(Long.class).single()).isZero();
	}

	@Test
	void entriesWrittenConcurrentlyAreAllSealedIntoOneUnbrokenChain() throws Exception {
		String actor = "concurrent-" + UUID.randomUUID().toString().substring(0, 8);
		int writers = 6;
		int each = 10;
		ExecutorService pool = Executors.newFixedThreadPool(writers);
		try {
			List<Future<Integer>> done = new ArrayList<>();
			for (int w = 0; w < writers; w++) {
				done.add(pool.submit(() -> {
					int created = 0;
					for (int i = 0; i < each; i++) {
						created += api.with("X-Actor", actor)
							.post("/accounts", Map.of("email", Fixtures.uniqueEmail(), "name", "Jo", "country", "FR"))
							.status() == 201 ? 1 : 0;
					}
					return created;
				}));
			}
			for (Future<Integer> f : done) {
				assertThat(f.get()).isEqualTo(each);
			}
		}
		finally {
			pool.shutdown();
		}
		waitUntil(() -> jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = :actor AND seq IS NOT NULL")
			.param("actor", actor).query(Long.class).single() == writers * each);
		List<Long> seqs = jdbc.sql("SELECT seq FROM audit_events WHERE actor = :actor ORDER BY seq")
			.param("actor", actor).query(Long.class).list();
		assertThat(seqs).hasSize(writers * each).doesNotHaveDuplicates();
		assertThat(audit.verify().intact()).isTrue();
		// Links are consecutive: each sealed entry's prev_hash is the hash of the entry sealed just before it.
		assertThat(jdbc.sql("""
				SELECT count(*) FROM audit_events a JOIN audit_events b ON b.seq = (
				    SELECT max(seq) FROM audit_events WHERE seq < a.seq)
				WHERE a.actor = :actor AND a.prev_hash IS DISTINCT FROM b.hash""")
			.param("actor", actor).query(Long.class).single()).isZero();
	}

	@Test
	void aTamperedEntryIsDetectedBeforeAndAfterItIsSealed() throws SQLException {
		String actor = "tamper-" + UUID.randomUUID().toString().substring(0, 8);
		long id;
		try (Connection pause = dataSource.getConnection(); Statement sql = pause.createStatement()) {
			sql.execute("SELECT pg_advisory_lock(" + AuditTrail.SEALER_LOCK + ")");
			try {
				api.with("X-Actor", actor).post("/accounts",
						Map.of("email", Fixtures.uniqueEmail(), "name", "Jo", "country", "FR"));
				AuditTrail.Entry entry = entryOf(actor);
				id = entry.id();
				assertThat(entry.seq()).as("not sealed while the sealer is paused").isNull();
				assertThat(audit.verify().intact()).isTrue();
				tamper(id, "mallory");
				assertThat(audit.verify()).satisfies(check -> {
					assertThat(check.intact()).isFalse();
					assertThat(check.firstBrokenId()).isEqualTo(id);
				});
			}
			finally {
				sql.execute("SELECT pg_advisory_unlock(" + AuditTrail.SEALER_LOCK + ")");
			}
		}
		// The sealer does not seal past a tampered entry: it stays reported until it is put back. (Entries other
		// tests committed before it may be sealed now; none after it.)
		audit.seal();
		assertThat(entryOf("mallory").seq()).isNull();
		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE id > :id AND seq IS NOT NULL").param("id", id)
			.query(Long.class).single()).isZero();
		tamper(id, actor);
		waitUntil(() -> entryOf(actor).seq() != null);
		assertThat(audit.verify().intact()).isTrue();

		tamper(id, "mallory");
		try {
			assertThat(audit.verify()).satisfies(check -> {
				assertThat(check.intact()).isFalse();
				assertThat(check.firstBrokenId()).isEqualTo(id);
			});
		}
		finally {
			tamper(id, actor);
		}
		assertThat(audit.verify().intact()).isTrue();
	}

	private AuditTrail.Entry entryOf(String actor) {
		return audit.about("/api/v1/accounts").stream().filter(e -> e.actor().equals(actor)).findFirst().orElseThrow();
	}

	private void tamper(long id, String actor) {
		jdbc.sql("UPDATE audit_events SET actor = :actor WHERE id = :id").param("actor", actor).param("id", id).update();
	}

	private long accountsWithEmail(String email) {
		return jdbc.sql("SELECT count(*) FROM accounts WHERE email = :email").param("email", email)
			.query(Long.class).single();
	}

	private static void waitUntil(BooleanSupplier condition) {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime() - deadline).as("waited 20 s").isNegative();
			LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
		}
	}
}
