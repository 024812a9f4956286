package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/** The allowance of card-digit searches is {@code subdesk.console.card-searches.per-hour}, here 3. */
@TestPropertySource(properties = "subdesk.console.card-searches.per-hour=3")
class ConsoleCardSearchAllowanceConfiguredIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Test
	void theConfiguredAllowanceIsTheOneApplied() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String part = caller.name().substring(8, 16);
		long before = jdbc.sql("SELECT count(*) FROM audit_events WHERE actor = 'agent' AND action = 'SEARCH_BY_CARD'")
			.query(Long.class).single();
		for (int i = 0; i < 3 - before; i++) {
			assertThat(agent.search(part, "4242")).contains("/console/accounts/" + caller.account());
		}

		assertThat(agent.search(part, "4242")).contains("You have run 3 searches with a card&#39;s last four digits")
			.doesNotContain("/console/accounts/" + caller.account());
		assertThat(agent.search(caller.email())).as("other searches go on").contains("/console/accounts/" + caller.account());
	}
}
