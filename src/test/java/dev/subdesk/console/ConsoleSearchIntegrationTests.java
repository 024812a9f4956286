package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Finding the caller's account: what a search tells the agent, what it costs, and what the audit trail keeps of it. */
class ConsoleSearchIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	/**
	 * A card's last four digits are a verification answer: a search by name and digits compares them only as a
	 * verification attempt on each account the name finds, so wrong digits use attempts and lock verification after
	 * five, as the verification form would; they are no free oracle for the digits.
	 */
	@Test
	void wrongCardDigitsInANameSearchUseVerificationAttempts() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String part = caller.name().substring(8, 16);
		String link = "/console/accounts/" + caller.account();

		for (String wrong : new String[] { "0000", "0001", "0002", "0003", "0004" }) {
			assertThat(search(agent, part, wrong)).doesNotContain(link).contains("No account matches.");
		}

		ConsoleClient.Page verify = agent.post(link + "/verify",
				Map.of("email", caller.email(), "billingPostcode", "10115"));
		assertThat(agent.followed(verify)).contains("Verification is locked").doesNotContain("Caller verified.");
	}

	/** The right digits find the account and use no attempt (a right answer alone), as on the verification form. */
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

	private String search(ConsoleClient agent, String q, String last4) {
		return agent.get("/console?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&last4=" + last4).body();
	}

}
