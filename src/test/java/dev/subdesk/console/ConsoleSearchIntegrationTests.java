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

	/** The allowance of card-digit searches: {@value CardSearches#DEFAULT_PER_HOUR} an hour per agent, each audited. */
	@Test
	void anAgentHasAnHourlyAllowanceOfCardDigitSearches(@Autowired CardSearches cardSearches) {
		assertThat(cardSearches.perHour()).as("the default").isEqualTo(CardSearches.DEFAULT_PER_HOUR).isEqualTo(30);
		String agent = "allowance-" + UUID.randomUUID().toString().substring(0, 8);
		for (int i = 0; i < cardSearches.perHour(); i++) {
			assertThat(cardSearches.allow(agent, "AGENT")).isTrue();
		}
		assertThat(cardSearches.allow(agent, "AGENT")).isFalse();
		assertThat(cardSearches.allow("other-" + agent, "AGENT")).as("another agent's own allowance").isTrue();
		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = :a AND action = 'SEARCH_BY_CARD'")
			.param("a", agent).query(Long.class).single()).isEqualTo(cardSearches.perHour());
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

	/**
	 * A name that finds more than five accounts is narrowed by the digits all the same: the search lists every account
	 * of the name whose card ends in them, and none of the others (nothing is told of their cards).
	 */
	@Test
	void theDigitsNarrowANameThatFindsMoreThanFiveAccounts() {
		String common = "Yarrow" + UUID.randomUUID().toString().substring(0, 8);
		Callers callers = new Callers(api);
		List<Callers.Caller> visa = new java.util.ArrayList<>();
		List<Callers.Caller> mastercard = new java.util.ArrayList<>();
		for (int i = 0; i < 2; i++) {
			visa.add(callers.withVpn("10115", "Vera " + common + " V" + i, "tok_visa"));
		}
		for (int i = 0; i < 6; i++) {
			mastercard.add(callers.withVpn("10117", "Mats " + common + " M" + i, "tok_mastercard"));
		}
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		long hitsBefore = jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = 'agent' AND action = 'SEARCH_HIT'")
			.query(Long.class).single();

		String page = search(agent, common, "4242");

		assertThat(page).contains("2 accounts found.").doesNotContain("More than");
		visa.forEach(c -> assertThat(page).contains("/console/accounts/" + c.account()));
		mastercard.forEach(c -> assertThat(page).doesNotContain("/console/accounts/" + c.account()));
		assertThat(page).doesNotContain("MASTERCARD", "4444");
		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = 'agent' AND action = 'SEARCH_HIT'")
			.query(Long.class).single()).as("only the accounts listed are audited as looked up").isEqualTo(hitsBefore + 2);
		String others = search(agent, common, "4444");
		assertThat(others).contains("6 accounts found.");
		mastercard.forEach(c -> assertThat(others).contains("/console/accounts/" + c.account()));
		assertThat(search(agent, common, "1234")).contains("No account matches.");
		assertThat(jdbc.sql("SELECT count(*) FROM caller_verifications WHERE account_id IN (:a)")
			.param("a", java.util.stream.Stream.concat(visa.stream(), mastercard.stream()).map(Callers.Caller::account).toList())
			.query(Long.class).single()).as("no verification attempt").isZero();
	}

	/**
	 * The digits narrow the whole name match, and a search lists at most 20 accounts: when more of the name's accounts
	 * have a card ending in them, it lists the newest 20 of those, as a name alone does, and says there are more and how
	 * to narrow it (more of the name, or the email, an order, confirmation or case number); the name's accounts the
	 * digits do not match are still not listed, and only the accounts listed are audited as looked up.
	 */
	@Test
	void moreThanTwentyAccountsMatchingTheNameAndDigitsListTheNewest20AndSayThereAreMore() {
		String common = "Quill" + UUID.randomUUID().toString().substring(0, 8);
		Callers callers = new Callers(api);
		List<String> accounts = new java.util.ArrayList<>();
		for (int i = 0; i < 21; i++) {
			accounts.add(callers.withVpn("10115", "Una " + common + " N" + i, "tok_visa").account());
		}
		List<String> others = new java.util.ArrayList<>();
		for (int i = 0; i < 2; i++) {
			others.add(callers.withVpn("10117", "Mats " + common + " M" + i, "tok_mastercard").account());
		}
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		long hitsBefore = jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = 'agent' AND action = 'SEARCH_HIT'")
			.query(Long.class).single();

		String page = search(agent, common, "4242");

		assertThat(page).contains("20 accounts found.", "More than 20 accounts with this name have a card ending in these "
				+ "digits; the newest 20 are listed. Give more of the name, or search by the caller");
		accounts.subList(1, 21).forEach(a -> assertThat(page).contains("/console/accounts/" + a));
		assertThat(page).as("the oldest is left out").doesNotContain("/console/accounts/" + accounts.get(0));
		others.forEach(a -> assertThat(page).as("the digits do not match").doesNotContain("/console/accounts/" + a));
		assertThat(page).doesNotContain("MASTERCARD", "4444");
		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = 'agent' AND action = 'SEARCH_HIT'")
			.query(Long.class).single()).as("only the accounts listed are audited as looked up").isEqualTo(hitsBefore + 20);
		assertThat(search(agent, common + " N0", "4242")).as("the oldest, reached with more of the name")
			.contains("1 account found.", "/console/accounts/" + accounts.get(0)).doesNotContain("More than");
	}

	/**
	 * A name alone lists the newest 20 of its accounts, and when it finds more, says so and how to narrow it, so the
	 * agent reaches the others: more of the name (or the digits, or the email, an order, confirmation or case number).
	 */
	@Test
	void aNameFindingMoreThanTwentyAccountsListsTheNewest20AndSaysThereAreMore() {
		String common = "Tansy" + UUID.randomUUID().toString().substring(0, 8);
		Callers callers = new Callers(api);
		List<String> accounts = new java.util.ArrayList<>();
		for (int i = 0; i < 21; i++) {
			accounts.add(callers.withVpn("10115", "Ines " + common + " N" + i, "tok_visa").account());
		}
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		String page = search(agent, common, "");

		accounts.subList(1, 21).forEach(a -> assertThat(page).contains("/console/accounts/" + a));
		assertThat(page).doesNotContain("/console/accounts/" + accounts.get(0));
		assertThat(page).contains("More than 20 accounts match; the newest 20 are listed. Give more of the name");
		assertThat(search(agent, common + " N0", "")).as("the oldest, reached with more of the name")
			.contains("1 account found.", "/console/accounts/" + accounts.get(0)).doesNotContain("More than");
		assertThat(search(agent, common + " N1", "")).as("N1 and N10 to N19: 11, no hint")
			.contains("11 accounts found.").doesNotContain("More than");
	}

	/**
	 * An old link with the query in its address ({@code GET /console?q=...}) fills the form with it and says to press
	 * Search; it runs no search and writes no audit entry.
	 */
	@Test
	void anOldLinkWithAQueryFillsTheFormAndRunsNothing() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		long before = auditEntries();

		ConsoleClient.Page page = agent.get("/console?q=" + URLEncoder.encode(caller.email(), StandardCharsets.UTF_8));

		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("value=\"" + caller.email() + "\"", "press Search")
			.doesNotContain("/console/accounts/" + caller.account(), "Results");
		assertThat(agent.get("/console?q=%3Cb%3Ex%3C%2Fb%3E").body()).as("escaped")
			.contains("value=\"&lt;b&gt;x&lt;/b&gt;\"").doesNotContain("<b>x</b>");
		assertThat(agent.get("/console").body()).as("no link, no line").doesNotContain("press Search");
		assertThat(agent.get("/console?q=4242+4242+4242+4242").body()).as("card digits are never filled in")
			.doesNotContain("4242").doesNotContain("press Search");
		assertThat(agent.get("/console?q=ORD-12345678").body()).as("an order number is")
			.contains("value=\"ORD-12345678\"");
		assertThat(agent.get("/console?q=jo.1987%40example.com").body()).as("so is an email with digits")
			.contains("value=\"jo.1987@example.com\"");
		assertThat(auditEntries()).isEqualTo(before);
	}

	/** Signed out, an old link with a query is sent to sign-in and shows nothing of it. */
	@Test
	void anOldLinkWithAQueryIsSentToSignInWhenSignedOut() {
		String email = "nobody-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";

		ConsoleClient.Page page = new ConsoleClient(port).get("/console?q=" + URLEncoder.encode(email, StandardCharsets.UTF_8));

		assertThat(page.status()).isEqualTo(302);
		assertThat(page.location()).endsWith("/console/sign-in");
		assertThat(page.body()).doesNotContain(email);
		// nor keeps it: no request is saved in a session for after the sign-in (the stored sessions' attributes)
		assertThat(storedSessionsContaining(email)).isZero();
	}

	/**
	 * A vague name would tell, in one search, whose card among many strangers ends in the digits: a name that finds
	 * more than 25 accounts is not narrowed by them, and nothing is listed.
	 */
	@Test
	void aNameFindingMoreThanTwentyFiveAccountsIsNotNarrowedByDigits() {
		String common = "Vale" + UUID.randomUUID().toString().substring(0, 8);
		Callers callers = new Callers(api);
		List<String> accounts = new java.util.ArrayList<>();
		for (int i = 0; i < 26; i++) {
			accounts.add(callers.withVpn("10115", "Ada " + common + " V" + i, "tok_visa").account());
		}
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		String page = search(agent, common, "4242");

		assertThat(page).contains("More than 25 accounts have this name");
		accounts.forEach(a -> assertThat(page).doesNotContain("/console/accounts/" + a));
	}

	/**
	 * An account of the name whose verification is locked is listed whatever the digits, its card unchecked (the lock
	 * stops guessing at its answers); the name's other accounts only when the digits match.
	 */
	@Test
	void aLockedAccountOfTheNameIsListedWithItsCardUnchecked() {
		String common = "Wren" + UUID.randomUUID().toString().substring(0, 8);
		Callers callers = new Callers(api);
		Callers.Caller locked = callers.withVpn("10115", "Lou " + common + " L", "tok_visa");
		Callers.Caller open = callers.withVpn("10117", "Ola " + common + " O", "tok_visa");
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String page = "";
		for (int i = 0; i < 5; i++) {
			page = supervisor.followed(supervisor.post("/console/accounts/" + locked.account() + "/verify",
					Map.of("email", "someone-else@example.com", "billingPostcode", "99999")));
		}
		assertThat(page).contains("Verification is locked until");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		String wrong = search(agent, common, "4444");

		assertThat(wrong).contains("1 account found.", "/console/accounts/" + locked.account(), "card not checked")
			.doesNotContain("/console/accounts/" + open.account());
		assertThat(search(agent, common, "4242")).contains("2 accounts found.", "/console/accounts/" + open.account());
	}

	/**
	 * A locked account of the name is listed whatever its cards, so when one is among more than 20 accounts found the
	 * page does not say that more than 20 of the name have a card ending in the digits (here only 20 do): it says
	 * they have such a card or their verification locked.
	 */
	@Test
	void moreThanTwentyFoundWithALockedOneAmongThemDoNotAllClaimACardEndingInTheDigits() {
		String common = "Sorrel" + UUID.randomUUID().toString().substring(0, 8);
		Callers callers = new Callers(api);
		List<String> accounts = new java.util.ArrayList<>();
		for (int i = 0; i < 20; i++) {
			accounts.add(callers.withVpn("10115", "Una " + common + " N" + i, "tok_visa").account());
		}
		Callers.Caller locked = callers.withVpn("10117", "Lou " + common + " L", "tok_mastercard");
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String verifying = "";
		for (int i = 0; i < 5; i++) {
			verifying = supervisor.followed(supervisor.post("/console/accounts/" + locked.account() + "/verify",
					Map.of("email", "someone-else@example.com", "billingPostcode", "99999")));
		}
		assertThat(verifying).contains("Verification is locked until");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		String page = search(agent, common, "4242");

		assertThat(page).contains("20 accounts found.", "/console/accounts/" + locked.account(), "card not checked")
			.doesNotContain("More than 20 accounts with this name have a card ending in these digits;")
			.contains("More than 20 accounts with this name have a card ending in these digits or their verification "
					+ "locked (listed whatever their cards); the newest 20 are listed. Give more of the name, or search "
					+ "by the caller");
		assertThat(page).doesNotContain("/console/accounts/" + accounts.get(0));
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
