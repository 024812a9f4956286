package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The agent console tells a free trial as it is (issue 12): "Free trial", when it ends, the first charge's amount and
 * date, that cancelling costs nothing, and a quote that says nothing is refunded because nothing was charged.
 */
class ConsoleTrialWordingIntegrationTests extends ApiIntegrationTest {

	private static String trialBlock(String page, String orderNumber) {
		Matcher m = Pattern.compile("id=\"trial-" + orderNumber + "\">(.*?)</div>", Pattern.DOTALL).matcher(page);
		assertThat(m.find()).as(page).isTrue();
		return m.group(1).replaceAll("<[^>]+>", "").replaceAll("\\s+", " ");
	}

	@Test
	void aTrialingSubscriptionIsShownAsAFreeTrialWithItsEndAndFirstChargeAndItsQuoteRefundsNothingBecauseNothingWasCharged() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		String trial = fixtures.subscribe(caller.account(), "vpn-monthly-trial");
		var s = fixtures.subscription(trial).json();
		String orderNumber = s.path("orderNumber").asString();
		String endsOn = java.time.format.DateTimeFormatter.ofPattern("d MMMM uuuu", java.util.Locale.ENGLISH)
			.format(java.time.Instant.parse(s.path("trialEndsAt").asString()).atZone(java.time.ZoneOffset.UTC));
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");

		String account = agent.get("/console/accounts/" + caller.account() + "?case=" + caseNumber).body();
		assertThat(trialBlock(account, orderNumber)).contains("Status: Free trial; the trial ends on " + endsOn + ".",
				"Nothing has been charged.", "First charge: $4.99 on " + endsOn + ", unless the caller cancels before then.",
				"Cancelling now costs the caller nothing");
		assertThat(account).doesNotContain(">TRIALING<");

		for (String mode : new String[] { "IMMEDIATE", "END_OF_TERM" }) {
			String quote = agent.post("/console/accounts/" + caller.account() + "/subscriptions/" + trial + "/quote",
					Map.of("mode", mode, "caseNumber", caseNumber)).body();
			assertThat(quote).contains("id=\"quote-refund\">$0.00<", "this is a free trial until",
					"Nothing is refunded because nothing was charged, and nothing will be charged");
		}
		String paid = agent.post("/console/accounts/" + caller.account() + "/subscriptions/" + caller.subscription() + "/quote",
				Map.of("mode", "IMMEDIATE", "caseNumber", caseNumber)).body();
		assertThat(paid).as("a paid subscription's quote says nothing of a trial").doesNotContain("quote-trial");

		assertThat(fixtures.cancel(trial, "END_OF_TERM").status()).isEqualTo(200);
		String ending = agent.get("/console/accounts/" + caller.account() + "?case=" + caseNumber).body();
		assertThat(trialBlock(ending, orderNumber)).contains("Status: Free trial, ends " + endsOn,
				"No charge will follow: it is set to end with the trial.").doesNotContain("First charge");
	}
}
