package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Working a case in the console: taking it, waiting for the customer, resolving with a note, reopening. */
class ConsoleCaseWorkIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Support support;

	@Autowired
	dev.subdesk.support.AuditTrail audit;

	@Autowired
	dev.subdesk.accounts.Accounts accounts;

	@Autowired
	javax.sql.DataSource dataSource;

	@Autowired
	org.springframework.jdbc.core.simple.JdbcClient jdbc;

	@Test
	void aCallersCaseIsTheVerifyingAgents() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = agent.callCase(api, account);
		assertThat(support.find(caseNumber).orElseThrow().owner()).isEqualTo("agent");
		assertThat(agent.get("/console/accounts/" + account + "?case=" + caseNumber).body())
			.contains("id=\"case-choice\"", "The case is yours.");
	}

	@Test
	void theCasePageShowsNoOrderNumberToAStaffMemberWhoHasNotVerifiedTheCaller() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		String order = fixtures.subscription(caller.subscription()).text("orderNumber");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		assertThat(agent.post("/console/accounts/" + caller.account() + "/subscriptions/" + caller.subscription()
				+ "/auto-renew", Map.of("autoRenew", "false", "caseNumber", caseNumber)).status()).isEqualTo(302);

		assertThat(agent.get("/console/cases/" + caseNumber).body()).as("the verifying agent").contains(order);
		String unverified = ConsoleClient.signedIn(port, "supervisor").get("/console/cases/" + caseNumber).body();
		assertThat(unverified).as("an order number answers the verification questions").doesNotContain(order)
			.contains("ORD-****-****");
	}

	@Test
	void theCasePageShowsNoEmailOrPostcodeOfTheCustomerUntilTheStaffMemberHasVerifiedTheCaller() {
		Callers.Caller caller = new Callers(api).withVpn("SW1A 1AA");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "SW1A 1AA");
		String casePath = "/console/cases/" + caseNumber;
		agent.followed(agent.post(casePath + "/pending", Map.of("note",
				"Customer sends the bank statement from " + caller.email() + " (billing postcode SW1A 1AA, old one 10115)")));
		assertThat(agent.get(casePath).body()).as("the verifying agent")
			.contains(caller.email(), "SW1A 1AA", "10115");

		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String unverified = supervisor.get(casePath).body();
		int at = caller.email().indexOf('@');
		String tld = caller.email().substring(caller.email().lastIndexOf('.'));
		assertThat(unverified).as("before the supervisor has verified the caller")
			.doesNotContain(caller.email(), caller.email().substring(at), "SW1A 1AA", "10115")
			.contains(caller.email().charAt(0) + "***@" + caller.email().charAt(at + 1) + "***" + tld)
			.contains("Waiting for the customer: Customer sends the bank statement from");

		Callers.verify(supervisor, caller, "SW1A 1AA");
		assertThat(supervisor.get(casePath).body()).as("once verified")
			.contains(caller.email(), "SW1A 1AA", "10115");
	}

	@Test
	void theQueueAndTheAuditTrailShowNoEmailOrPostcodeOfTheCustomerUntilTheStaffMemberHasVerifiedTheCaller() {
		Callers.Caller caller = new Callers(api).withVpn("SW1A 1AA");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "SW1A 1AA");
		String casePath = "/console/cases/" + caseNumber;
		agent.followed(agent.post(casePath + "/pending", Map.of("note",
				"Customer sends the bank statement from " + caller.email() + " (billing postcode SW1A 1AA)")));
		assertThat(agent.post(casePath + "/escalate", Map.of("reason",
				"Refund to the card with postcode 10115, the customer asks at " + caller.email())).status()).isEqualTo(302);
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);

		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		int at = caller.email().indexOf('@');
		String masked = caller.email().charAt(0) + "***@" + caller.email().charAt(at + 1) + "***"
				+ caller.email().substring(caller.email().lastIndexOf('.'));
		String[] answers = { caller.email(), caller.email().substring(at), "SW1A 1AA", "10115" };
		assertThat(queueRow(supervisor, caseNumber)).as("the queue, before the supervisor has verified the caller")
			.doesNotContain(answers).contains("Refund to the card with postcode ***, the customer asks at " + masked);
		for (String target : new String[] { caseNumber, caller.account() }) {
			assertThat(supervisor.get("/console/audit?target=" + target).body())
				.as("the audit trail about " + target + ", before the supervisor has verified the caller")
				.doesNotContain(answers)
				.contains("Customer sends the bank statement from " + masked, "Refund to the card with postcode ***");
		}

		Callers.verify(supervisor, caller, "SW1A 1AA");
		assertThat(queueRow(supervisor, caseNumber)).as("the queue, once verified").contains(caller.email(), "10115");
		assertThat(supervisor.get("/console/audit?target=" + caseNumber).body()).as("the audit trail, once verified")
			.contains(caller.email(), "SW1A 1AA", "10115");
	}

	private static String queueRow(ConsoleClient supervisor, String caseNumber) {
		String page = supervisor.get("/console/queue").body();
		int at = page.indexOf(caseNumber + "</a>");
		assertThat(at).as("the queue lists " + caseNumber).isNotNegative();
		return page.substring(at, page.indexOf("</tr>", at));
	}

	@Test
	void aVerificationNamedWithAnOldResolvedCaseIsANewCallWithACaseOfItsOwn() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String old = Callers.verify(agent, caller, "10115");
		assertThat(agent.post("/console/cases/" + old + "/resolve", Map.of("note", "Answered")).status()).isEqualTo(302);
		fixtures.advance("PT1M");
		String live = Callers.verify(agent, caller, "10115");

		// the next caller about the account, verified from a page opened on the old case (another tab, say)
		ConsoleClient.Page next = agent.post("/console/accounts/" + caller.account() + "/verify",
				Map.of("email", caller.email(), "billingPostcode", "10115", "contact", "PHONE", "caseNumber", old));
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("case=(CASE-[0-9A-Z]{6})").matcher(next.location());
		assertThat(m.find()).as(next.location()).isTrue();
		assertThat(m.group(1)).as("a new call's case, not the previous call's").isNotEqualTo(live).isNotEqualTo(old);
		assertThat(support.timeline(live)).extracting(Support.TimelineEntry::text)
			.filteredOn(text -> text.contains("Caller verification"))
			.as("the previous call's case holds its own verification only").hasSize(1);
	}

	@Test
	void anAccountOpenedFromAnOldResolvedCaseActsOnTheCaseOfTheLiveVerification() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String old = Callers.verify(agent, caller, "10115");
		assertThat(agent.post("/console/cases/" + old + "/resolve", Map.of("note", "Answered")).status()).isEqualTo(302);
		fixtures.advance("PT1M");
		String live = Callers.verify(agent, caller, "10115");
		assertThat(live).as("the next call's case").isNotEqualTo(old);

		// the agent opens the account from the old case's page: its forms name the resolved case
		assertThat(agent.get("/console/accounts/" + caller.account() + "?case=" + old).body())
			.as("the account page names the live call's case").contains("Case: <a id=\"case-link\" href=\"/console/cases/" + live);
		ConsoleClient.Page autoRenew = agent.post("/console/accounts/" + caller.account() + "/subscriptions/"
				+ caller.subscription() + "/auto-renew", Map.of("autoRenew", "false", "caseNumber", old));
		assertThat(autoRenew.location()).contains("case=" + live);
		assertThat(agent.post("/console/accounts/" + caller.account() + "/subscriptions/" + caller.subscription()
				+ "/quote", Map.of("mode", "END_OF_TERM", "caseNumber", old)).status()).isEqualTo(200);

		assertThat(support.timeline(live)).extracting(Support.TimelineEntry::text)
			.anyMatch(text -> text.startsWith("AUTO_RENEW"))
			.anyMatch(text -> text.startsWith("QUOTE_CANCELLATION"));
		assertThat(support.timeline(old)).extracting(Support.TimelineEntry::text)
			.noneMatch(text -> text.startsWith("AUTO_RENEW") || text.startsWith("QUOTE_CANCELLATION"));
		assertThat(jdbc.sql("SELECT count(*) FROM support_cases WHERE account_id = :a").param("a", caller.account())
			.query(Integer.class).single()).as("no third case for the same call").isEqualTo(2);
	}

	@Test
	void anAgentTakesTheCaseThenResolvesItWithANoteAndTheCustomerIsToldByEmail() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		// a case from the portal: nobody owns it until an agent takes it
		String caseNumber = support.open(accounts.get(account), "Renewal question", "WEB", null, null).caseNumber();
		String casePath = "/console/cases/" + caseNumber;

		ConsoleClient.Page notYours = agent.post(casePath + "/resolve", Map.of("note", "Done"));
		assertThat(notYours.status()).isEqualTo(403);
		assertThat(notYours.body()).contains("CASE_NOT_YOURS");
		assertThat(agent.get(casePath).body()).contains("Assign to me").doesNotContain("Resolve case");

		assertThat(agent.followed(agent.post(casePath + "/assign", Map.of()))).contains("The case is yours.");
		assertThat(support.find(caseNumber).orElseThrow().owner()).isEqualTo("agent");
		assertThat(agent.followed(agent.post(casePath + "/resolve", Map.of("note", "  "))))
			.contains("Write what was done to resolve the case.");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.OPEN);

		String page = agent.followed(agent.post(casePath + "/resolve",
				Map.of("note", "Explained the renewal date; nothing to refund")));

		assertThat(page).contains("Resolved; the customer has been told by email.", "RESOLVED",
				"Resolved: Explained the renewal date; nothing to refund", "Owner: agent", "Reopen case");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.RESOLVED);
		assertThat(caseUpdates(account)).anySatisfy(notice -> {
			assertThat(notice.path("subject").asString()).isEqualTo("Ihr Vorgang " + caseNumber + " ist erledigt"); // in Germany
			assertThat(notice.path("body").asString()).contains("Explained the renewal date; nothing to refund");
		});
	}

	@Test
	void aResolvedDisputeCaseWhoseChargeADisputeHasReopenedSinceCannotBeReopenedAndSaysWhy() {
		String account = fixtures.accountWithVisa();
		fixtures.subscribe(account, "antivirus-annual");
		String charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("id").asString();
		String first = api.post("/charges/" + charge + "/disputes", Map.of("reason", "UNRECOGNIZED")).text("caseNumber");
		support.resolve(first, "Explained the charge", "agent");
		String second = api.post("/charges/" + charge + "/disputes", Map.of("reason", "UNRECOGNIZED")).text("caseNumber");
		assertThat(second).isNotEqualTo(first);
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		ConsoleClient.Page reopened = agent.post("/console/cases/" + first + "/reopen", Map.of("note", "Called back"));

		assertThat(reopened.status()).as("not a 500").isEqualTo(409);
		assertThat(reopened.body()).contains("another open case handles now: " + second, "CASE_NOT_REOPENABLE");
		assertThat(support.find(first).orElseThrow().status()).isEqualTo(SupportCase.Status.RESOLVED);
	}

	@Test
	void anEscalatedCaseSetToWaitForTheCustomerIsBackInTheSupervisorsQueueWhenReopened() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = agent.callCase(api, account);
		String casePath = "/console/cases/" + caseNumber;
		agent.followed(agent.post(casePath + "/escalate", Map.of("reason", "Wants a manager")));
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);

		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		supervisor.followed(supervisor.post(casePath + "/pending", Map.of("note", "Sends the bank statement")));
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.PENDING_CUSTOMER);
		assertThat(support.supervisorQueue()).extracting(SupportCase::caseNumber).doesNotContain(caseNumber);
		// waiting does not take it off the supervisors' hands: its owner still does not resolve it
		ConsoleClient.Page resolved = agent.post(casePath + "/resolve", Map.of("note", "Statement received, done"));
		assertThat(resolved.status()).as(resolved.body()).isEqualTo(403);
		assertThat(resolved.body()).contains("CASE_NOT_YOURS");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.PENDING_CUSTOMER);
		assertThat(agent.get(casePath).body()).doesNotContain("Resolve case").contains("Reopen case");
		agent.followed(agent.post(casePath + "/reopen", Map.of("note", "Statement received")));

		assertThat(support.find(caseNumber).orElseThrow().status()).as("still the supervisors'")
			.isEqualTo(SupportCase.Status.ESCALATED);
		assertThat(support.supervisorQueue()).extracting(SupportCase::caseNumber).contains(caseNumber);
	}

	@Test
	void aCaseWaitsForTheCustomerAndOpensAgainWithAFreshServiceLevel() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = agent.callCase(api, account);
		String casePath = "/console/cases/" + caseNumber;
		agent.followed(agent.post(casePath + "/assign", Map.of()));

		agent.followed(agent.post(casePath + "/pending", Map.of("note", "Customer sends the bank statement")));
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.PENDING_CUSTOMER);
		assertThat(agent.get(casePath).body()).contains("Waiting for the customer: Customer sends the bank statement");

		fixtures.advance(java.time.Duration.ofHours(30));
		assertThat(agent.followed(agent.post(casePath + "/reopen", Map.of("note", "Statement received"))))
			.contains("The case is open again.", "Reopened: Statement received");
		SupportCase reopened = support.find(caseNumber).orElseThrow();
		assertThat(reopened.status()).isEqualTo(SupportCase.Status.OPEN);
		assertThat(reopened.slaDueAt()).isAfter(reopened.updatedAt());

		agent.post(casePath + "/resolve", Map.of("note", "Refund not needed"));
		agent.post(casePath + "/reopen", Map.of("note", "Customer called back"));
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.OPEN);
		assertThat(agent.post(casePath + "/pending", Map.of("note", "Customer checks the device list")).status())
			.isEqualTo(302);
		ConsoleClient.Page notOpen = agent.post(casePath + "/pending", Map.of("note", "again"));
		assertThat(notOpen.status()).isEqualTo(409);
		assertThat(notOpen.body()).contains("CASE_NOT_OPEN");
	}

	@Test
	void anotherAgentsCaseIsResolvedByASupervisorNotTakenOverByAnAgent() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = agent.callCase(api, account);
		String casePath = "/console/cases/" + caseNumber;
		String colleague = "agent-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		assertThat(ConsoleClient.signedIn(port, "admin").post("/console/staff", Map.of("username", colleague,
				"displayName", "Another agent", "role", "AGENT", "password", ConsoleClient.PASSWORD)).status()).isEqualTo(302);
		support.assign(caseNumber, colleague, colleague);

		ConsoleClient.Page takeOver = agent.post(casePath + "/assign", Map.of());
		assertThat(takeOver.status()).isEqualTo(403);
		assertThat(takeOver.body()).contains("CASE_OWNED");
		assertThat(agent.get(casePath).body()).contains("Only the owner or a supervisor can resolve this case.");
		ConsoleClient.signedIn(port, colleague).post(casePath + "/escalate", Map.of("reason", "Caller wants a supervisor"));

		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		assertThat(supervisor.get("/console/queue").body()).contains(caseNumber);
		supervisor.post(casePath + "/resolve", Map.of("note", "Supervisor called the customer back"));

		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.RESOLVED);
		assertThat(support.find(caseNumber).orElseThrow().owner()).isEqualTo(colleague);
		assertThat(supervisor.get("/console/queue").body()).doesNotContain(caseNumber);
		assertThat(caseUpdates(account)).extracting(n -> n.path("subject").asString())
			.contains("Ihr Vorgang " + caseNumber + " wurde an eine Vorgesetzte oder einen Vorgesetzten übergeben",
					"Ihr Vorgang " + caseNumber + " ist erledigt"); // the account is in Germany
	}

	/**
	 * An escalated case is the supervisors': the agent who owns it (who escalated it, or whose case a supervisor
	 * escalated) neither resolves it nor sets it to wait, so no customer is told of a resolution no supervisor made.
	 */
	@Test
	void theAgentWhoOwnsAnEscalatedCaseCanNeitherResolveItNorSetItToWait() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String escalatedByTheAgent = agent.callCase(api, account);
		agent.followed(agent.post("/console/cases/" + escalatedByTheAgent + "/escalate",
				Map.of("reason", "Wants a refund outside the policy")));
		String escalatedByASupervisor = agent.callCase(api, fixtures.accountWithVisa());
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		supervisor.followed(supervisor.post("/console/cases/" + escalatedByASupervisor + "/escalate",
				Map.of("reason", "Refund outside the policy")));

		for (String caseNumber : java.util.List.of(escalatedByTheAgent, escalatedByASupervisor)) {
			String casePath = "/console/cases/" + caseNumber;
			SupportCase before = support.find(caseNumber).orElseThrow();
			assertThat(before.status()).isEqualTo(SupportCase.Status.ESCALATED);
			assertThat(before.owner()).isEqualTo("agent");
			String caseAccount = before.accountId();
			int noticesBefore = caseUpdates(caseAccount).size();

			ConsoleClient.Page resolve = agent.post(casePath + "/resolve", Map.of("note", "Sorted it myself"));
			ConsoleClient.Page pending = agent.post(casePath + "/pending", Map.of("note", "Send the bank statement"));

			assertThat(resolve.status()).as(resolve.body()).isEqualTo(403);
			assertThat(resolve.body()).contains("CASE_NOT_YOURS");
			assertThat(pending.status()).as(pending.body()).isEqualTo(403);
			assertThat(pending.body()).contains("CASE_NOT_YOURS");
			assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);
			assertThat(support.supervisorQueue()).extracting(SupportCase::caseNumber).contains(caseNumber);
			assertThat(jdbc.sql("""
					SELECT count(*) FROM audit_events
					WHERE case_number = :c AND action IN ('RESOLVE_CASE', 'CASE_PENDING_CUSTOMER')""")
				.param("c", caseNumber).query(Long.class).single()).isZero();
			assertThat(caseUpdates(caseAccount)).as("no email to the customer").hasSize(noticesBefore);
			assertThat(agent.get(casePath).body()).as("the page offers neither")
				.doesNotContain("Resolve case", "Wait for the customer").contains("Only a supervisor");
			assertThat(agent.get("/console/accounts/" + caseAccount + "?case=" + caseNumber).body())
				.as("nor does the contact's close-out").doesNotContain("id=\"case-choice\"");
		}

		assertThat(supervisor.followed(supervisor.post("/console/cases/" + escalatedByTheAgent + "/resolve",
				Map.of("note", "Refunded as a goodwill gesture")))).contains("Resolved; the customer has been told by email.");
		assertThat(support.find(escalatedByTheAgent).orElseThrow().status()).isEqualTo(SupportCase.Status.RESOLVED);
	}

	/** An escalated case whose owner has left (their account disabled) waits for a supervisor, not for another agent. */
	@Test
	void anEscalatedCaseOfADisabledAgentIsNotTakenByAnotherAgent() {
		String account = fixtures.accountWithVisa();
		String leaver = "agent-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		assertThat(admin.post("/console/staff", Map.of("username", leaver, "displayName", "A leaver", "role", "AGENT",
				"password", ConsoleClient.PASSWORD)).status()).isEqualTo(302);
		ConsoleClient owner = ConsoleClient.signedIn(port, leaver);
		String caseNumber = owner.callCase(api, account);
		String casePath = "/console/cases/" + caseNumber;
		owner.followed(owner.post(casePath + "/escalate", Map.of("reason", "Caller wants a supervisor")));
		admin.post("/console/staff/" + leaver + "/enabled", Map.of("enabled", "false"));
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		ConsoleClient.Page take = agent.post(casePath + "/assign", Map.of());

		assertThat(take.status()).as(take.body()).isEqualTo(403);
		assertThat(take.body()).contains("CASE_OWNED");
		assertThat(support.find(caseNumber).orElseThrow().owner()).isEqualTo(leaver);
		assertThat(agent.post(casePath + "/resolve", Map.of("note", "Done")).status()).isEqualTo(403);
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);
		assertThat(agent.get(casePath).body()).doesNotContain("Assign to me");
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		assertThat(supervisor.followed(supervisor.post(casePath + "/assign", Map.of()))).contains("The case is yours.");
	}

	/**
	 * A supervisor who owns an escalated case is still offered its close-out at the end of an action on the contact's
	 * account: the case is in the supervisors' hands, and they are one.
	 */
	@Test
	void aSupervisorWhoOwnsAnEscalatedCaseIsOfferedItsCloseOut() {
		String account = fixtures.accountWithVisa();
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String caseNumber = supervisor.callCase(api, account);
		supervisor.followed(supervisor.post("/console/cases/" + caseNumber + "/escalate",
				Map.of("reason", "Refund outside the policy")));
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);
		assertThat(support.find(caseNumber).orElseThrow().owner()).isEqualTo("supervisor");

		assertThat(supervisor.get("/console/accounts/" + account + "?case=" + caseNumber).body())
			.contains("id=\"case-choice\"");
	}

	/** Only the case's owner or a supervisor escalates it: another agent is refused, and the case stays as it was. */
	@Test
	void anAgentWhoDoesNotOwnTheCaseCannotEscalateIt() {
		String account = fixtures.accountWithVisa();
		String colleague = "agent-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		assertThat(ConsoleClient.signedIn(port, "admin").post("/console/staff", Map.of("username", colleague,
				"displayName", "Another agent", "role", "AGENT", "password", ConsoleClient.PASSWORD)).status()).isEqualTo(302);
		ConsoleClient owner = ConsoleClient.signedIn(port, colleague);
		String caseNumber = owner.callCase(api, account);
		String casePath = "/console/cases/" + caseNumber;
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");

		ConsoleClient.Page refused = agent.post(casePath + "/escalate", Map.of("reason", "I want this off the desk"));

		assertThat(refused.status()).isEqualTo(403);
		assertThat(agent.get(casePath).body()).as("the page offers no escalation").doesNotContain("Reason for escalating");
		assertThat(refused.body()).contains("CASE_NOT_YOURS", "Only the case&#39;s owner or a supervisor");
		SupportCase after = support.find(caseNumber).orElseThrow();
		assertThat(after.status()).isEqualTo(SupportCase.Status.OPEN);
		assertThat(after.escalationReason()).isNull();
		assertThat(jdbc.sql("SELECT count(*) FROM audit_events WHERE case_number = :c AND action = 'ESCALATE'")
			.param("c", caseNumber).query(Long.class).single()).isZero();

		assertThat(owner.get(casePath).body()).contains("Reason for escalating");
		assertThat(owner.followed(owner.post(casePath + "/escalate", Map.of("reason", "Caller wants a supervisor"))))
			.contains("Escalated to a supervisor.");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);
	}

	/** A supervisor escalates a case an agent owns (to put it in the supervisors' queue). */
	@Test
	void aSupervisorEscalatesAnAgentsCase() {
		String caseNumber = ConsoleClient.signedIn(port, "agent").callCase(api, fixtures.accountWithVisa());
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");

		assertThat(supervisor.followed(supervisor.post("/console/cases/" + caseNumber + "/escalate",
				Map.of("reason", "Refund outside the policy")))).contains("Escalated to a supervisor.");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);
	}

	@Test
	void anEscalatedCaseASupervisorResolvedIsReopenedByASupervisorNotByAnAgent() {
		String account = fixtures.accountWithVisa();
		String caseNumber = support.open(accounts.get(account), "Locked out after failed verifications", "PHONE", null, null)
			.caseNumber();
		support.escalate(caseNumber, "Five failed caller verifications", "agent");
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String casePath = "/console/cases/" + caseNumber;
		supervisor.followed(supervisor.post(casePath + "/resolve", Map.of("note", "Checked with the customer")));
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.RESOLVED);
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		assertThat(agent.get(casePath).body()).doesNotContain("Reopen case");

		ConsoleClient.Page refused = agent.post(casePath + "/reopen", Map.of("note", "Reopening it myself"));

		assertThat(refused.status()).isEqualTo(403);
		assertThat(refused.body()).contains("CASE_NOT_YOURS");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.RESOLVED);
		assertThat(supervisor.followed(supervisor.post(casePath + "/reopen", Map.of("note", "Customer called again"))))
			.contains("The case is open again.");
	}

	/**
	 * Reopening does not turn an escalated case into an ordinary one: the agent who owns it may reopen it once a
	 * supervisor resolved it (from ESCALATED, or after it waited for the customer), but it is back in the supervisors'
	 * queue, and its owner neither resolves it nor sets it to wait (no resolution no supervisor made reaches its customer).
	 */
	@Test
	void anEscalatedCaseItsOwnerReopensAfterASupervisorResolvedItIsStillTheSupervisors() {
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String resolvedWhileEscalated = agent.callCase(api, fixtures.accountWithVisa());
		agent.followed(agent.post("/console/cases/" + resolvedWhileEscalated + "/escalate",
				Map.of("reason", "Wants a refund outside the policy")));
		supervisor.followed(supervisor.post("/console/cases/" + resolvedWhileEscalated + "/resolve",
				Map.of("note", "No refund outside the policy")));
		String resolvedAfterWaiting = agent.callCase(api, fixtures.accountWithVisa());
		agent.followed(agent.post("/console/cases/" + resolvedAfterWaiting + "/escalate",
				Map.of("reason", "Wants a refund outside the policy")));
		supervisor.followed(supervisor.post("/console/cases/" + resolvedAfterWaiting + "/pending",
				Map.of("note", "Sends the bank statement")));
		supervisor.followed(supervisor.post("/console/cases/" + resolvedAfterWaiting + "/resolve",
				Map.of("note", "Statement received, refunded")));

		for (String caseNumber : java.util.List.of(resolvedWhileEscalated, resolvedAfterWaiting)) {
			String casePath = "/console/cases/" + caseNumber;
			SupportCase resolved = support.find(caseNumber).orElseThrow();
			assertThat(resolved.status()).isEqualTo(SupportCase.Status.RESOLVED);
			assertThat(resolved.owner()).isEqualTo("agent");
			String account = resolved.accountId();

			assertThat(agent.followed(agent.post(casePath + "/reopen", Map.of("note", "Customer called again"))))
				.contains("The case is open again.");

			SupportCase reopened = support.find(caseNumber).orElseThrow();
			assertThat(reopened.status()).as("reopened, still the supervisors'").isEqualTo(SupportCase.Status.ESCALATED);
			assertThat(support.supervisorQueue()).extracting(SupportCase::caseNumber).contains(caseNumber);
			int noticesBefore = caseUpdates(account).size();
			ConsoleClient.Page resolve = agent.post(casePath + "/resolve", Map.of("note", "Sorted it myself"));
			ConsoleClient.Page pending = agent.post(casePath + "/pending", Map.of("note", "Send the bank statement"));
			assertThat(resolve.status()).as(resolve.body()).isEqualTo(403);
			assertThat(resolve.body()).contains("CASE_NOT_YOURS");
			assertThat(pending.status()).as(pending.body()).isEqualTo(403);
			assertThat(pending.body()).contains("CASE_NOT_YOURS");
			assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);
			assertThat(jdbc.sql("""
					SELECT count(*) FROM audit_events
					WHERE case_number = :c AND actor = 'agent' AND action IN ('RESOLVE_CASE', 'CASE_PENDING_CUSTOMER')""")
				.param("c", caseNumber).query(Long.class).single()).isZero();
			assertThat(caseUpdates(account)).as("no email to the customer").hasSize(noticesBefore);
			assertThat(agent.get(casePath).body()).as("the page offers neither")
				.doesNotContain("Resolve case", "Wait for the customer").contains("Only a supervisor");
		}
	}

	@Test
	void aCaseReassignedWhileItsFormerOwnerResolvesItIsNotResolvedByThem() throws Exception {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = agent.callCase(api, account);
		String casePath = "/console/cases/" + caseNumber;
		agent.get(casePath);
		java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
		try (java.sql.Connection supervisorsChange = dataSource.getConnection()) {
			supervisorsChange.setAutoCommit(false);
			try (var lock = supervisorsChange.prepareStatement(
					"SELECT case_number FROM support_cases WHERE case_number = ? FOR UPDATE")) {
				lock.setString(1, caseNumber);
				lock.executeQuery().close();
			}
			long waitingBefore = waiting();
			var resolving = java.util.concurrent.CompletableFuture.supplyAsync(
					() -> agent.post(casePath + "/resolve", Map.of("note", "Done, I think")), caller);
			org.awaitility.Awaitility.await("the resolution waits for the case").atMost(java.time.Duration.ofSeconds(20))
				.until(() -> waiting() > waitingBefore || resolving.isDone());
			try (var reassign = supervisorsChange.prepareStatement(
					"UPDATE support_cases SET owner = 'supervisor' WHERE case_number = ?")) {
				reassign.setString(1, caseNumber);
				reassign.executeUpdate();
			}
			supervisorsChange.commit();

			ConsoleClient.Page answer = resolving.get(30, java.util.concurrent.TimeUnit.SECONDS);
			assertThat(answer.status()).as(answer.body()).isEqualTo(403);
			assertThat(answer.body()).contains("CASE_NOT_YOURS");
		}
		finally {
			caller.shutdownNow();
		}
		assertThat(support.find(caseNumber).orElseThrow().status()).isNotEqualTo(SupportCase.Status.RESOLVED);
	}

	private long waiting() {
		return jdbc.sql("SELECT count(*) FROM pg_locks WHERE NOT granted").query(Long.class).single();
	}

	/**
	 * A supervisor hands an escalated case back to the agents when it needs no supervisor's judgement: it is OPEN again,
	 * out of the supervisors' queue, with its owner, and an ordinary case from then on (reopened later, it is OPEN, not
	 * the supervisors' again). The timeline names the supervisor, the audit trail has the step, the customer is not
	 * emailed (who works the case is no news to them).
	 */
	@Test
	void aSupervisorReturnsAnEscalatedCaseToTheAgentsAndItsOwnerWorksItAgain() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = agent.callCase(api, account);
		String casePath = "/console/cases/" + caseNumber;
		agent.followed(agent.post(casePath + "/escalate", Map.of("reason", "Wants a refund outside the policy")));
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);
		int noticesBefore = caseUpdates(account).size();
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		assertThat(supervisor.get(casePath).body()).contains("Return to agents");
		assertThat(agent.get(casePath).body()).doesNotContain("Return to agents");
		assertThat(supervisor.followed(supervisor.post(casePath + "/return", Map.of("note", " "))))
			.contains("Write why the case goes back to the agents.");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);

		String page = supervisor.followed(supervisor.post(casePath + "/return",
				Map.of("note", "Within the policy after all: the agent refunds it")));

		assertThat(page).contains("Returned to the agents.", "Returned to the agents: Within the policy after all");
		SupportCase returned = support.find(caseNumber).orElseThrow();
		assertThat(returned.status()).isEqualTo(SupportCase.Status.OPEN);
		assertThat(returned.owner()).isEqualTo("agent");
		assertThat(returned.withSupervisors()).isFalse();
		assertThat(support.supervisorQueue()).extracting(SupportCase::caseNumber).doesNotContain(caseNumber);
		assertThat(support.timeline(caseNumber)).last().satisfies(entry -> {
			assertThat(entry.actor()).isEqualTo("supervisor");
			assertThat(entry.kind()).isEqualTo("STATUS");
			assertThat(entry.text()).isEqualTo("Returned to the agents: Within the policy after all: the agent refunds it");
		});
		assertThat(audit.about(account)).anySatisfy(entry -> {
			assertThat(entry.action()).isEqualTo("RETURN_CASE_TO_AGENTS");
			assertThat(entry.actor()).isEqualTo("supervisor");
			assertThat(entry.caseNumber()).isEqualTo(caseNumber);
		});
		assertThat(caseUpdates(account)).as("no email to the customer").hasSize(noticesBefore);

		assertThat(agent.followed(agent.post(casePath + "/resolve", Map.of("note", "Refunded within the policy"))))
			.contains("Resolved; the customer has been told by email.");
		agent.followed(agent.post(casePath + "/reopen", Map.of("note", "Customer called back")));
		assertThat(support.find(caseNumber).orElseThrow().status()).as("an ordinary case now")
			.isEqualTo(SupportCase.Status.OPEN);
	}

	/** Only a supervisor (or an admin) hands an escalated case back: its owner is refused, and the case stays up. */
	@Test
	void anAgentCannotReturnAnEscalatedCaseToTheAgents() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = agent.callCase(api, account);
		String casePath = "/console/cases/" + caseNumber;
		agent.followed(agent.post(casePath + "/escalate", Map.of("reason", "Wants a manager")));
		int audited = audit.about(account).size();

		ConsoleClient.Page refused = agent.post(casePath + "/return", Map.of("note", "I can handle it myself"));

		assertThat(refused.status()).as(refused.body()).isEqualTo(403);
		assertThat(refused.body()).contains("CASE_NOT_YOURS", "only a supervisor");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.ESCALATED);
		assertThat(support.supervisorQueue()).extracting(SupportCase::caseNumber).contains(caseNumber);
		assertThat(audit.about(account)).extracting(dev.subdesk.support.AuditTrail.Entry::action).hasSize(audited)
			.doesNotContain("RETURN_CASE_TO_AGENTS");
	}

	/** Only an escalated case goes back to the agents: an open, waiting or resolved one is refused and stays as it is. */
	@Test
	void aCaseThatIsNotEscalatedCannotBeReturnedToTheAgents() {
		String account = fixtures.accountWithVisa();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String open = agent.callCase(api, account);
		String waiting = agent.callCase(api, fixtures.accountWithVisa());
		agent.followed(agent.post("/console/cases/" + waiting + "/escalate", Map.of("reason", "Wants a manager")));
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		supervisor.followed(supervisor.post("/console/cases/" + waiting + "/pending", Map.of("note", "Sends the statement")));
		assertThat(supervisor.get("/console/cases/" + open).body()).doesNotContain("Return to agents");

		for (String caseNumber : java.util.List.of(open, waiting)) {
			SupportCase.Status before = support.find(caseNumber).orElseThrow().status();

			ConsoleClient.Page refused = supervisor.post("/console/cases/" + caseNumber + "/return",
					Map.of("note", "Back to you"));

			assertThat(refused.status()).as(refused.body()).isEqualTo(409);
			assertThat(refused.body()).contains("CASE_NOT_ESCALATABLE", "is not escalated");
			assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(before);
		}
	}

	/**
	 * An escalated case nobody owns stays with the supervisors: the security case opened when caller verification locks
	 * is escalated with no owner, and handed back it would be any agent's to take and close, the one whose attempts
	 * locked it included. A supervisor sees no "Return to agents" on it and is refused; the case stays as it is.
	 */
	@Test
	void anEscalatedCaseNobodyOwnsIsNotReturnedToTheAgents() {
		String account = fixtures.accountWithVisa();
		String caseNumber = support.openEscalated(accounts.get(account), "Security: 5 failed caller verifications",
				"PHONE", "Verification locked after attempts by agent", "verification locked after 5 failed attempts")
			.caseNumber();
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String casePath = "/console/cases/" + caseNumber;
		assertThat(supervisor.get(casePath).body()).doesNotContain("Return to agents");

		ConsoleClient.Page refused = supervisor.post(casePath + "/return", Map.of("note", "An agent can do it"));

		assertThat(refused.status()).as(refused.body()).isEqualTo(409);
		assertThat(refused.body()).contains("CASE_NOT_ESCALATABLE", "has no owner");
		SupportCase after = support.find(caseNumber).orElseThrow();
		assertThat(after.status()).isEqualTo(SupportCase.Status.ESCALATED);
		assertThat(after.owner()).isNull();
		assertThat(support.supervisorQueue()).extracting(SupportCase::caseNumber).contains(caseNumber);
	}

	private java.util.List<JsonNode> caseUpdates(String account) {
		java.util.List<JsonNode> found = new java.util.ArrayList<>();
		for (JsonNode notice : api.get("/accounts/" + account + "/notices?limit=50").json().path("data").values()) {
			if ("CASE_UPDATE".equals(notice.path("type").asString())) {
				found.add(notice);
			}
		}
		return found;
	}
}
