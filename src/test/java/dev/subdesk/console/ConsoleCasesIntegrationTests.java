package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ConsoleCasesIntegrationTests extends ApiIntegrationTest {

	@org.springframework.beans.factory.annotation.Autowired
	dev.subdesk.support.Support support;

	private static final Pattern CASE = Pattern.compile("(?:case=|cases/)(CASE-[0-9A-Z]{6})");

	@Test
	void aVerificationOpensACallCaseAndAnEscalationShowsInTheSupervisorQueue() {
		String account = fixtures.accountWithVisa();
		String email = api.get("/accounts/" + account).text("email");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		ConsoleClient.Page verified = agent.post("/console/accounts/" + account + "/verify",
				Map.of("email", email, "cardLast4", "4242"));
		Matcher m = CASE.matcher(verified.location());
		assertThat(m.find()).as(verified.location()).isTrue();
		String caseNumber = m.group(1);
		assertThat(agent.get("/console/accounts/" + account + "?case=" + caseNumber).body()).contains(email,
				"Caller verified.");

		ConsoleClient.Page escalated = agent.post("/console/cases/" + caseNumber + "/escalate",
				Map.of("reason", "Caller disputes a renewal charge"));
		assertThat(escalated.status()).isEqualTo(302);
		assertThat(agent.get("/console/cases/" + caseNumber).body()).contains("ESCALATED",
				"Escalated to a supervisor: Caller disputes a renewal charge", "Caller verification: VERIFIED",
				// the subject of the notice the caller (in Germany) was sent
				"CASE_UPDATE sent: Ihr Vorgang " + caseNumber + " wurde an eine Vorgesetzte oder einen Vorgesetzten übergeben");

		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		assertThat(rowOf(supervisor.get("/console/queue").body(), caseNumber)).contains("Caller disputes a renewal charge")
			.doesNotContain("SLA breached");
		fixtures.advance(java.time.Duration.ofHours(25));
		assertThat(rowOf(supervisor.get("/console/queue").body(), caseNumber)).contains("SLA breached");
	}

	@Test
	void anAccountIsFoundByOrderConfirmationOrCaseNumber() {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "vpn-annual");
		String order = fixtures.subscription(subscription).text("orderNumber");
		String confirmation = fixtures.cancel(subscription, "END_OF_TERM").text("confirmationNumber");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String page = agent.followed(agent.post("/console/accounts/" + account + "/verify", Map.of("cardLast4", "4242")));
		String caseNumber = CASE.matcher(page).results().findFirst().orElseThrow().group(1);

		for (String number : new String[] { order.toLowerCase(), confirmation, caseNumber }) {
			assertThat(agent.search(number)).as(number).contains("/console/accounts/" + account);
		}
		assertThat(agent.search("ORD-0000-0000")).contains("No account matches.");
	}

	private static String rowOf(String page, String caseNumber) {
		int at = page.indexOf(caseNumber + "</a>");
		assertThat(at).as("the queue lists " + caseNumber).isNotNegative();
		return page.substring(at, page.indexOf("</tr>", at));
	}

	@Test
	void fiveFailedVerificationsLockTheAccountAndSayHowManyAttemptsAreLeft() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String verify = "/console/accounts/" + account + "/verify";

		String firstPage = agent.followed(agent.post(verify, Map.of("email", "someone@example.com", "cardLast4", "1111")));
		assertThat(firstPage).contains("Attempts left: 4.");
		String caseNumber = CASE.matcher(firstPage).results().findFirst().orElseThrow().group(1);
		String page = "";
		for (int i = 0; i < 4; i++) {
			page = agent.followed(agent.post(verify, Map.of("email", "someone@example.com", "caseNumber", caseNumber)));
		}

		assertThat(page).contains("Verification is locked until", "security case CASE-");
		String email = api.get("/accounts/" + account).text("email");
		assertThat(agent.followed(agent.post(verify, Map.of("cardLast4", "4242", "email", email, "caseNumber", caseNumber))))
			.contains("Verification is locked until")
			.doesNotContain(email);
	}

	@Test
	void theAgentWhoseFailuresLockedTheAccountCannotTakeItsSecurityCaseByNamingIt() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String verify = "/console/accounts/" + account + "/verify";
		String firstPage = agent.followed(agent.post(verify, Map.of("email", "someone@example.com", "cardLast4", "1111")));
		String caseNumber = CASE.matcher(firstPage).results().findFirst().orElseThrow().group(1);
		String page = "";
		for (int i = 0; i < 4; i++) {
			page = agent.followed(agent.post(verify, Map.of("email", "someone@example.com", "caseNumber", caseNumber)));
		}
		java.util.regex.Matcher security = java.util.regex.Pattern.compile("security case (CASE-[A-Z0-9-]+)").matcher(page);
		assertThat(security.find()).as(page).isTrue();
		String securityCase = security.group(1);
		assertThat(support.find(securityCase).orElseThrow().status()).isEqualTo(dev.subdesk.support.SupportCase.Status.ESCALATED);

		agent.post(verify, Map.of("email", "someone@example.com", "caseNumber", securityCase));

		dev.subdesk.support.SupportCase after = support.find(securityCase).orElseThrow();
		assertThat(after.owner()).as("an escalated case nobody owns waits for a supervisor").isNull();
		assertThat(agent.post("/console/cases/" + securityCase + "/resolve", Map.of("note", "Fine")).status())
			.isEqualTo(403);
	}
}
