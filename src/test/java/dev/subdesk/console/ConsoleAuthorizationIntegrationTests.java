package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.Support;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Who may do what in the console: ids of another account than the verified caller's are refused, step-up codes
 * belong to one agent and one account, a refund request is decided once (even by two supervisors at the same
 * moment) and never beyond what is left of the charge, and the navigation shows only pages the role can open.
 */
class ConsoleAuthorizationIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Support support;

	private Callers callers;

	@BeforeEach
	void callers() {
		callers = new Callers(api);
	}

	@Test
	void idsOfAnotherAccountInTheVerifiedCallersFormsAreRefusedAndChangeNothing() {
		Callers.Caller caller = callers.withVpn("10115");
		Callers.Caller other = callers.withVpn("80331");
		String otherDevice = api.post("/accounts/" + other.account() + "/devices",
				Map.of("name", "Tablet", "platform", "ANDROID")).id();
		String otherSecond = fixtures.subscribe(other.account(), "antivirus-annual");
		String otherConfirmation = fixtures.cancel(otherSecond, "END_OF_TERM").text("confirmationNumber");
		String otherCard = fixtures.card(other.account(), "tok_mastercard");
		String otherCharge = callers.firstCharge(other.account()).path("id").asString();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String otherCase = ConsoleClient.signedIn(port, "supervisor").callCase(api, other.account());
		String caseNumber = Callers.verify(agent, caller, "10115");
		callers.confirmClosing(agent, caller, caseNumber);
		String base = "/console/accounts/" + caller.account();
		String before = state(caller.account()) + " / " + state(other.account());

		Map<String, Map<String, String>> foreign = new java.util.LinkedHashMap<>();
		foreign.put(base + "/subscriptions/" + other.subscription() + "/auto-renew",
				Map.of("autoRenew", "false", "caseNumber", caseNumber));
		foreign.put(base + "/subscriptions/" + other.subscription() + "/quote", Map.of("caseNumber", caseNumber));
		foreign.put(base + "/subscriptions/" + other.subscription() + "/cancel", Map.of("caseNumber", caseNumber));
		foreign.put(base + "/charges/" + otherCharge + "/refund", Map.of("caseNumber", caseNumber));
		foreign.put(base + "/charges/" + otherCharge + "/goodwill", Map.of("reason", "outage", "caseNumber", caseNumber));
		foreign.put(base + "/devices/" + otherDevice + "/deactivate", Map.of("caseNumber", caseNumber));
		foreign.put(base + "/cancellations/" + otherConfirmation + "/resend", Map.of("caseNumber", caseNumber));
		foreign.put(base + "/cards/" + otherCard + "/remove", Map.of("caseNumber", caseNumber));
		// The caller's own things, but filed under the other account's case.
		foreign.put(base + "/subscriptions/" + caller.subscription() + "/auto-renew",
				Map.of("autoRenew", "false", "caseNumber", otherCase));
		foreign.put(base + "/subscriptions/" + caller.subscription() + "/cancel", Map.of("caseNumber", otherCase));
		foreign.put(base + "/close", Map.of("caseNumber", otherCase));
		foreign.put(base + "/verify", Map.of("email", caller.email(), "cardLast4", "4242", "caseNumber", otherCase));
		foreign.put(base + "/step-up/send", Map.of("caseNumber", otherCase));
		foreign.put(base + "/email", Map.of("email", Callers.class.getSimpleName() + "@example.com", "caseNumber", otherCase));
		// The other account's own forms: its caller was verified by someone else, not by this agent.
		foreign.put("/console/accounts/" + other.account() + "/subscriptions/" + other.subscription() + "/auto-renew",
				Map.of("autoRenew", "false"));
		foreign.put("/console/accounts/" + other.account() + "/close", Map.of());

		for (Map.Entry<String, Map<String, String>> attempt : foreign.entrySet()) {
			ConsoleClient.Page page = agent.post(attempt.getKey(), attempt.getValue());
			assertThat(page.status()).as(attempt.getKey() + " " + attempt.getValue()).isIn(403, 404);
			assertThat(page.body()).as(attempt.getKey()).contains("role=\"alert\"");
		}
		assertThat(agent.get(base + "/cancellations/" + otherConfirmation).status()).isEqualTo(404);
		assertThat(agent.get(base + "?case=" + otherCase).status()).isEqualTo(404);

		assertThat(state(caller.account()) + " / " + state(other.account())).isEqualTo(before);
		assertThat(support.timeline(otherCase)).noneMatch(t -> t.actor().equals("agent") && t.kind().equals("ACTION"));
	}

	@Test
	void aStepUpCodeOpensTheSensitiveActionsForThatAgentOnThatAccountOnly() {
		Callers.Caller caller = callers.withVpn("10115");
		Callers.Caller other = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String otherCase = Callers.verify(agent, other, "10115");
		ConsoleClient colleague = ConsoleClient.signedIn(port, "supervisor");
		String colleagueCase = Callers.verify(colleague, caller, "10115");

		agent.followed(agent.post("/console/accounts/" + caller.account() + "/step-up/send", Map.of("caseNumber", caseNumber,
				"action", "CLOSE_ACCOUNT")));
		String code = callers.emailedCode(caller.account());
		assertThat(agent.followed(agent.post("/console/accounts/" + other.account() + "/step-up/confirm",
				Map.of("code", code, "caseNumber", otherCase)))).contains("No code is waiting");
		assertThat(colleague.followed(colleague.post("/console/accounts/" + caller.account() + "/step-up/confirm",
				Map.of("code", code, "caseNumber", colleagueCase)))).contains("No code is waiting");
		assertThat(agent.followed(agent.post("/console/accounts/" + caller.account() + "/step-up/confirm",
				Map.of("code", code, "caseNumber", caseNumber)))).contains("Code confirmed");

		ConsoleClient.Page otherAccount = agent.post("/console/accounts/" + other.account() + "/close",
				Map.of("caseNumber", otherCase));
		ConsoleClient.Page otherAgent = colleague.post("/console/accounts/" + caller.account() + "/close",
				Map.of("caseNumber", colleagueCase));
		for (ConsoleClient.Page refused : List.of(otherAccount, otherAgent)) {
			assertThat(refused.status()).isEqualTo(403);
			assertThat(refused.body()).contains("STEP_UP_REQUIRED");
		}
		assertThat(api.get("/accounts/" + other.account()).text("status")).isEqualTo("ACTIVE");
		assertThat(api.get("/accounts/" + caller.account()).text("status")).isEqualTo("ACTIVE");
	}

	@Test
	void theNextCallersVerificationNeedsANewCodeEvenWithinTheTenMinutes() {
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String firstCall = Callers.verify(agent, caller, "10115");
		callers.confirmClosing(agent, caller, firstCall);
		assertThat(agent.get("/console/accounts/" + caller.account() + "?case=" + firstCall).body())
			.contains("Code confirmed for this call.");
		fixtures.advance("PT2M");

		String nextCall = agent.callCase(api, caller.account());
		ConsoleClient.Page close = agent.post("/console/accounts/" + caller.account() + "/close",
				Map.of("caseNumber", nextCall));

		assertThat(close.status()).isEqualTo(403);
		assertThat(close.body()).contains("STEP_UP_REQUIRED");
		assertThat(agent.get("/console/accounts/" + caller.account() + "?case=" + nextCall).body())
			.doesNotContain("Code confirmed for this call.");
		assertThat(api.get("/accounts/" + caller.account()).text("status")).isEqualTo("ACTIVE");
	}

	/**
	 * A verification ends with its call: once the agent resolves the call's case, the next caller about the account
	 * (to the same agent, within the 30 minutes a verification lasts) is not taken as the verified one.
	 */
	@Test
	void aVerificationEndsWhenItsCallsCaseIsResolved() {
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String call = Callers.verify(agent, caller, "10115");
		assertThat(agent.post("/console/cases/" + call + "/resolve", Map.of("note", "Answered the question")).status())
			.isEqualTo(302);
		fixtures.advance("PT2M");

		ConsoleClient.Page cancel = agent.post("/console/accounts/" + caller.account() + "/subscriptions/"
				+ caller.subscription() + "/cancel", Map.of("mode", "IMMEDIATE"));

		assertThat(cancel.status()).isEqualTo(403);
		assertThat(cancel.body()).contains("CALLER_NOT_VERIFIED");
		assertThat(fixtures.subscription(caller.subscription()).text("status")).isEqualTo("ACTIVE");
		String nextCall = Callers.verify(agent, caller, "10115");
		assertThat(nextCall).as("a new call, a new case").isNotEqualTo(call);

		// the account opened again from the resolved case's page: verifying there opens a case of its own, and works
		fixtures.advance("PT2M");
		assertThat(agent.post("/console/cases/" + nextCall + "/resolve", Map.of("note", "Done")).status()).isEqualTo(302);
		ConsoleClient.Page again = agent.post("/console/accounts/" + caller.account() + "/verify", Map.of("email",
				caller.email(), "billingPostcode", "10115", "contact", "PHONE", "caseNumber", nextCall));
		assertThat(again.location()).doesNotContain(nextCall);
		assertThat(agent.followed(again)).contains("Caller verified.");
		assertThat(agent.post("/console/accounts/" + caller.account() + "/subscriptions/" + caller.subscription()
				+ "/quote", Map.of("mode", "IMMEDIATE")).status()).as("verified on the new case").isNotEqualTo(403);
	}

	@Test
	void twoSupervisorsApprovingTheSameRequestAtOnceMakeOneRefund() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			for (int round = 0; round < 3; round++) {
				Callers.Caller caller = callers.withVpn("10115");
				String request = requestGoodwill(caller, "7.50");
				ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
				ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
				CountDownLatch start = new CountDownLatch(1);
				List<CompletableFuture<ConsoleClient.Page>> decisions = List.of(supervisor, admin).stream()
					.map(client -> CompletableFuture.supplyAsync(() -> {
						awaitQuietly(start);
						return client.post("/console/approvals/" + request + "/approve", Map.of("note", "ok"));
					}, pool))
					.toList();
				start.countDown();
				List<Integer> statuses = decisions.stream().map(f -> f.join().status()).sorted().toList();

				assertThat(statuses).as("round " + round).containsExactly(302, 409);
				assertThat(decisions).anySatisfy(f -> assertThat(f.join().body()).contains("APPROVAL_DECIDED"));
				assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(750);
				assertThat(jdbc.sql("SELECT count(*) FROM refunds WHERE account_id = :a").param("a", caller.account())
					.query(Long.class).single()).isOne();
				assertThat(callers.notices(caller.account(), "REFUND_ISSUED")).isOne();
				assertThat(status(request)).isEqualTo("APPROVED");
			}
		}
		finally {
			pool.shutdownNow();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void anApprovalCannotRefundMoreThanIsLeftWhenARefundWasMadeSinceTheRequest() {
		Callers.Caller caller = callers.withVpn("10115");
		String request = requestGoodwill(caller, "49.99");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		assertThat(agent.followed(agent.post("/console/accounts/" + caller.account() + "/charges/" + charge + "/refund",
				Map.of("amount", "10.00", "caseNumber", caseNumber)))).contains("$10.00 refunded");
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");

		ConsoleClient.Page approval = supervisor.post("/console/approvals/" + request + "/approve", Map.of());

		assertThat(approval.status()).isEqualTo(409);
		assertThat(approval.body()).contains("REFUND_EXCEEDS_CHARGE", "Only $39.99 is left of charge " + charge);
		assertThat(status(request)).isEqualTo("PENDING");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(1000);
		assertThat(callers.notices(caller.account(), "REFUND_ISSUED")).isOne();
		assertThat(supervisor.followed(supervisor.post("/console/approvals/" + request + "/reject",
				Map.of("note", "Refunded in part since; ask again for the rest")))).contains("Rejected");
	}

	@Test
	void aDisabledSupervisorsSessionDecidesNothingAndADisabledAgentsRequestIsStillDecided() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String agentName = newStaff(admin, "AGENT");
		String supervisorName = newStaff(admin, "SUPERVISOR");
		ConsoleClient leaver = ConsoleClient.signedIn(port, agentName);
		ConsoleClient supervisor = ConsoleClient.signedIn(port, supervisorName);
		Callers.Caller caller = callers.withVpn("10115");
		String caseNumber = Callers.verify(leaver, caller, "10115");
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		callers.confirmRefund(leaver, caller, caseNumber, charge, "3");
		leaver.followed(leaver.post("/console/accounts/" + caller.account() + "/charges/" + charge + "/goodwill",
				Map.of("amount", "3", "reason", "Outage", "caseNumber", caseNumber)));
		String request = jdbc.sql("SELECT id FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(String.class).single();

		admin.followed(admin.post("/console/staff/" + agentName + "/enabled", Map.of("enabled", "false")));
		admin.followed(admin.post("/console/staff/" + supervisorName + "/enabled", Map.of("enabled", "false")));

		ConsoleClient.Page cutOff = supervisor.post("/console/approvals/" + request + "/approve", Map.of());
		assertThat(cutOff.status()).isEqualTo(302);
		assertThat(cutOff.location()).contains("/console/sign-in");
		assertThat(status(request)).isEqualTo("PENDING");
		assertThat(leaver.post("/console/accounts/" + caller.account() + "/close", Map.of()).location())
			.contains("/console/sign-in");
		assertThat(api.get("/accounts/" + caller.account()).text("status")).isEqualTo("ACTIVE");

		ConsoleClient colleague = ConsoleClient.signedIn(port, "supervisor");
		assertThat(colleague.get("/console/approvals").body()).contains(request, agentName);
		assertThat(colleague.followed(colleague.post("/console/approvals/" + request + "/approve", Map.of())))
			.contains("Approved: $3.00 refunded");
		assertThat(jdbc.sql("SELECT requested_by || ' ' || decided_by FROM refund_approvals WHERE id = :id")
			.param("id", request).query(String.class).single()).isEqualTo(agentName + " supervisor");
	}

	@Test
	void aCaseOfADisabledStaffAccountCanBeTakenOverByAnAgent() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String leaverName = newStaff(admin, "AGENT");
		ConsoleClient leaver = ConsoleClient.signedIn(port, leaverName);
		String caseNumber = leaver.callCase(api, fixtures.accountWithVisa());
		leaver.followed(leaver.post("/console/cases/" + caseNumber + "/assign", Map.of()));
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		assertThat(agent.post("/console/cases/" + caseNumber + "/assign", Map.of()).status()).isEqualTo(403);

		admin.followed(admin.post("/console/staff/" + leaverName + "/enabled", Map.of("enabled", "false")));

		assertThat(agent.get("/console/cases/" + caseNumber).body()).contains("Assign to me");
		assertThat(agent.followed(agent.post("/console/cases/" + caseNumber + "/assign", Map.of())))
			.contains("The case is yours.", "taken over from " + leaverName);
		assertThat(support.find(caseNumber).orElseThrow().owner()).isEqualTo("agent");
	}

	@Test
	void noStaffAccountTakesTheNameTheSystemRecordsItsOwnStepsUnder() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");

		for (String reserved : List.of("system", "System", "bootstrap", "demo-mode")) {
			ConsoleClient.Page page = admin.post("/console/staff", Map.of("username", reserved, "displayName", "Imposter",
					"role", "SUPERVISOR", "password", ConsoleClient.PASSWORD, "currentPassword", ConsoleClient.PASSWORD));
			assertThat(page.status()).as(reserved).isEqualTo(400);
			assertThat(page.body()).as(reserved).contains("names the system itself");
		}
		assertThat(jdbc.sql("SELECT count(*) FROM staff_users WHERE username IN ('system', 'bootstrap', 'demo-mode')")
			.query(Long.class).single()).isZero();
	}

	@Test
	void theNavigationShowsEachRoleOnlyThePagesItCanOpen() {
		Map<String, List<String>> pages = Map.of("agent", List.of("/console"), "supervisor",
				List.of("/console", "/console/queue", "/console/audit", "/console/reports", "/console/approvals"), "admin",
				List.of("/console", "/console/queue", "/console/audit", "/console/reports", "/console/approvals",
						"/console/staff"));
		List<String> all = pages.get("admin");
		for (Map.Entry<String, List<String>> role : pages.entrySet()) {
			ConsoleClient client = ConsoleClient.signedIn(port, role.getKey());
			String nav = navigation(client.get("/console").body());
			for (String page : all) {
				boolean shown = nav.contains("href=\"" + page + "\"");
				assertThat(shown).as(role.getKey() + " sees a link to " + page).isEqualTo(role.getValue().contains(page));
				assertThat(client.get(page).status()).as(role.getKey() + " opens " + page)
					.isEqualTo(role.getValue().contains(page) ? 200 : 403);
			}
		}
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String errorPage = agent.get("/console/cases/CASE-NOPE00").body();
		assertThat(navigation(errorPage)).contains("href=\"/console\"").doesNotContain("/console/reports", "/console/staff");
	}

	private static String navigation(String page) {
		int start = page.indexOf("<nav aria-label=\"Console\">");
		assertThat(start).as("the console navigation").isNotNegative();
		return page.substring(start, page.indexOf("</nav>", start));
	}

	private String newStaff(ConsoleClient admin, String role) {
		String username = role.toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(admin.post("/console/staff", Map.of("username", username, "displayName", "Temp " + role, "role", role,
				"password", ConsoleClient.PASSWORD, "currentPassword", ConsoleClient.PASSWORD)).status()).isEqualTo(302);
		return username;
	}

	/** The agent verifies the caller, confirms the emailed code and asks for a goodwill refund; its request id. */
	private String requestGoodwill(Callers.Caller caller, String amount) {
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		callers.confirmRefund(agent, caller, caseNumber, charge, amount);
		assertThat(agent.followed(agent.post("/console/accounts/" + caller.account() + "/charges/" + charge + "/goodwill",
				Map.of("amount", amount, "reason", "Service outage", "caseNumber", caseNumber))))
			.contains("waits for a supervisor");
		return jdbc.sql("SELECT id FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(String.class).single();
	}

	private String status(String request) {
		return jdbc.sql("SELECT status FROM refund_approvals WHERE id = :id").param("id", request).query(String.class).single();
	}

	/** What the forms could change about an account: its data, money, devices, cases and codes. */
	private String state(String account) {
		return jdbc.sql("""
				SELECT concat_ws(' | ',
				  (SELECT email || ' ' || status FROM accounts WHERE id = :a),
				  (SELECT count(*) FILTER (WHERE deleted_at IS NULL) FROM payment_methods WHERE account_id = :a),
				  (SELECT string_agg(status || ' ' || auto_renew || ' ' || coalesce(cancel_at::text, '-'), ',' ORDER BY id)
				     FROM subscriptions WHERE account_id = :a),
				  (SELECT count(*) FILTER (WHERE status = 'ACTIVE') FROM devices WHERE account_id = :a),
				  (SELECT string_agg(status || ' ' || refunded_amount, ',' ORDER BY id) FROM charges WHERE account_id = :a),
				  (SELECT count(*) FROM cancellations WHERE account_id = :a),
				  (SELECT count(*) FROM refund_approvals WHERE account_id = :a),
				  (SELECT count(*) FROM support_cases WHERE account_id = :a),
				  (SELECT count(*) FROM case_events e JOIN support_cases c USING (case_number) WHERE c.account_id = :a),
				  (SELECT count(*) FROM step_up_action_codes WHERE account_id = :a),
				  (SELECT count(*) FROM caller_verifications WHERE account_id = :a),
				  (SELECT count(*) FROM notices WHERE account_id = :a))
				""").param("a", account).query(String.class).single();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}
}
