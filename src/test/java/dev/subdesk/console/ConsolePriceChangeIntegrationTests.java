package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: the agent sees a caller's pending price change on the account page (read only): the old and new price,
 * the renewal it applies at, when the notice went out, and whether the customer's consent is still missing.
 */
class ConsolePriceChangeIntegrationTests extends ApiIntegrationTest {

	private static final String PLAN = "price-test-annual-7";

	@Test
	void theAccountPageShowsAPendingPriceChangeAndWhetherConsentIsMissing() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		String sub = fixtures.subscribe(caller.account(), PLAN);
		String order = fixtures.subscription(sub).text("orderNumber");
		Instant renewal = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));
		Instant now = Instant.parse(api.get("/test-clock").text("now"));
		assertThat(api.post("/plans/" + PLAN + "/price-changes", Map.of("price", Map.of("amount", 1300, "currency", "USD"),
				"effectiveFrom", now.plus(Duration.ofDays(31)).truncatedTo(ChronoUnit.SECONDS).toString(),
				"existingSubscribers", "MOVE")).status()).isEqualTo(201);
		fixtures.advance(Duration.between(now, renewal.minus(Duration.ofDays(30))).plusSeconds(1));

		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String page = agent.get("/console/accounts/" + caller.account() + "?case=" + caseNumber).body();
		String article = page.substring(page.indexOf("id=\"sub-" + order + "\""));
		article = article.substring(0, article.indexOf("</article>"));
		assertThat(article).contains("Price changes from $10.00 to $13.00 at the renewal on",
				"needs the customer&#39;s consent (portal), else the subscription ends then");
		assertThat(article).as("read only: no action on it").doesNotContain("price-change/accept");
	}
}
