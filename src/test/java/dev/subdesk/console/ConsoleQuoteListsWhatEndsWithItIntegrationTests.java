package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The agent's quote says what else ends with the subscription, so the caller hears it before agreeing. */
class ConsoleQuoteListsWhatEndsWithItIntegrationTests extends ApiIntegrationTest {

	private static final Pattern ALSO_ENDS = Pattern.compile("<ul id=\"also-ends\">(.*?)</ul>", Pattern.DOTALL);

	@Test
	void theQuoteOfABaseSubscriptionListsItsAddOnsWhoseRefundItIncludes() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		String antivirus = fixtures.subscribe(caller.account(), "antivirus-annual");
		String addOn = fixtures.addOn(caller.account(), "identity-addon-annual", antivirus);
		String addOnOrder = fixtures.subscription(addOn).text("orderNumber");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");

		String quote = agent.post("/console/accounts/" + caller.account() + "/subscriptions/" + antivirus + "/quote",
				Map.of("mode", "IMMEDIATE", "caseNumber", caseNumber)).body();

		Matcher listed = ALSO_ENDS.matcher(quote);
		assertThat(listed.find()).as("the add-ons that end too").isTrue();
		assertThat(listed.group(1)).contains("Identity Guard add-on, yearly (order " + addOnOrder + ")");
		assertThat(quote).contains("the refund includes them").contains("id=\"quote-refund\">$89.98<");
	}

	@Test
	void theQuoteOfASubscriptionWithoutAddOnsListsNothingElse() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");

		String quote = agent.post("/console/accounts/" + caller.account() + "/subscriptions/" + caller.subscription() + "/quote",
				Map.of("mode", "END_OF_TERM", "caseNumber", caseNumber)).body();

		assertThat(quote).contains("id=\"quote\"").doesNotContain("also-ends");
	}
}
