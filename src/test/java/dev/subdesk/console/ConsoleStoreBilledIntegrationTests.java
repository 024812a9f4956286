package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.stores.AppStorePurchase;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The console for a caller whose subscription the App Store bills: the store's state and refund and the store's
 * steps to read out, with no cancel action; and the case an unmatched store purchase opens, which has no account yet.
 */
class ConsoleStoreBilledIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Clock clock;

	@Test
	void theAgentSeesTheStoresStateItsRefundAndItsStepsButNoCancelAction() {
		Callers.Caller caller = new Callers(api).withVpn("10115");
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		AppStorePurchase purchase = AppStorePurchase.by(api, caller.account(), now);
		assertThat(purchase.notify("SUBSCRIBED", "INITIAL_BUY", now)).isEqualTo("APPLIED");
		purchase.revokedAt(now.plusSeconds(30));
		assertThat(purchase.notify("REFUND", null, now.plusSeconds(31))).isEqualTo("APPLIED");

		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String page = agent.get("/console/accounts/" + caller.account() + "?case=" + caseNumber).body();
		String store = page.substring(page.indexOf("<div class=\"store\">"));
		store = store.substring(0, store.indexOf("</div>"));
		assertThat(store).contains("Billed by the App Store: neither you nor Acme can cancel or refund it")
			.contains("REFUNDED")
			.contains("refunded by the store on")
			.contains("Choose Cancel subscription and confirm")
			.contains("https://apps.apple.com/account/subscriptions");
	}

	@Test
	void aStorePurchaseThatMatchedNoAccountIsACaseWithoutAnAccount() {
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		String account = fixtures.account();
		AppStorePurchase purchase = AppStorePurchase.by(api, account, now);
		api.post("/accounts/" + account + "/close", Map.of());
		var answer = purchase.answer("SUBSCRIBED", "INITIAL_BUY", now);
		assertThat(answer.path("outcome").asString()).isEqualTo("UNMATCHED");
		String caseNumber = answer.path("caseNumber").asString();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		ConsoleClient.Page page = agent.get("/console/cases/" + caseNumber);
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("the App Store purchase " + purchase.originalTransactionId())
			.contains("None yet: a store purchase that matched no account");
		assertThat(api.get("/cases/" + caseNumber).json().path("accountId").isNull()).isTrue();
	}
}
