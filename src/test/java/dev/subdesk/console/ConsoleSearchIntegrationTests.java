package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Finding the caller's account: what a search tells the agent, what it costs, and what the audit trail keeps of it. */
class ConsoleSearchIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	/**
	 * A card's last four digits are a verification answer: a search by name and digits compares them only as a
	 * verification attempt on each account the name finds, so wrong digits use attempts and lock verification after
	 * five, as the verification form would; they are no free oracle for the digits.
	 */
	@Test
	void wrongCardDigitsInANameSearchUseVerificationAttempts() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String part = caller.name().substring(8, 16);
		String link = "/console/accounts/" + caller.account();

		for (String wrong : new String[] { "0000", "0001", "0002", "0003", "0004" }) {
			assertThat(search(agent, part, wrong)).doesNotContain(link).contains("No account matches.");
		}

		ConsoleClient.Page verify = agent.post(link + "/verify",
				Map.of("email", caller.email(), "billingPostcode", "10115"));
		assertThat(agent.followed(verify)).contains("Verification is locked").doesNotContain("Caller verified.");
	}

	/** The right digits find the account and use no attempt (a right answer alone), as on the verification form. */
	@Test
	void theRightCardDigitsInANameSearchFindTheAccountAndUseNoAttempt() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String part = caller.name().substring(8, 16);
		String link = "/console/accounts/" + caller.account();
		for (String wrong : new String[] { "0000", "0001", "0002", "0003" }) {
			search(agent, part, wrong);
		}

		assertThat(search(agent, part, "4242")).contains(link, "VISA card").doesNotContain("4242<");
		assertThat(search(agent, part, "4242")).contains(link);

		assertThat(agent.followed(agent.post(link + "/verify", Map.of("email", caller.email(), "billingPostcode", "10115"))))
			.contains("Caller verified.");
	}

	/** Opening the search page, with or without a query in its address, looks nobody up and writes nothing. */
	@Test
	void aGetOfTheSearchPageWritesNoAuditEntry() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		long before = auditEntries();

		assertThat(agent.get("/console?q=" + URLEncoder.encode(caller.email(), StandardCharsets.UTF_8)).status())
			.isEqualTo(200);
		assertThat(agent.get("/console").status()).isEqualTo(200);

		assertThat(auditEntries()).isEqualTo(before);
	}

	/**
	 * A search is a form posted (its query stays out of addresses, logs and history), audited as who looked up whom,
	 * and answered by a redirect to the page of its masked results.
	 */
	@Test
	void aPostedSearchIsAuditedAndItsResultsShownAfterTheRedirect() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		ConsoleClient.Page posted = agent.post("/console/search", Map.of("q", caller.email()));

		assertThat(posted.status()).isEqualTo(302);
		assertThat(posted.location()).endsWith("/console").doesNotContain("@", "q=");
		String page = agent.get("/console").body();
		String results = page.substring(page.indexOf("<section"));
		assertThat(results).contains("/console/accounts/" + caller.account(), "Q*** ").doesNotContain(caller.email(),
				caller.name());
		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = 'agent' AND action = 'SEARCH_HIT' AND target = :a")
			.param("a", caller.account()).query(Long.class).single()).isOne();
		assertThat(agent.get("/console").body()).as("the results are shown once").doesNotContain(caller.account());
		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = 'agent' AND action = 'SEARCH_HIT' AND target = :a")
			.param("a", caller.account()).query(Long.class).single()).isOne();
	}

	private String search(ConsoleClient agent, String q, String last4) {
		return agent.search(q, last4);
	}

	private long auditEntries() {
		return jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = 'agent'").query(Long.class).single();
	}
}
