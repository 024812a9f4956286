package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.StepUpCodes;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The console's step-up codes are deleted a day after they expired (docs/RETENTION.md): by then every one is used or
 * can never be, and the limit of codes per account counts only the last 15 minutes. What the agent did with them stays
 * in the audit trail.
 */
class StepUpCodeRetentionIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	AuditTrail audit;

	@Autowired
	StepUpCodes stepUp;

	@Test
	void usedAndExpiredCodesAreDeletedADayAfterTheyExpiredAndTheAuditTrailKeepsWhatTheyDid() {
		Callers callers = new Callers(api);
		Callers.Caller caller = callers.withVpn("10115");
		String mastercard = fixtures.card(caller.account(), "tok_mastercard");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		callers.confirmCardRemoval(agent, caller, caseNumber, mastercard);
		assertThat(agent.followed(agent.post(base + "/cards/" + mastercard + "/remove", Map.of("caseNumber", caseNumber))))
			.contains("removed.");
		// a code sent and never read back: it expires unused
		agent.followed(agent.post(base + "/step-up/send", Map.of("action", "CLOSE_ACCOUNT", "caseNumber", caseNumber)));
		assertThat(codes(caller.account())).as("the used code and the unused one").isEqualTo(2);

		fixtures.advance("P1D"); // both expired (10 minutes after they were sent) less than a day ago
		stepUp.forgetOldCodes();
		assertThat(codes(caller.account())).as("kept for a day after they expired").isEqualTo(2);

		fixtures.advance("PT11M");
		Callers.Caller later = callers.withVpn("10115");
		String laterCase = Callers.verify(agent, later, "10115");
		agent.followed(agent.post("/console/accounts/" + later.account() + "/step-up/send",
				Map.of("action", "CLOSE_ACCOUNT", "caseNumber", laterCase)));
		assertThat(stepUp.forgetOldCodes()).as("rows deleted").isGreaterThanOrEqualTo(2);

		assertThat(codes(caller.account())).as("a day after they expired").isZero();
		assertThat(codes(later.account())).as("a live code").isOne();
		assertThat(audit.about(caller.account())).extracting(AuditTrail.Entry::action)
			.contains("STEP_UP_CODE_SENT", "STEP_UP_CONFIRMED", "CARD_REMOVED");
		assertThat(api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").size())
			.as("the card stays removed").isOne();
	}

	private long codes(String account) {
		return jdbc.sql("SELECT count(*) FROM step_up_action_codes WHERE account_id = :a").param("a", account)
			.query(Long.class).single();
	}
}
