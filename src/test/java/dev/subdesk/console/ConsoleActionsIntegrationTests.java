package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.CallerVerification;
import dev.subdesk.support.Support;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Acting on a caller's behalf over HTTP, as the console's forms post: what works, what is refused and what is recorded. */
class ConsoleActionsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AuditTrail audit;

	@Autowired
	Support support;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	CallerVerification verification;

	private Callers callers;

	@BeforeEach
	void callers() {
		callers = new Callers(api);
	}

	@Test
	void theBillingPostcodeCountsAsAFactorIgnoringCaseAndSpaces() {
		Callers.Caller caller = callers.withVpn("SW1A 1AA");
		String order = fixtures.subscription(caller.subscription()).text("orderNumber");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String verify = "/console/accounts/" + caller.account() + "/verify";

		assertThat(agent.followed(agent.post(verify, Map.of("orderNumber", order, "billingPostcode", "SW1A 1AB"))))
			.contains("Not verified");
		assertThat(agent.followed(agent.post(verify, Map.of("orderNumber", order, "billingPostcode", " sw1a1aa "))))
			.contains("Caller verified.", caller.email());
	}

	@Test
	void twoRightFactorsWithAWrongOneAreNoVerificationAndAFailedAttemptThatTellsNoCount() {
		Callers.Caller caller = callers.withVpn("10117");
		String order = fixtures.subscription(caller.subscription()).text("orderNumber");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String verify = "/console/accounts/" + caller.account() + "/verify";

		String page = agent.followed(agent.post(verify, Map.of("email", caller.email(), "orderNumber", order,
				"cardLast4", "1111", "billingPostcode", "10117")));

		assertThat(page).as("three right and one wrong: a wrong answer fails the attempt")
			.contains("Not verified. Attempts left: 4.")
			.doesNotContain("Caller verified.", "factors matched", "3 of", "of 2", "of 4");
		assertThat(verification.isVerified(caller.account(), "agent")).isFalse();
		assertThat(agent.followed(agent.post(verify, Map.of("email", caller.email(), "billingPostcode", "10117",
				"cardLast4", "9999"))))
			.as("two right and one wrong")
			.contains("Not verified. Attempts left: 3.")
			.doesNotContain("Caller verified.", "matched");
		assertThat(verification.isVerified(caller.account(), "agent")).isFalse();
		assertThat(audit.about(caller.account())).extracting(AuditTrail.Entry::action)
			.containsSubsequence("VERIFY_CALLER_FAILED", "VERIFY_CALLER_FAILED")
			.doesNotContain("VERIFY_CALLER_OK");

		assertThat(agent.followed(agent.post(verify, Map.of("email", caller.email(), "billingPostcode", "10117"))))
			.as("the two right ones alone").contains("Caller verified.");
		assertThat(verification.isVerified(caller.account(), "agent")).isTrue();
	}

	@Test
	void aContactByChatOrEmailOpensItsCaseWithThatChannelAndPhoneIsTheDefault() {
		Callers.Caller caller = callers.withVpn("75001");
		String verify = "/console/accounts/" + caller.account() + "/verify";
		long casesBefore = cases(caller.account());

		ConsoleClient first = ConsoleClient.signedIn(port, "agent");
		ConsoleClient.Page junk = first.post(verify, Map.of("email", caller.email(), "billingPostcode", "75001", "contact", "FAX"));
		assertThat(first.followed(junk)).contains("phone, chat or email; nothing was checked").doesNotContain("Caller verified.");
		assertThat(cases(caller.account())).isEqualTo(casesBefore);

		for (String contact : List.of("CHAT", "EMAIL")) {
			ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
			String caseNumber = Callers.verify(agent, caller, "75001", contact);
			assertThat(support.find(caseNumber).orElseThrow().channel()).isEqualTo(contact);
		}
		String byPhone = Callers.verify(ConsoleClient.signedIn(port, "agent"), caller, "75001");
		assertThat(support.find(byPhone).orElseThrow().channel()).isEqualTo("PHONE");
	}

	/**
	 * A removed card's billing postcode is personal data that no check reads any more (only live cards' postcodes
	 * verify a caller): it is erased with the removal, not kept until the account closes.
	 */
	@Test
	void aRemovedCardLosesItsBillingPostcode() {
		String account = fixtures.account();
		String card = api.post("/accounts/" + account + "/payment-methods",
				Map.of("token", "tok_visa", "billingPostcode", "SW1A 1AA")).text("id");
		api.post("/accounts/" + account + "/payment-methods", Map.of("token", "tok_mastercard", "billingPostcode", "EC1A 1BB"));

		assertThat(api.delete("/accounts/" + account + "/payment-methods/" + card).status()).isEqualTo(204);

		assertThat(jdbc.sql("SELECT billing_postcode FROM payment_methods WHERE account_id = :a ORDER BY seq")
			.param("a", account).query(String.class).list()).as("the removed card's, then the live card's")
			.containsExactly(null, "EC1A 1BB");
	}

	@Test
	void aBillingPostcodeThatIsNoPostcodeIsRefusedByTheApi() {
		String account = fixtures.account();

		var response = api.post("/accounts/" + account + "/payment-methods",
				Map.of("token", "tok_visa", "billingPostcode", "<script>"));

		assertThat(response.status()).isEqualTo(400);
		assertThat(response.json().path("errors").get(0).path("field").asString()).isEqualTo("billingPostcode");
		assertThat(api.get("/accounts/" + account + "/payment-methods").json().path("data").size()).isZero();
	}

	@Test
	void theOrdinaryActionsWorkForAVerifiedCallerAndAreRecordedWithTheAgent() {
		Callers.Caller caller = callers.withVpn("10115");
		String device = api.post("/accounts/" + caller.account() + "/devices", Map.of("name", "Laptop", "platform", "LINUX"))
			.id();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		String subscription = base + "/subscriptions/" + caller.subscription();

		agent.followed(agent.post(subscription + "/auto-renew", Map.of("autoRenew", "false", "caseNumber", caseNumber)));
		assertThat(fixtures.subscription(caller.subscription()).json().path("autoRenew").asBoolean()).isFalse();
		String confirmation = callers.latestRelatedId(caller.account(), "CANCELLATION_CONFIRMATION");
		assertThat(api.get("/cancellations/" + confirmation).text("channel")).isEqualTo("AGENT");
		agent.followed(agent.post(subscription + "/auto-renew", Map.of("autoRenew", "true", "caseNumber", caseNumber)));
		assertThat(fixtures.subscription(caller.subscription()).json().path("autoRenew").asBoolean()).isTrue();

		String charge = callers.firstCharge(caller.account()).path("id").asString();
		String refunded = agent.followed(agent.post(base + "/charges/" + charge + "/refund",
				Map.of("amount", "10.00", "caseNumber", caseNumber)));
		assertThat(refunded).contains("$10.00 refunded of charge " + charge);
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(1000);
		assertThat(callers.notices(caller.account(), "REFUND_ISSUED")).isEqualTo(1);
		// the customer's notice, the refund's webhook data and the API show the reason: no console username in it
		assertThat(api.get("/accounts/" + caller.account() + "/notices?limit=100").json().path("data").values())
			.filteredOn(n -> "REFUND_ISSUED".equals(n.path("type").asString()))
			.singleElement()
			.satisfies(n -> assertThat(n.path("body").asString()).contains("by an Acme support agent")
				.doesNotContain("by agent")); // the console username here is "agent"
		assertThat(jdbc.sql("SELECT reason FROM refunds WHERE charge_id = :charge").param("charge", charge)
			.query(String.class).single()).doesNotContain("by agent");

		agent.followed(agent.post(base + "/devices/" + device + "/deactivate", Map.of("caseNumber", caseNumber)));
		assertThat(api.get("/accounts/" + caller.account() + "/devices").json().path("data").size()).isZero();

		long confirmations = callers.notices(caller.account(), "CANCELLATION_CONFIRMATION");
		agent.followed(agent.post(base + "/cancellations/" + confirmation + "/resend", Map.of("caseNumber", caseNumber)));
		assertThat(callers.notices(caller.account(), "CANCELLATION_CONFIRMATION")).isEqualTo(confirmations);
		assertThat(jdbc.sql("""
				SELECT r.recipient FROM notice_redeliveries r JOIN notices n ON n.id = r.notice_id
				WHERE n.related_id = :number AND n.type = 'CANCELLATION_CONFIRMATION'
				""").param("number", confirmation).query(String.class).list()).containsExactly(caller.email());

		List<String> actions = List.of("AUTO_RENEW_OFF", "AUTO_RENEW_ON", "REFUND", "DEVICE_DEACTIVATED",
				"CONFIRMATION_RESENT");
		assertThat(audit.about(caller.account())).filteredOn(e -> actions.contains(e.action()))
			.extracting(AuditTrail.Entry::action)
			.containsExactlyElementsOf(actions);
		assertThat(audit.about(caller.account())).filteredOn(e -> actions.contains(e.action()))
			.allSatisfy(e -> {
				assertThat(e.actor()).isEqualTo("agent");
				assertThat(e.channel()).isEqualTo("AGENT");
				assertThat(e.caseNumber()).isEqualTo(caseNumber);
			});
		assertThat(support.timeline(caseNumber)).filteredOn(t -> t.kind().equals("ACTION"))
			.extracting(t -> t.text().substring(0, t.text().indexOf(':')))
			.containsExactlyElementsOf(actions);
	}

	@Test
	void aRefundAboveWhatThePolicyGivesIsNotMadeAsAnOrdinaryAction() {
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String charge = callers.firstCharge(caller.account()).path("id").asString();

		String page = agent.followed(agent.post("/console/accounts/" + caller.account() + "/charges/" + charge + "/refund",
				Map.of("amount", "50.00", "caseNumber", caseNumber)));

		assertThat(page).contains("Refund not made: give an amount above zero and at most $49.99.");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isZero();
	}

	@Test
	void noneOfTheActionsOnBehalfWorksOnAnUnverifiedAccount() {
		Callers.Caller caller = callers.withVpn("10115");
		String device = api.post("/accounts/" + caller.account() + "/devices", Map.of("name", "Phone", "platform", "IOS"))
			.id();
		String confirmation = fixtures.cancel(caller.subscription(), "END_OF_TERM").text("confirmationNumber");
		String card = api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").get(0).path("id")
			.asString();
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String base = "/console/accounts/" + caller.account();

		for (String action : List.of(base + "/subscriptions/" + caller.subscription() + "/auto-renew",
				base + "/charges/" + charge + "/refund", base + "/devices/" + device + "/deactivate",
				base + "/cancellations/" + confirmation + "/resend", base + "/step-up/send", base + "/step-up/confirm",
				base + "/close", base + "/cards/" + card + "/remove", base + "/email",
				base + "/charges/" + charge + "/goodwill")) {
			ConsoleClient.Page page = agent.post(action, Map.of("autoRenew", "true", "email", "new@example.com",
					"reason", "goodwill", "code", "123456"));
			assertThat(page.status()).as(action).isEqualTo(403);
			assertThat(page.body()).as(action).contains("CALLER_NOT_VERIFIED");
		}

		assertThat(fixtures.subscription(caller.subscription()).json().path("autoRenew").asBoolean()).isFalse();
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isZero();
		assertThat(api.get("/accounts/" + caller.account() + "/devices").json().path("data").size()).isOne();
		assertThat(api.get("/accounts/" + caller.account()).text("status")).isEqualTo("ACTIVE");
		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(caller.email());
		assertThat(api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").size()).isOne();
		assertThat(callers.notices(caller.account(), "VERIFICATION_CODE")).isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(Long.class).single()).isZero();
	}

	@Test
	void theSensitiveActionsAreRefusedUntilTheCallerReadsBackTheEmailedCode() {
		Callers.Caller caller = callers.withVpn("10115");
		String visa = api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").get(0).path("id")
			.asString();
		fixtures.card(caller.account(), "tok_mastercard");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		String newEmail = dev.subdesk.testing.Fixtures.uniqueEmail();

		for (String action : List.of(base + "/close", base + "/cards/" + visa + "/remove", base + "/email",
				base + "/charges/" + callers.firstCharge(caller.account()).path("id").asString() + "/goodwill")) {
			ConsoleClient.Page page = agent.post(action, Map.of("caseNumber", caseNumber, "email", newEmail,
					"reason", "goodwill"));
			assertThat(page.status()).as(action).isEqualTo(403);
			assertThat(page.body()).as(action).contains("STEP_UP_REQUIRED");
		}
		agent.followed(agent.post(base + "/step-up/send", Map.of("caseNumber", caseNumber, "action", "CHANGE_EMAIL",
				"email", newEmail)));
		String code = callers.emailedCode(caller.account());
		String wrong = code.equals("000000") ? "000001" : "000000";
		assertThat(agent.followed(agent.post(base + "/step-up/confirm", Map.of("code", wrong, "caseNumber", caseNumber))))
			.contains("That is not the code that was sent.");
		assertThat(agent.post(base + "/email", Map.of("caseNumber", caseNumber, "email", newEmail)).status()).isEqualTo(403);
		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(caller.email());

		assertThat(agent.followed(agent.post(base + "/step-up/confirm", Map.of("code", code, "caseNumber", caseNumber))))
			.contains("Code confirmed for CHANGE_EMAIL");
		assertThat(agent.followed(agent.post(base + "/email", Map.of("caseNumber", caseNumber, "email", "not an email"))))
			.contains("Email not changed");
		assertThat(agent.followed(agent.post(base + "/email/send-code", Map.of("caseNumber", caseNumber, "email", newEmail))))
			.contains("A six-digit code was sent to the new address");
		assertThat(agent.followed(agent.post(base + "/email", Map.of("caseNumber", caseNumber, "email", newEmail,
				"code", callers.codeSentTo(newEmail))))).contains("Email changed");
		assertThat(agent.post(base + "/cards/" + visa + "/remove", Map.of("caseNumber", caseNumber)).status())
			.as("the email change's code opened nothing else").isEqualTo(403);
		callers.confirmCardRemoval(agent, caller, caseNumber, visa);
		assertThat(agent.followed(agent.post(base + "/cards/" + visa + "/remove", Map.of("caseNumber", caseNumber))))
			.contains("Card VISA ••4242 removed.");

		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(newEmail);
		assertThat(api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").size()).isOne();
		assertThat(callers.notices(caller.account(), "EMAIL_CHANGED")).isOne();
		assertThat(audit.about(caller.account())).extracting(AuditTrail.Entry::action)
			.contains("STEP_UP_CODE_SENT", "STEP_UP_FAILED", "STEP_UP_CONFIRMED", "EMAIL_CHANGED", "CARD_REMOVED")
			.doesNotContain("ACCOUNT_CLOSED");
	}

	@Test
	void aCodeWorksOnceAndNotAfterFiveWrongTries() {
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String confirm = "/console/accounts/" + caller.account() + "/step-up/confirm";
		String send = "/console/accounts/" + caller.account() + "/step-up/send";

		agent.followed(agent.post(send, Map.of("caseNumber", caseNumber, "action", "CLOSE_ACCOUNT")));
		String code = callers.emailedCode(caller.account());
		String wrong = code.equals("000000") ? "000001" : "000000";
		for (int i = 0; i < 5; i++) {
			assertThat(agent.followed(agent.post(confirm, Map.of("code", wrong, "caseNumber", caseNumber))))
				.contains("That is not the code");
		}
		assertThat(agent.followed(agent.post(confirm, Map.of("code", code, "caseNumber", caseNumber))))
			.contains("No code is waiting");

		agent.followed(agent.post(send, Map.of("caseNumber", caseNumber, "action", "CLOSE_ACCOUNT")));
		String second = callers.emailedCode(caller.account());
		assertThat(agent.followed(agent.post(confirm, Map.of("code", second, "caseNumber", caseNumber))))
			.contains("Code confirmed");
		assertThat(agent.followed(agent.post(confirm, Map.of("code", second, "caseNumber", caseNumber))))
			.contains("No code is waiting");
		assertThat(jdbc.sql("SELECT count(*) FROM step_up_action_codes WHERE account_id = :a AND code_hash IN (:codes)")
			.param("a", caller.account()).param("codes", List.of(code, second)).query(Long.class).single())
			.as("only hashes are stored").isZero();
	}

	@Test
	void anAgentCannotApproveARefundOutsideThePolicyASupervisorCan() {
		Callers.Caller caller = callers.withVpn("10115");
		fixtures.advance("P61D"); // the 60-day money-back window has closed
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		String charge = callers.firstCharge(caller.account()).path("id").asString();

		assertThat(agent.followed(agent.post(base + "/charges/" + charge + "/refund", Map.of("caseNumber", caseNumber))))
			.contains("The refund policy gives nothing back");
		callers.confirmRefund(agent, caller, caseNumber, charge, "20");
		assertThat(agent.followed(agent.post(base + "/charges/" + charge + "/goodwill",
				Map.of("amount", "20", "reason", "Service outage in October", "caseNumber", caseNumber))))
			.contains("Refund of $20.00 requested; it waits for a supervisor");
		String request = jdbc.sql("SELECT id FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(String.class).single();

		assertThat(agent.get("/console/approvals").status()).isEqualTo(403);
		assertThat(agent.post("/console/approvals/" + request + "/approve", Map.of()).status()).isEqualTo(403);
		assertThat(status(request)).isEqualTo("PENDING");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isZero();
		assertThat(callers.notices(caller.account(), "REFUND_ISSUED")).isZero();

		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		assertThat(supervisor.get("/console/approvals").body()).contains(request, "Service outage in October", "$20.00");
		assertThat(supervisor.followed(supervisor.post("/console/approvals/" + request + "/approve", Map.of())))
			.contains("Approved: $20.00 refunded");

		assertThat(status(request)).isEqualTo("APPROVED");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(2000);
		assertThat(callers.notices(caller.account(), "REFUND_ISSUED")).isOne();
		assertThat(supervisor.post("/console/approvals/" + request + "/approve", Map.of()).status()).isEqualTo(409);
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(2000);
		assertThat(support.timeline(caseNumber)).extracting(Support.TimelineEntry::text)
			.anyMatch(t -> t.startsWith("REFUND_APPROVAL_REQUESTED: $20.00"))
			.anyMatch(t -> t.startsWith("REFUND_APPROVED: $20.00"));
	}

	/**
	 * A goodwill refund still waiting when the customer closes the account is rejected with the closure: no
	 * supervisor decides it afterwards, so no note written about the customer then is kept in clear, in the request
	 * or in the audit trail.
	 */
	@Test
	void aRequestWaitingWhenTheAccountClosesIsStillDecidedAndNoNoteAboutTheCustomerIsKept() {
		Callers.Caller caller = callers.withVpn("10115");
		fixtures.advance("P61D");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		callers.confirmRefund(agent, caller, caseNumber, charge, "20");
		agent.followed(agent.post(base + "/charges/" + charge + "/goodwill",
				Map.of("amount", "20", "reason", "Service outage in October", "caseNumber", caseNumber)));
		String request = jdbc.sql("SELECT id FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(String.class).single();
		assertThat(api.post("/accounts/" + caller.account() + "/close", Map.of()).status()).isEqualTo(200);
		String marker = "Marker" + java.util.UUID.randomUUID().toString().substring(0, 8);

		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		ConsoleClient.Page approved = supervisor.post("/console/approvals/" + request + "/approve",
				Map.of("note", "Goodwill for " + marker + " who phoned from " + caller.email()));

		assertThat(approved.status()).as("the customer keeps the refund they were promised a decision on").isEqualTo(302);
		assertThat(status(request)).isEqualTo("APPROVED");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(2000);
		assertThat(jdbc.sql("""
				SELECT count(*) FROM refund_approvals WHERE id = :id
				  AND (coalesce(decision_note, '') LIKE '%' || :marker || '%' OR reason LIKE '%outage%')""")
			.param("id", request).param("marker", marker).query(Long.class).single()).isZero();
		assertThat(jdbc.sql("""
				SELECT count(*) FROM audit_events
				WHERE coalesce(detail, '') || coalesce(reason, '') LIKE '%' || :marker || '%'
				   OR (target = :a AND coalesce(detail, '') || coalesce(reason, '') LIKE '%outage%')""")
			.param("marker", marker).param("a", caller.account()).query(Long.class).single()).isZero();
		assertThat(supervisor.post("/console/approvals/" + request + "/reject", Map.of("note", "Too late, " + marker))
			.status()).as("decided once").isEqualTo(409);
		assertThat(support.timeline(caseNumber)).extracting(Support.TimelineEntry::text)
			.noneMatch(t -> t.contains(marker))
			.anyMatch(t -> t.startsWith("REFUND_APPROVED: $20.00"));
	}

	@Test
	void aRejectedRequestMovesNoMoney() {
		Callers.Caller caller = callers.withVpn("10115");
		fixtures.advance("P61D");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		callers.confirmRefund(agent, caller, caseNumber, charge, "");
		agent.followed(agent.post(base + "/charges/" + charge + "/goodwill",
				Map.of("reason", "Asked for all of it", "caseNumber", caseNumber)));
		String request = jdbc.sql("SELECT id FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(String.class).single();
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");

		assertThat(admin.followed(admin.post("/console/approvals/" + request + "/reject", Map.of())))
			.contains("Not rejected: give the reason");
		assertThat(admin.followed(admin.post("/console/approvals/" + request + "/reject",
				Map.of("note", "Outside any goodwill rule")))).contains("Rejected: no money was moved.");

		assertThat(status(request)).isEqualTo("REJECTED");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isZero();
		assertThat(callers.notices(caller.account(), "REFUND_ISSUED")).isZero();
	}

	@Test
	void textThatCannotBeStoredIsAClearErrorAndChangesNothing() {
		Callers.Caller caller = callers.withVpn("10115");
		fixtures.advance("P61D");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		callers.confirmRefund(agent, caller, caseNumber, charge, "");

		ConsoleClient.Page search = agent.post("/console/search", Map.of("q", "Quentin\u0000"));
		ConsoleClient.Page goodwill = agent.post("/console/accounts/" + caller.account() + "/charges/" + charge
				+ "/goodwill", Map.of("reason", "outage\u0000", "caseNumber", caseNumber));
		ConsoleClient.Page email = agent.post("/console/accounts/" + caller.account() + "/email",
				Map.of("email", "x\u0000@example.com", "caseNumber", caseNumber));

		for (ConsoleClient.Page page : List.of(search, goodwill, email)) {
			assertThat(page.status()).isEqualTo(400);
			assertThat(page.body()).contains("cannot be stored", "VALIDATION_FAILED");
		}
		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(caller.email());
		assertThat(jdbc.sql("SELECT count(*) FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(Long.class).single()).isZero();
	}

	@Test
	void nobodyDecidesTheirOwnRequest() {
		Callers.Caller caller = callers.withVpn("10115");
		fixtures.advance("P61D");
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String caseNumber = Callers.verify(supervisor, caller, "10115");
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		callers.confirmRefund(supervisor, caller, caseNumber, charge, "5");
		supervisor.followed(supervisor.post("/console/accounts/" + caller.account() + "/charges/" + charge + "/goodwill",
				Map.of("amount", "5", "reason", "Loyal customer", "caseNumber", caseNumber)));
		String request = jdbc.sql("SELECT id FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(String.class).single();

		ConsoleClient.Page own = supervisor.post("/console/approvals/" + request + "/approve", Map.of());
		assertThat(own.status()).isEqualTo(409);
		assertThat(own.body()).contains("OWN_REQUEST");
		assertThat(status(request)).isEqualTo("PENDING");

		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		assertThat(admin.followed(admin.post("/console/approvals/" + request + "/approve", Map.of("note", "ok"))))
			.contains("Approved: $5.00 refunded");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(500);
	}

	@Test
	void anAdminCannotDecideTheRefundTheyRequestedButAnotherSupervisorCan() {
		Callers.Caller caller = callers.withVpn("10115");
		fixtures.advance("P61D");
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String caseNumber = Callers.verify(admin, caller, "10115");
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		callers.confirmRefund(admin, caller, caseNumber, charge, "7");
		assertThat(admin.followed(admin.post("/console/accounts/" + caller.account() + "/charges/" + charge + "/goodwill",
				Map.of("amount", "7", "reason", "Outage last week", "caseNumber", caseNumber)))).contains("Refund of $7.00 requested");
		String request = jdbc.sql("SELECT id FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(String.class).single();

		ConsoleClient.Page approve = admin.post("/console/approvals/" + request + "/approve", Map.of("note", "fine by me"));
		ConsoleClient.Page reject = admin.post("/console/approvals/" + request + "/reject", Map.of("note", "changed my mind"));

		for (ConsoleClient.Page own : List.of(approve, reject)) {
			assertThat(own.status()).isEqualTo(409);
			assertThat(own.body()).contains("OWN_REQUEST", "Another supervisor must decide your own request");
		}
		assertThat(status(request)).isEqualTo("PENDING");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isZero();
		assertThat(callers.notices(caller.account(), "REFUND_ISSUED")).isZero();
		assertThat(ownDecisionRefusedByTheDatabase(request)).as("the table refuses it too").isTrue();

		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		assertThat(supervisor.followed(supervisor.post("/console/approvals/" + request + "/approve", Map.of("note", "ok"))))
			.contains("Approved: $7.00 refunded");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(700);
		assertThat(jdbc.sql("SELECT decided_by FROM refund_approvals WHERE id = :id").param("id", request)
			.query(String.class).single()).isEqualTo("supervisor");
	}

	/** Whether the database refuses a decision of a request by whoever asked for it (nothing is changed either way). */
	private boolean ownDecisionRefusedByTheDatabase(String request) {
		try {
			int changed = jdbc.sql("""
					UPDATE refund_approvals SET status = 'REJECTED', decided_by = requested_by, decided_at = now()
					WHERE id = :id""").param("id", request).update();
			jdbc.sql("UPDATE refund_approvals SET status = 'PENDING', decided_by = NULL, decided_at = NULL WHERE id = :id")
				.param("id", request).update();
			return changed == 0;
		}
		catch (org.springframework.dao.DataIntegrityViolationException e) {
			return true;
		}
	}

	@Test
	void anAccountIsFoundByNameAloneOrByNameWithTheCardsLastFourDigits() {
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String part = caller.name().substring(8, 16).toUpperCase();
		String link = "/console/accounts/" + caller.account();

		String byName = agent.search(part);
		assertThat(byName).contains(link, "Q*** ").doesNotContain(caller.name(), caller.email());
		assertThat(agent.search(part, "4242")).contains(link, "VISA card").doesNotContain("••4242");
		assertThat(agent.search(part, "4444")).doesNotContain(link).contains("No account matches.");
		assertThat(agent.search("", "4242")).doesNotContain(link);
		assertThat(agent.search(caller.email(), "4242")).contains("Give the caller&#39;s name").doesNotContain(link);
		assertThat(agent.search("%")).doesNotContain("/console/accounts/acct_");
	}

	private String status(String request) {
		return jdbc.sql("SELECT status FROM refund_approvals WHERE id = :id").param("id", request).query(String.class).single();
	}

	private long cases(String account) {
		return jdbc.sql("SELECT count(*) FROM support_cases WHERE account_id = :a").param("a", account).query(Long.class).single();
	}
}
