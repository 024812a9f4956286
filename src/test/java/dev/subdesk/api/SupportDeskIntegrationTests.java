package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.shared.SubdeskException;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

class SupportDeskIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Support support;

	@Autowired
	AuditTrail audit;

	@Autowired
	JdbcClient jdbc;

	private String disputeCase() {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
		return api.post("/charges/" + charge + "/disputes", Map.of("reason", "UNRECOGNIZED")).text("caseNumber");
	}

	@Test
	void anEscalatedCaseJoinsTheSupervisorQueueByDueTimeAndTheCustomerIsToldAtEscalationAndResolution() {
		String first = disputeCase();
		String second = disputeCase();
		SupportCase escalated = support.escalate(second, "Customer asks for a refund outside the policy", "agent-ann");
		support.escalate(first, "Second opinion", "agent-bob");
		assertThat(escalated.status()).isEqualTo(SupportCase.Status.ESCALATED);
		assertThat(api.get("/cases/" + second).text("status")).isEqualTo("ESCALATED");
		List<String> queue = support.supervisorQueue().stream().map(SupportCase::caseNumber).toList();
		assertThat(queue).containsSubsequence(first, second);
		assertThatThrownBy(() -> support.escalate(second, "again", "agent-ann")).isInstanceOf(SubdeskException.class);

		SupportCase resolved = support.resolve(second, "Refunded as a goodwill gesture", "supervisor-sue");
		assertThat(resolved.status()).isEqualTo(SupportCase.Status.RESOLVED);
		assertThat(support.supervisorQueue()).extracting(SupportCase::caseNumber).doesNotContain(second);
		String account = resolved.accountId();
		List<String> updates = api.get("/accounts/" + account + "/notices").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals("CASE_UPDATE"))
			.map(n -> n.path("subject").asString())
			.toList();
		assertThat(updates).hasSize(3).anyMatch(s -> s.contains("Vorgesetzte")).anyMatch(s -> s.contains("erledigt")); // in Germany
		assertThat(support.timeline(second)).extracting(Support.TimelineEntry::kind)
			.containsExactly("OPENED", "STATUS", "NOTICE", "STATUS", "NOTICE");
	}

	/**
	 * API.md: a CASE_UPDATE notice is sent when a case "is opened or changes status": waiting for the customer and
	 * opening again are changes of status too. No notice asks the customer to answer it: mail comes from a no-reply
	 * address that nobody reads.
	 */
	@Test
	void theCustomerIsToldWhenTheCaseWaitsForThemAndWhenItIsOpenAgain() {
		String number = disputeCase();
		String account = support.find(number).orElseThrow().accountId();
		assertThat(caseUpdates(account)).hasSize(1);

		support.awaitCustomer(number, "Please send us the bank statement of March", "agent-ann");

		assertThat(caseUpdates(account)).as("told that the case waits for them").hasSize(2);
		String waiting = dev.subdesk.testing.Mailbox.latestBody(api, account, "CASE_UPDATE");
		assertThat(waiting).contains(number, "Please send us the bank statement of March");

		support.reopen(number, "Statement received by post", "agent-ann");
		assertThat(caseUpdates(account)).as("told that it is open again").hasSize(3);
		assertThat(dev.subdesk.testing.Mailbox.latestBody(api, account, "CASE_UPDATE")).contains(number)
			.doesNotContain("Statement received by post");

		support.resolve(number, "Charge explained", "agent-ann");
		assertThat(caseUpdates(account)).hasSize(4);
		assertThat(dev.subdesk.testing.Mailbox.latestBody(api, account, "CASE_UPDATE"))
			.doesNotContain("antworten Sie auf diese E-Mail", "answer this email");
		assertThat(support.timeline(number)).filteredOn(t -> t.kind().equals("NOTICE")).hasSize(3);
	}

	private List<String> caseUpdates(String account) {
		return api.get("/accounts/" + account + "/notices").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals("CASE_UPDATE"))
			.map(n -> n.path("subject").asString())
			.toList();
	}

	@Test
	void theTimelineNamesTheNoticeTheCustomerWasSentByItsSubject() {
		String number = disputeCase();
		support.escalate(number, "Customer asks for a refund outside the policy", "agent-ann");
		support.resolve(number, "Refunded as a goodwill gesture", "supervisor-sue");

		List<String> sent = api.get("/accounts/" + support.find(number).orElseThrow().accountId() + "/notices").json()
			.path("data").values().stream()
			.filter(n -> n.path("type").asString().equals("CASE_UPDATE"))
			.map(n -> n.path("subject").asString())
			.toList();
		List<String> told = support.timeline(number).stream()
			.filter(t -> t.kind().equals("NOTICE"))
			.map(Support.TimelineEntry::text)
			.toList();
		assertThat(told).containsExactly( // in Germany, in German
				"CASE_UPDATE sent: Ihr Vorgang " + number + " wurde an eine Vorgesetzte oder einen Vorgesetzten übergeben",
				"CASE_UPDATE sent: Ihr Vorgang " + number + " ist erledigt");
		assertThat(told).allSatisfy(line -> assertThat(sent).contains(line.substring("CASE_UPDATE sent: ".length())));
	}

	@Test
	void aCaseWithNoCustomerYetClaimsNoNoticeWhenEscalated() {
		String number = support.openUnmatched("Store purchase for no known account", "STORE", "token tok_x").caseNumber();
		support.escalate(number, "Nobody can find the customer", "agent-ann");
		assertThat(support.timeline(number)).filteredOn(t -> t.kind().equals("NOTICE"))
			.extracting(Support.TimelineEntry::text)
			.containsExactly("No customer to tell yet: ESCALATED");
	}

	@Test
	void theAuditTrailRecordsWhoChangedWhatAndDetectsATamperedEntry() {
		String account = api.with("X-Actor", "integrator-jo")
			.post("/accounts", Map.of("email", dev.subdesk.testing.Fixtures.uniqueEmail(), "name", "Jo", "country", "FR"))
			.id();
		List<AuditTrail.Entry> entries = audit.about("/api/v1/accounts");
		assertThat(entries).isNotEmpty();
		AuditTrail.Entry mine = entries.get(entries.size() - 1);
		assertThat(mine.actor()).isEqualTo("integrator-jo");
		assertThat(mine.action()).isEqualTo("POST /api/v1/accounts");
		assertThat(account).startsWith("acct_");
		assertThat(audit.verify().intact()).isTrue();

		jdbc.sql("UPDATE audit_events SET actor = 'mallory' WHERE id = :id").param("id", mine.id()).update();
		try {
			AuditTrail.ChainCheck check = audit.verify();
			assertThat(check.intact()).isFalse();
			assertThat(check.firstBrokenId()).isEqualTo(mine.id());
		}
		finally {
			jdbc.sql("UPDATE audit_events SET actor = 'integrator-jo' WHERE id = :id").param("id", mine.id()).update();
		}
		assertThat(audit.verify().intact()).isTrue();
	}
}
