package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import dev.subdesk.support.CardSearches;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Finding the caller's account: what a search tells the agent, what it costs, and what the audit trail keeps of it. */
class ConsoleSearchIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	/**
	 * A search is no verification attempt: wrong card digits in a name search find nothing and lock nothing, so the
	 * caller is verified afterwards as ever.
	 */
	@Test
	void wrongCardDigitsInANameSearchUseNoVerificationAttempt() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String part = caller.name().substring(8, 16);
		String link = "/console/accounts/" + caller.account();

		for (String wrong : new String[] { "0000", "0001", "0002", "0003", "0004" }) {
			assertThat(search(agent, part, wrong)).doesNotContain(link).contains("No account matches.");
		}

		ConsoleClient.Page verify = agent.post(link + "/verify",
				Map.of("email", caller.email(), "billingPostcode", "10115"));
		assertThat(agent.followed(verify)).contains("Caller verified.").doesNotContain("Verification is locked");
		assertThat(jdbc.sql("SELECT count(*) FROM caller_verifications WHERE account_id = :a AND NOT succeeded")
			.param("a", caller.account()).query(Long.class).single()).isZero();
	}

	/**
	 * Three accounts named alike: searches by the name and the first one's right digits list it only, and record no
	 * verification attempt on any of them: the others are not locked, no security case is opened and nobody is
	 * emailed, and the agent who had verified the first caller stays verified.
	 */
	@Test
	void cardSearchesOfACommonNameLockNobodyAndUnverifyNobody() {
		String common = "Zeph" + UUID.randomUUID().toString().substring(0, 8);
		Callers callers = new Callers(api);
		Callers.Caller a = callers.withVpn("10115", "Alma " + common + " One", "tok_visa");
		Callers.Caller b = callers.withVpn("10117", "Bert " + common + " Two", "tok_mastercard");
		Callers.Caller c = callers.withVpn("10119", "Cleo " + common + " Three", "tok_mastercard");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		Callers.verify(agent, a, "10115");

		for (int i = 0; i < 5; i++) {
			assertThat(search(agent, common, "4242")).contains("/console/accounts/" + a.account())
				.doesNotContain("/console/accounts/" + b.account(), "/console/accounts/" + c.account());
		}

		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		SoftAssertions.assertSoftly(soft -> {
			soft.assertThat(agent.get("/console/accounts/" + a.account()).body()).as("A still verified").contains(a.email());
			for (Callers.Caller other : List.of(b, c)) {
				String who = other == b ? "B" : "C";
				soft.assertThat(jdbc.sql("SELECT count(*) FROM caller_verifications WHERE account_id = :a")
					.param("a", other.account()).query(Long.class).single()).as(who + " verification attempts").isZero();
				soft.assertThat(jdbc.sql("SELECT string_agg(subject, '; ') FROM support_cases WHERE account_id = :a")
					.param("a", other.account()).query(String.class).optional()).as(who + " cases").isEmpty();
				soft.assertThat(api.get("/accounts/" + other.account() + "/notices").json().path("data").values().stream()
					.filter(n -> "CASE_UPDATE".equals(n.path("type").asString()))).as(who + " CASE_UPDATE notices").isEmpty();
				soft.assertThat(supervisor.followed(supervisor.post("/console/accounts/" + other.account() + "/verify",
						Map.of("email", other.email(), "billingPostcode", other == b ? "10117" : "10119"))))
					.as(who + " not locked").contains("Caller verified.");
			}
		});
	}

	/**
	 * What a search was run with (an email, a name, a card's digits) is not kept in the session, which is stored in the
	 * database until the redirect is followed: only the masked results are.
	 */
	@Test
	void theQueryIsNotKeptInTheStoredSession() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String part = caller.name().substring(8, 16);

		assertThat(agent.post("/console/search", Map.of("q", caller.email())).status()).isEqualTo(302);
		assertThat(storedSessionsContaining(caller.account())).as("the masked hit is kept").isPositive();
		assertThat(storedSessionsContaining(caller.email())).isZero();

		assertThat(agent.post("/console/search", Map.of("q", part, "last4", "4242")).status()).isEqualTo(302);
		assertThat(storedSessionsContaining(part)).isZero();
		assertThat(storedSessionsContaining("last4")).isZero();
	}

	/** The allowance of card-digit searches: {@value CardSearches#PER_HOUR} an hour per agent, each audited. */
	@Test
	void anAgentHasAnHourlyAllowanceOfCardDigitSearches(@Autowired CardSearches cardSearches) {
		String agent = "allowance-" + UUID.randomUUID().toString().substring(0, 8);
		for (int i = 0; i < CardSearches.PER_HOUR; i++) {
			assertThat(cardSearches.allow(agent, "AGENT")).isTrue();
		}
		assertThat(cardSearches.allow(agent, "AGENT")).isFalse();
		assertThat(cardSearches.allow("other-" + agent, "AGENT")).as("another agent's own allowance").isTrue();
		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = :a AND action = 'SEARCH_BY_CARD'")
			.param("a", agent).query(Long.class).single()).isEqualTo(CardSearches.PER_HOUR);
	}

	/** A card-digit search is audited (who, when), never with the digits. */
	@Test
	void aCardDigitSearchIsAuditedWithoutTheDigits() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		long before = jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = 'agent' AND action = 'SEARCH_BY_CARD'")
			.query(Long.class).single();

		search(agent, caller.name().substring(8, 16), "4242");

		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = 'agent' AND action = 'SEARCH_BY_CARD'")
			.query(Long.class).single()).isEqualTo(before + 1);
		assertThat(jdbc.sql("""
				SELECT count(*) FROM audit_events WHERE actor = 'agent' AND action = 'SEARCH_BY_CARD'
				  AND (coalesce(detail, '') || coalesce(reason, '') || target) LIKE '%4242%'""")
			.query(Long.class).single()).isZero();
	}

	private long storedSessionsContaining(String text) {
		return jdbc.sql("""
				SELECT count(*) FROM spring_session_attributes WHERE position(convert_to(:t, 'UTF8') IN attribute_bytes) > 0
				""").param("t", text).query(Long.class).single();
	}

	/** The right digits find the account and use no attempt. */
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
