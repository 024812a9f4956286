package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A case opened for staff only ({@link Support#openOrAddForStaff}, such as a store's voided order whose subscription
 * an agent must find): the customer was never told about it, so nothing an agent does on it in the console emails
 * them, and the case page says so.
 */
class ConsoleInternalCaseIntegrationTests extends ApiIntegrationTest {

	private static final String NOT_TOLD = "The customer has not been told about this case";

	@Autowired
	Support support;

	@Autowired
	dev.subdesk.accounts.Accounts accounts;

	@Test
	void resolvingAnInternalCaseEmailsTheCustomerNothing() {
		String account = fixtures.accountWithVisa();
		String caseNumber = internalCase(account);
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String casePath = "/console/cases/" + caseNumber;
		assertThat(agent.followed(agent.post(casePath + "/assign", Map.of()))).contains("The case is yours.");

		String page = agent.followed(agent.post(casePath + "/resolve",
				Map.of("note", "Found the subscription of the voided order; refunded it")));

		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.RESOLVED);
		assertThat(caseUpdates(account)).as("CASE_UPDATE notices in the account's outbox").isEmpty();
		assertThat(page).as("the agent is not told that an email went").doesNotContain("the customer has been told")
			.contains("Resolved; the customer was not told (an internal case).", NOT_TOLD);
		assertThat(support.timeline(caseNumber)).extracting(Support.TimelineEntry::text)
			.noneMatch(text -> text.startsWith("CASE_UPDATE sent"));
	}

	@Test
	void escalatingReopeningAndResolvingAnInternalCaseEmailsTheCustomerNothing() {
		String account = fixtures.accountWithVisa();
		String caseNumber = internalCase(account);
		String casePath = "/console/cases/" + caseNumber;
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		agent.followed(agent.post(casePath + "/assign", Map.of()));
		assertThat(agent.post(casePath + "/escalate", Map.of("reason", "The order matches two subscriptions")).status())
			.isEqualTo(302);
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);

		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String queue = supervisor.get("/console/queue").body();
		int row = queue.indexOf(caseNumber + "</a>");
		assertThat(row).as("the queue lists " + caseNumber).isNotNegative();
		assertThat(queue.substring(row, queue.indexOf("</tr>", row))).contains("(internal: the customer has not been told)");
		supervisor.followed(supervisor.post(casePath + "/resolve", Map.of("note", "Refunded the newer one")));
		supervisor.followed(supervisor.post(casePath + "/reopen", Map.of("note", "Google Play voided another order")));
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);
		supervisor.followed(supervisor.post(casePath + "/resolve", Map.of("note", "Refunded that one too")));

		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.RESOLVED);
		assertThat(caseUpdates(account)).as("CASE_UPDATE notices in the account's outbox").isEmpty();
	}

	@Test
	void anInternalCaseDoesNotWaitForACustomerWhoKnowsNothingOfIt() {
		String account = fixtures.accountWithVisa();
		String caseNumber = internalCase(account);
		String casePath = "/console/cases/" + caseNumber;
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		agent.followed(agent.post(casePath + "/assign", Map.of()));
		assertThat(agent.get(casePath).body()).doesNotContain("Wait for the customer").contains("Resolve case");

		ConsoleClient.Page pending = agent.post(casePath + "/pending", Map.of("note", "Customer sends the receipt"));

		assertThat(pending.status()).as(pending.body()).isEqualTo(409);
		assertThat(pending.body()).contains("CASE_NOT_OPEN", "internal");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.OPEN);
		assertThat(caseUpdates(account)).isEmpty();
	}

	@Test
	void theCasePageSaysWhenTheCustomerHasNotBeenToldAboutTheCase() {
		String account = fixtures.accountWithVisa();
		String internal = internalCase(account);
		String told = support.open(accounts.get(account), "Renewal question", "WEB", null, null).caseNumber();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		assertThat(support.find(internal).orElseThrow().internal()).isTrue();
		assertThat(support.find(told).orElseThrow().internal()).isFalse();
		agent.followed(agent.post("/console/cases/" + internal + "/assign", Map.of()));
		agent.followed(agent.post("/console/cases/" + told + "/assign", Map.of()));
		assertThat(agent.get("/console/cases/" + internal).body()).contains(NOT_TOLD)
			.contains("Resolution (for staff only: the customer is not told)")
			.doesNotContain("the customer reads it in the email");
		assertThat(agent.get("/console/cases/" + told).body()).doesNotContain(NOT_TOLD)
			.contains("Resolution (the customer reads it in the email)", "Wait for the customer");
		assertThat(caseUpdates(account)).as("only the ordinary case's opening").hasSize(1);
	}

	/**
	 * One internal case is open per thing it tracks (its reference, V771): once a resolved one's thing opened another,
	 * reopening the resolved one is refused with CASE_NOT_REOPENABLE naming the open case to work on (not a dispute's
	 * words: no charge is disputed), and it stays resolved.
	 */
	@Test
	void reopeningAResolvedInternalCaseWhileAnotherOpenCaseTracksTheSameThingNamesThatCase() {
		String account = fixtures.accountWithVisa();
		String first = internalCase(account);
		support.resolve(first, "Placed the voided order", "agent");
		String second = internalCase(account);
		assertThat(second).isNotEqualTo(first);
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");

		ConsoleClient.Page reopened = supervisor.post("/console/cases/" + first + "/reopen",
				Map.of("note", "Google Play voided another order"));

		assertThat(reopened.status()).as(reopened.body()).isEqualTo(409);
		assertThat(reopened.body()).contains("CASE_NOT_REOPENABLE", "Another open case already tracks this: " + second)
			.doesNotContain("disputed charge");
		assertThat(support.find(first).orElseThrow().status()).isEqualTo(SupportCase.Status.RESOLVED);
		assertThat(support.find(second).orElseThrow().status()).isEqualTo(SupportCase.Status.OPEN);
	}

	/** A case on the account that its customer is not told about, as a voided store order opens one. */
	private String internalCase(String account) {
		return support.openOrAddForStaff(account, "TEST:" + account, "A voided order to place", "STORE",
				"The store voided an order of a purchase of this account.", "Order GPA.0000-0000-0000-00000").caseNumber();
	}

	private List<JsonNode> caseUpdates(String account) {
		List<JsonNode> found = new java.util.ArrayList<>();
		for (JsonNode notice : api.get("/accounts/" + account + "/notices?limit=50").json().path("data").values()) {
			if ("CASE_UPDATE".equals(notice.path("type").asString())) {
				found.add(notice);
			}
		}
		return found;
	}
}
