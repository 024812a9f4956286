package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A charge of a closed account can still be disputed (API.md), and what is written about it after the closure (the
 * dispute's detail, the resolution) is erased when its case is resolved: the closure's erasure had nothing of it to
 * find, and no other rule would ever erase it (DESIGN invariant 14). The audit chain still verifies.
 */
class ClosedAccountCasesIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AuditTrail audit;

	@Autowired
	JdbcClient jdbc;

	@Test
	void whatIsWrittenAboutAClosedAccountsDisputeIsErasedWhenItsCaseIsResolved() {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = fixtures.charges(account).getFirst().path("id").asString();
		fixtures.advance("P1D"); // ended after the charge's period began: a dispute of it opens a case
		assertThat(api.post("/accounts/" + account + "/close").status()).isEqualTo(200);
		String neighbour = "Jane Roe " + UUID.randomUUID().toString().substring(0, 8);

		Api.Response disputed = api.post("/charges/" + charge + "/disputes",
				Map.of("reason", "UNRECOGNIZED", "detail", "My neighbour " + neighbour + " used my card"));
		assertThat(disputed.status()).as(disputed.toString()).isEqualTo(200);
		assertThat(disputed.text("outcome")).isEqualTo("UNDER_REVIEW");
		String caseNumber = disputed.text("caseNumber");
		assertThat(mentions(neighbour)).as("kept while the case is worked").isPositive();

		// resolved in the console, which writes its audit entry (with the note) in the resolution's transaction
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		ConsoleClient.Page resolved = supervisor.post("/console/cases/" + caseNumber + "/resolve",
				Map.of("note", "Checked with " + neighbour + ": it was refunded at the closure"));
		assertThat(resolved.status()).as(resolved.body()).isEqualTo(302);

		assertThat(mentions(neighbour)).as("erased once the case is resolved").isZero();
		assertThat(api.get("/cases/" + caseNumber).text("status")).isEqualTo("RESOLVED");
		assertThat(audit.verify().intact()).as("the chain still verifies after a second erasure").isTrue();
	}

	/** What a supervisor wrote when handing a closed account's escalated case back to the agents goes with the rest. */
	@Test
	void whyASupervisorReturnedAClosedAccountsCaseToTheAgentsIsErasedWhenItIsResolved() {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = fixtures.charges(account).getFirst().path("id").asString();
		fixtures.advance("P1D");
		assertThat(api.post("/accounts/" + account + "/close").status()).isEqualTo(200);
		String neighbour = "Jane Roe " + UUID.randomUUID().toString().substring(0, 8);
		String caseNumber = api.post("/charges/" + charge + "/disputes", Map.of("reason", "UNRECOGNIZED"))
			.text("caseNumber");
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		assertThat(supervisor.post("/console/cases/" + caseNumber + "/escalate", Map.of("reason", "Card shared"))
			.status()).isEqualTo(302);
		// an escalated case nobody owns stays with the supervisors: the supervisor takes it to hand it back
		assertThat(supervisor.post("/console/cases/" + caseNumber + "/assign", Map.of()).status()).isEqualTo(302);
		assertThat(supervisor.post("/console/cases/" + caseNumber + "/return",
				Map.of("note", "Not a fraud: " + neighbour + " is family")).status()).isEqualTo(302);
		assertThat(mentions(neighbour)).as("kept while the case is worked").isPositive();

		assertThat(supervisor.post("/console/cases/" + caseNumber + "/resolve", Map.of("note", "Explained the charge"))
			.status()).isEqualTo(302);

		assertThat(mentions(neighbour)).as("erased once the case is resolved").isZero();
		assertThat(jdbc.sql("SELECT text FROM case_events WHERE case_number = :n AND actor = 'supervisor' AND kind = 'STATUS'")
			.param("n", caseNumber).query(String.class).list())
			.contains("Returned to the agents: (erased when the account was closed)");
	}

	/** Where the neighbour's name is still written: the case, its timeline, the audit trail. */
	private long mentions(String name) {
		return jdbc.sql("""
				SELECT (SELECT count(*) FROM support_cases WHERE strpos(detail, :name) > 0)
				     + (SELECT count(*) FROM case_events WHERE strpos(text, :name) > 0)
				     + (SELECT count(*) FROM audit_events WHERE strpos(coalesce(detail, '') || coalesce(reason, ''), :name) > 0)
				""").param("name", name).query(Long.class).single();
	}
}
