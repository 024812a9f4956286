package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

class ConsoleSecurityIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AuditTrail audit;

	@Autowired
	JdbcClient jdbc;

	@Test
	void anAnonymousRequestToTheConsoleIsSentToSignIn() {
		ConsoleClient.Page page = new ConsoleClient(port).get("/console");

		assertThat(page.status()).isEqualTo(302);
		assertThat(page.location()).endsWith("/console/sign-in");
	}

	@Test
	void anAnonymousSearchIsSentToSignInAndLooksNobodyUp() {
		long searches = jdbc.sql("SELECT count(*) FROM audit_events WHERE action IN ('SEARCH_HIT', 'SEARCH_BY_CARD')")
			.query(Long.class).single();

		ConsoleClient.Page page = new ConsoleClient(port).post("/console/search", Map.of("q", "a", "last4", "4242"));

		assertThat(page.status()).isEqualTo(302);
		assertThat(page.location()).endsWith("/console/sign-in");
		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE action IN ('SEARCH_HIT', 'SEARCH_BY_CARD')")
			.query(Long.class).single()).isEqualTo(searches);
	}

	@Test
	void aWrongPasswordDoesNotSignIn() {
		ConsoleClient client = new ConsoleClient(port);
		ConsoleClient.Page page = client.post("/console/sign-in", Map.of("username", "agent", "password", "guess"));

		assertThat(page.location()).contains("error");
		assertThat(client.get("/console").status()).isEqualTo(302);
	}

	@Test
	void signingOutEndsTheSession() {
		ConsoleClient client = ConsoleClient.signedIn(port, "agent");

		assertThat(client.post("/console/sign-out", Map.of()).location()).endsWith("/console/sign-in?signed-out");
		assertThat(client.get("/console").status()).isEqualTo(302);
	}

	@Test
	void aFormPostedWithoutTheCsrfTokenIsRefused() {
		ConsoleClient client = ConsoleClient.signedIn(port, "agent");

		assertThat(client.postRaw("/console/cases/CASE-000000/escalate", Map.of("reason", "x")).status()).isEqualTo(403);
	}

	@Test
	void anAgentCannotOpenTheSupervisorPages() {
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");

		assertThat(agent.get("/console").status()).isEqualTo(200);
		assertThat(agent.get("/console/queue").status()).isEqualTo(403);
		assertThat(agent.get("/console/audit").status()).isEqualTo(403);
		assertThat(supervisor.get("/console/queue").status()).isEqualTo(200);
		assertThat(ConsoleClient.signedIn(port, "admin").get("/console/audit").status()).isEqualTo(200);
	}

	@Test
	void theApiIsNotBehindTheConsoleSignIn() {
		assertThat(api.get("/accounts/" + fixtures.account()).status()).isEqualTo(200);
	}

	@Test
	void searchShowsMaskedDataUntilTheCallerIsVerified() {
		String account = fixtures.accountWithVisa();
		String email = api.get("/accounts/" + account).text("email");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		String page = agent.search(email);
		String results = page.substring(page.indexOf("<section"));
		assertThat(results).contains("c***@example.com", "VISA card", "T*** C***").doesNotContain(email);
		assertThat(agent.get("/console/accounts/" + account).body()).contains("We never ask for a full card number, CVC or password.").doesNotContain(email);
	}

	@Test
	void noActionWorksOnAnUnverifiedAccount() {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "vpn-annual");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String base = "/console/accounts/" + account + "/subscriptions/" + subscription;

		ConsoleClient.Page cancel = agent.post(base + "/cancel", Map.of("mode", "IMMEDIATE"));
		ConsoleClient.Page quote = agent.post(base + "/quote", Map.of("mode", "IMMEDIATE"));

		assertThat(cancel.status()).isEqualTo(403);
		assertThat(cancel.body()).contains("CALLER_NOT_VERIFIED");
		assertThat(quote.status()).isEqualTo(403);
		assertThat(fixtures.subscription(subscription).text("status")).isEqualTo("ACTIVE");
		assertThat(audit.about(account)).extracting(AuditTrail.Entry::action).doesNotContain("CANCEL");
	}

	@Test
	void theAuditPageReportsABrokenChainAfterAnEntryIsAlteredInTheDatabase() {
		String account = fixtures.account();
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		supervisor.get("/console/accounts/" + account);
		AuditTrail.Entry entry = audit.about(account).get(0);
		assertThat(supervisor.get("/console/audit").body()).contains("Audit chain intact");

		jdbc.sql("UPDATE audit_events SET actor = 'someone-else' WHERE id = :id").param("id", entry.id()).update();
		try {
			assertThat(supervisor.get("/console/audit").body()).contains("Audit chain broken at entry " + entry.id());
		}
		finally {
			jdbc.sql("UPDATE audit_events SET actor = :actor WHERE id = :id")
				.param("actor", entry.actor())
				.param("id", entry.id())
				.update();
		}
		assertThat(supervisor.get("/console/audit").body()).contains("Audit chain intact");
	}
}
