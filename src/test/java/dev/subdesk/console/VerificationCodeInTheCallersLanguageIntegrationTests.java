package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Mailbox;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The step-up code email is in the account's language (issue 15): the console's callers are customers in Germany,
 * so their code arrives in German, with the German footer naming the official channels, and still works.
 */
class VerificationCodeInTheCallersLanguageIntegrationTests extends ApiIntegrationTest {

	@Test
	void theCodeSaysTheOneActionItLetsTheAgentDoAndThatCancellingNeverNeedsIt() {
		String account = fixtures.account("IE", null);
		fixtures.card(account, "tok_visa");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = agent.callCase(api, account);
		agent.followed(agent.post("/console/accounts/" + account + "/step-up/send", Map.of("caseNumber", caseNumber,
				"action", "CLOSE_ACCOUNT")));

		assertThat(Mailbox.latestBody(api, account, "VERIFICATION_CODE"))
			.contains("for one thing only: it lets the agent you read it to close your Acme account")
			.contains("It allows nothing else.")
			.doesNotContain("remove your", "ask for a goodwill refund", "change the email address you sign in with")
			.contains("Acme never needs it to cancel a subscription: you can always do that yourself in your account.");
	}

	@Test
	void aCallerInGermanyGetsTheStepUpCodeInGermanAndItWorks() {
		Callers callers = new Callers(api);
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String card = api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").get(0).path("id")
			.asString();
		agent.followed(agent.post("/console/accounts/" + caller.account() + "/step-up/send", Map.of("caseNumber", caseNumber,
				"action", "REMOVE_CARD", "target", card)));

		String body = Mailbox.latestBody(api, caller.account(), "VERIFICATION_CODE");

		assertThat(body).containsPattern("Ihr Acme-Bestätigungscode lautet \\d{6}\\. Er gilt einmal, innerhalb von \\d+ Minuten, und nur für eines: ")
			.contains("Wenn Sie nicht mit Acme telefonieren, geben Sie ihn an niemanden weiter.")
			.as("what the code lets the agent do, and that cancelling never needs it")
			.contains("Mit ihm kann der Mitarbeiter, dem Sie ihn nennen, Ihre VISA-Karte mit der Endung 4242 entfernen.")
			.contains("Für nichts anderes gilt er.")
			.contains("Um ein Abonnement zu kündigen, braucht Acme ihn nie")
			.contains("Offizieller Acme-Support:")
			.doesNotContain("Your Acme verification code")
			.doesNotContain("Official Acme support");
		assertThat(agent.followed(agent.post("/console/accounts/" + caller.account() + "/step-up/confirm",
				Map.of("code", callers.emailedCode(caller.account()), "caseNumber", caseNumber)))).contains("Code confirmed");
	}
}
