package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.Mailbox;
import dev.subdesk.testing.MailingServer;
import dev.subdesk.testing.ScriptedSmtpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The step-up codes' send POSTs ({@code /step-up/send} to the email on file, {@code /email/send-code} to a new address)
 * refuse an agent who has not verified the caller, or whose verification ended (a failed attempt since), with
 * {@code 403 CALLER_NOT_VERIFIED}: no code row, no audit entry of a code sent, no case note, and no email at the real
 * SMTP server the application delivers to, while the same agent's code after verifying does reach it.
 */
class StepUpCodesNeedAVerifiedCallerIntegrationTests {

	private static final Duration PATIENCE = Duration.ofSeconds(30);

	@TempDir
	static Path dataDir;

	static ScriptedSmtpServer smtp;

	static MailingServer server;

	static Api api;

	static JdbcClient jdbc;

	static int port;

	@BeforeAll
	static void start() {
		smtp = new ScriptedSmtpServer();
		server = MailingServer.start(dataDir, smtp);
		api = server.api();
		port = Integer.parseInt(server.app().getEnvironment().getProperty("local.server.port", "0"));
		jdbc = server.app().getBean(JdbcClient.class);
		Mailbox.register(port, jdbc);
	}

	@AfterAll
	static void stop() {
		MailingServer.stop(server, smtp);
	}

	@Test
	void anAgentWhoHasNotVerifiedTheCallerSendsNoCodeAndChangesNothing() {
		Callers callers = new Callers(api);
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String base = "/console/accounts/" + caller.account();
		String newEmail = Fixtures.uniqueEmail();
		// the holder's mail waits at the mail server (451) until the end, so the code read back is still in its notice:
		// a notice's text is erased once the mail server took it
		smtp.keepBusy(caller.email());

		refused(agent, caller, base + "/step-up/send", Map.of("action", "CLOSE_ACCOUNT"));
		refused(agent, caller, base + "/step-up/send", Map.of("action", "CHANGE_EMAIL", "email", newEmail));
		refused(agent, caller, base + "/email/send-code", Map.of("email", newEmail));

		// verified, the code for the change read back; then a failed attempt (someone else on the line) ends it
		String caseNumber = Callers.verify(agent, caller, "10115");
		callers.confirmStepUp(agent, caller, caseNumber, Map.of("action", "CHANGE_EMAIL", "email", newEmail));
		agent.post(base + "/verify", Map.of("email", caller.email(), "billingPostcode", "99999", "caseNumber", caseNumber));
		refused(agent, caller, base + "/email/send-code", Map.of("email", newEmail, "caseNumber", caseNumber));
		refused(agent, caller, base + "/step-up/send", Map.of("action", "CLOSE_ACCOUNT", "caseNumber", caseNumber));

		// the same agent, verified again: the code does reach the mail server (the test can see a code sent)
		smtp.free(caller.email());
		String again = Callers.verify(agent, caller, "10115");
		assertThat(agent.followed(agent.post(base + "/step-up/send", Map.of("action", "CLOSE_ACCOUNT",
				"caseNumber", again)))).contains("A six-digit code for closing the account was sent");
		long notices = api.get("/accounts/" + caller.account() + "/notices").json().path("data").size();
		await("every notice of the account at the mail server").atMost(PATIENCE)
			.until(() -> deliveredTo(caller.email()) == notices);

		assertThat(callers.notices(caller.account(), "VERIFICATION_CODE"))
			.as("the code read back while verified, and the one after verifying again").isEqualTo(2);
		assertThat(deliveredTo(caller.email())).as("nothing more at the mail server than the account's notices")
			.isEqualTo(notices);
		assertThat(deliveredTo(newEmail)).as("no code to the new address").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM notices WHERE lower(recipient) = lower(:to)").param("to", newEmail)
			.query(Long.class).single()).isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM step_up_action_codes WHERE account_id = :a AND action = 'NEW_EMAIL'")
			.param("a", caller.account()).query(Long.class).single()).isZero();
		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(caller.email());
	}

	/**
	 * Posts the form and checks the refusal, and that it wrote nothing: no code row, no audit entry, no case event,
	 * no notice.
	 */
	private static void refused(ConsoleClient agent, Callers.Caller caller, String path, Map<String, String> form) {
		List<Long> before = written(caller.account());
		ConsoleClient.Page page = agent.post(path, form);
		assertThat(page.status()).as(path + " " + form + ": " + page).isEqualTo(403);
		assertThat(page.body()).as(path + " " + form).contains("CALLER_NOT_VERIFIED");
		assertThat(written(caller.account())).as(path + " " + form + " wrote nothing").isEqualTo(before);
	}

	/** The account's code rows, audit entries, case events and notices, counted. */
	private static List<Long> written(String account) {
		return jdbc.sql("""
				SELECT (SELECT count(*) FROM step_up_action_codes WHERE account_id = :a),
				       (SELECT count(*) FROM audit_events WHERE target = :a),
				       (SELECT count(*) FROM case_events e JOIN support_cases c ON c.case_number = e.case_number
				        WHERE c.account_id = :a),
				       (SELECT count(*) FROM notices WHERE account_id = :a)
				""").param("a", account)
			.query((rs, n) -> List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
			.single();
	}

	private static long deliveredTo(String address) {
		return smtp.delivered().stream().filter(address::equalsIgnoreCase).count();
	}
}
