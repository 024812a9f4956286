package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.Mailbox;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A step-up code is tied to the one action and target the agent chose when sending it (SECURITY.md, "Step-up codes"):
 * a code a fake "support number" got read out for one thing never opens another.
 */
class StepUpCodeForOneActionIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	AuditTrail audit;

	private Callers callers;

	@BeforeEach
	void callers() {
		callers = new Callers(api);
	}

	@Test
	void aCodeSentToCloseTheAccountNeitherRemovesACardNorChangesTheEmail() {
		Callers.Caller caller = callers.withVpn("10115");
		String visa = card(caller);
		fixtures.card(caller.account(), "tok_mastercard");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();

		callers.confirmStepUp(agent, caller, caseNumber, Map.of("action", "CLOSE_ACCOUNT"));

		ConsoleClient.Page remove = agent.post(base + "/cards/" + visa + "/remove", Map.of("caseNumber", caseNumber));
		ConsoleClient.Page email = agent.post(base + "/email", Map.of("caseNumber", caseNumber,
				"email", dev.subdesk.testing.Fixtures.uniqueEmail()));
		assertThat(remove.status()).as(remove.toString()).isEqualTo(403);
		assertThat(remove.body()).contains("STEP_UP_REQUIRED");
		assertThat(email.status()).as(email.toString()).isEqualTo(403);
		assertThat(api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").size()).isEqualTo(2);
		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(caller.email());
	}

	@Test
	void aCodeToRemoveOneCardDoesNotRemoveAnotherAndRemovesItsOwnOnce() {
		Callers.Caller caller = callers.withVpn("10115");
		String visa = card(caller);
		String mastercard = fixtures.card(caller.account(), "tok_mastercard");
		String secondVisa = fixtures.card(caller.account(), "tok_visa");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();

		callers.confirmCardRemoval(agent, caller, caseNumber, mastercard);

		assertThat(agent.post(base + "/cards/" + secondVisa + "/remove", Map.of("caseNumber", caseNumber)).status())
			.as("the same action on another card").isEqualTo(403);
		assertThat(agent.post(base + "/close", Map.of("caseNumber", caseNumber)).status()).isEqualTo(403);
		assertThat(agent.followed(agent.post(base + "/cards/" + mastercard + "/remove", Map.of("caseNumber", caseNumber))))
			.contains("removed.");
		assertThat(api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").values())
			.extracting(c -> c.path("id").asString()).containsExactlyInAnyOrder(visa, secondVisa);
		assertThat(jdbc.sql("SELECT count(*) FROM step_up_action_codes WHERE account_id = :a AND used_at IS NOT NULL")
			.param("a", caller.account()).query(Long.class).single()).as("used up by the removal").isOne();
		assertThat(audit.about(caller.account())).filteredOn(e -> e.action().startsWith("STEP_UP_"))
			.extracting(AuditTrail.Entry::detail)
			.anyMatch(d -> d.contains("REMOVE_CARD " + mastercard))
			.allMatch(d -> d.contains("REMOVE_CARD"));
	}

	@Test
	void aCodeForARefundIsForThatChargeAndAmountAndIsUsedByOneRequest() {
		Callers.Caller caller = callers.withVpn("10115");
		fixtures.advance("P61D");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		String goodwill = "/console/accounts/" + caller.account() + "/charges/" + charge + "/goodwill";

		callers.confirmRefund(agent, caller, caseNumber, charge, "20");

		ConsoleClient.Page more = agent.post(goodwill, Map.of("amount", "30", "reason", "Outage", "caseNumber", caseNumber));
		assertThat(more.status()).as("another amount").isEqualTo(403);
		assertThat(more.body()).contains("STEP_UP_REQUIRED");
		assertThat(agent.followed(agent.post(goodwill, Map.of("amount", "20", "reason", "Outage", "caseNumber",
				caseNumber)))).contains("Refund of $20.00 requested");
		ConsoleClient.Page again = agent.post(goodwill, Map.of("amount", "20", "reason", "Outage", "caseNumber",
				caseNumber));
		assertThat(again.status()).as("the code was used by the first request").isEqualTo(403);
		assertThat(jdbc.sql("SELECT count(*) FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(Long.class).single()).isOne();
	}

	@Test
	void theEmailNamesTheActionAndItsTarget() {
		String account = fixtures.account("IE", null);
		String card = fixtures.card(account, "tok_visa");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = agent.callCase(api, account);
		agent.get("/console/accounts/" + account + "?case=" + caseNumber); // shows "Caller verified."
		String send = "/console/accounts/" + account + "/step-up/send";
		// the address the caller dictates, shaped as a message to the account's holder
		String newEmail = "call.this.line.to.cancel." + UUID.randomUUID().toString().substring(0, 6) + "@help-desk.example.com";

		assertThat(agent.followed(agent.post(send, Map.of("caseNumber", caseNumber, "action", "REMOVE_CARD", "target", card))))
			.contains("A six-digit code for removing card VISA ••4242 was sent");
		assertThat(Mailbox.latestBody(api, account, "VERIFICATION_CODE"))
			.contains("it lets the agent you read it to remove your VISA card ending in 4242. It allows nothing else.")
			.contains("Acme never needs it to cancel a subscription");
		agent.followed(agent.post(send, Map.of("caseNumber", caseNumber, "action", "CHANGE_EMAIL", "email", newEmail)));
		assertThat(Mailbox.latestBody(api, account, "VERIFICATION_CODE"))
			.contains("it lets the agent you read it to change the email address you sign in with to c***@h***.com.")
			.doesNotContain("this.line", "to.cancel", "help-desk")
			.contains("Acme never needs it to cancel a subscription");
	}

	@Test
	void anEmailChangeWithoutTheCodeFromTheNewAddressChangesNothing() {
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		String newEmail = Fixtures.uniqueEmail();
		String otherEmail = Fixtures.uniqueEmail();

		callers.confirmStepUp(agent, caller, caseNumber, Map.of("action", "CHANGE_EMAIL", "email", newEmail));
		assertThat(agent.followed(agent.post(base + "/email", Map.of("email", newEmail, "caseNumber", caseNumber))))
			.contains("Email not changed: send a code to the new address");
		assertThat(agent.followed(agent.post(base + "/email", Map.of("email", newEmail, "code", "123456",
				"caseNumber", caseNumber)))).contains("Email not changed: no code is waiting at the new address");
		ConsoleClient.Page toAnother = agent.post(base + "/email/send-code", Map.of("email", otherEmail,
				"caseNumber", caseNumber));
		assertThat(toAnother.status()).as("the step-up was for another address").isEqualTo(403);
		assertThat(agent.followed(agent.post(base + "/email/send-code", Map.of("email", newEmail, "caseNumber", caseNumber))))
			.contains("A six-digit code was sent to the new address");
		ConsoleClient.Page otherAddress = agent.post(base + "/email", Map.of("email", otherEmail,
				"code", callers.codeSentTo(newEmail), "caseNumber", caseNumber));
		assertThat(otherAddress.status()).isEqualTo(403);

		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(caller.email());
		assertThat(callers.notices(caller.account(), "EMAIL_CHANGED")).isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM notices WHERE lower(recipient) = lower(:to)").param("to", otherEmail)
			.query(Long.class).single()).isZero();
	}

	@Test
	void anAddressAnotherAccountHasGetsNoCodeAndTheHolderIsNotToldOfIt() {
		Callers.Caller caller = callers.withVpn("10115");
		Callers.Caller other = callers.withVpn("10117");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		long codesBefore = callers.notices(caller.account(), "VERIFICATION_CODE");

		assertThat(agent.followed(agent.post(base + "/step-up/send", Map.of("caseNumber", caseNumber,
				"action", "CHANGE_EMAIL", "email", other.email().toUpperCase(java.util.Locale.ROOT)))))
			.contains("No code sent: another account has this address");

		assertThat(callers.notices(caller.account(), "VERIFICATION_CODE")).as("no code to the holder naming the address")
			.isEqualTo(codesBefore);
		assertThat(jdbc.sql("SELECT count(*) FROM notices WHERE lower(recipient) = lower(:to) AND type = 'VERIFICATION_CODE'")
			.param("to", other.email()).query(Long.class).single()).as("nothing to the other account's holder").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM step_up_action_codes WHERE account_id = :a").param("a", caller.account())
			.query(Long.class).single()).isZero();
	}

	@Test
	void wrongCodesFromTheNewAddressCountTriesAndSpendTheCode() {
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		String newEmail = Fixtures.uniqueEmail();
		callers.confirmStepUp(agent, caller, caseNumber, Map.of("action", "CHANGE_EMAIL", "email", newEmail));
		agent.followed(agent.post(base + "/email/send-code", Map.of("email", newEmail, "caseNumber", caseNumber)));
		String code = callers.codeSentTo(newEmail);
		String wrong = code.equals("000000") ? "000001" : "000000";

		for (int i = 0; i < 5; i++) {
			assertThat(agent.followed(agent.post(base + "/email", Map.of("email", newEmail, "code", wrong,
					"caseNumber", caseNumber)))).contains("that is not the code sent to the new address");
		}
		assertThat(jdbc.sql("SELECT attempts FROM step_up_action_codes WHERE account_id = :a AND action = 'NEW_EMAIL'")
			.param("a", caller.account()).query(Integer.class).single()).isEqualTo(5);
		assertThat(agent.followed(agent.post(base + "/email", Map.of("email", newEmail, "code", code,
				"caseNumber", caseNumber)))).contains("no code is waiting at the new address");
		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(caller.email());
		assertThat(jdbc.sql("SELECT count(*) FROM step_up_action_codes WHERE account_id = :a AND code_hash = :code")
			.param("a", caller.account()).param("code", code).query(Long.class).single()).as("only hashes").isZero();
	}

	@Test
	void theWholeChangeOfEmailWorksOnceAndTheNewAddressIsToldNothingButWhatTheServerWrites() {
		Callers.Caller caller = callers.withVpn("10115");
		fixtures.card(caller.account(), "tok_mastercard");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		String newEmail = Fixtures.uniqueEmail();

		assertThat(callers.changeEmail(agent, caller, caseNumber, newEmail)).contains("Email changed");

		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(newEmail);
		assertThat(callers.notices(caller.account(), "EMAIL_CHANGED")).isOne();
		assertThat(Mailbox.latestBodyTo(api, newEmail, "VERIFICATION_CODE"))
			.contains("Ein Mitarbeiter von Acme ändert die E-Mail-Adresse eines Acme-Kontos in diese Adresse.")
			.contains("Wenn nicht, sagen Sie nichts und tun Sie nichts")
			.doesNotContain(caller.name(), caller.email(), caller.account(), caseNumber);
		assertThat(jdbc.sql("SELECT count(*) FROM step_up_action_codes WHERE account_id = :a AND used_at IS NOT NULL")
			.param("a", caller.account()).query(Long.class).single()).as("both codes used by the change").isEqualTo(2);
		String again = Fixtures.uniqueEmail();
		assertThat(agent.post(base + "/email/send-code", Map.of("email", newEmail, "caseNumber", caseNumber)).status())
			.as("the step-up was used by the change").isEqualTo(403);
		assertThat(agent.post(base + "/email", Map.of("email", again, "code", "123456", "caseNumber", caseNumber)).status())
			.isEqualTo(403);
		assertThat(audit.about(caller.account())).extracting(AuditTrail.Entry::action)
			.contains("STEP_UP_CODE_SENT", "STEP_UP_CONFIRMED", "NEW_EMAIL_CODE_SENT", "NEW_EMAIL_CODE_CONFIRMED",
					"EMAIL_CHANGED");
		assertThat(audit.about(caller.account())).extracting(AuditTrail.Entry::detail)
			.noneMatch(d -> d != null && d.contains(newEmail));
	}

	@Test
	void aCodeForOneActionNeedsNoOtherAndAnUnknownActionSendsNothing() {
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String send = "/console/accounts/" + caller.account() + "/step-up/send";

		assertThat(agent.followed(agent.post(send, Map.of("caseNumber", caseNumber)))).contains("No code sent");
		assertThat(agent.followed(agent.post(send, Map.of("caseNumber", caseNumber, "action", "EVERYTHING"))))
			.contains("No code sent");
		assertThat(agent.followed(agent.post(send, Map.of("caseNumber", caseNumber, "action", "CHANGE_EMAIL",
				"email", "not an address")))).contains("No code sent");
		assertThat(callers.notices(caller.account(), "VERIFICATION_CODE")).isZero();
	}

	private String card(Callers.Caller caller) {
		return api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").get(0).path("id")
			.asString();
	}
}
