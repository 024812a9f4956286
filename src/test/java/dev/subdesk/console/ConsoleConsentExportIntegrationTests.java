package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Issue 12, R-US-2: the consent export per account in the console, readable by a card network's dispute team: the
 * order, the time, how and where the buyer agreed, the exact text and its SHA-256; supervisors only, audited.
 */
class ConsoleConsentExportIntegrationTests extends ApiIntegrationTest {

	@Autowired
	AuditTrail audit;

	@Test
	void aSupervisorExportsEveryConsentWithTheExactTextItsHashAndTheOrderAndTheExportIsAudited() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String disclosure = fixtures.disclosure(account, "antivirus-annual", null);
		String sub = api.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-annual", "consent",
				Map.of("disclosureId", disclosure, "method", "CHECKBOX"))).id();
		String order = fixtures.subscription(sub).text("orderNumber");
		var record = api.get("/accounts/" + account + "/consents").json().path("data").get(0);

		ConsoleClient.Page export = ConsoleClient.signedIn(port, "supervisor")
			.get("/console/accounts/" + account + "/consents.txt");
		assertThat(export.status()).isEqualTo(200);
		assertThat(export.body()).contains("Consent records of Acme account " + account + " (country US, region CA)",
				"1 record(s).", "Order:         " + order, "ticked a separate, unticked checkbox (CHECKBOX)",
				"the vendor's own checkout, through the API (API)", "Text SHA-256:  " + record.path("textSha256").asString(),
				"  | Acme Antivirus, yearly: $59.99 today")
			.doesNotContain(api.get("/accounts/" + account).text("email"));
		assertThat(audit.about(account)).anySatisfy(e -> {
			assertThat(e.action()).isEqualTo("EXPORT_CONSENTS");
			assertThat(e.actor()).isEqualTo("supervisor");
		});
	}

	@Test
	void theExportClaimsOfTheHashOnlyWhatItProvesAndSaysWhatItDoesNot() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		var disclosure = api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", "antivirus-annual"));
		assertThat(api.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-annual", "consent",
				Map.of("disclosureId", disclosure.id(), "method", "BUTTON"))).status()).isEqualTo(201);

		String export = ConsoleClient.signedIn(port, "supervisor").get("/console/accounts/" + account + "/consents.txt")
			.body();

		assertThat(export).as("the hash sits in the same row as the text: it proves no integrity on its own")
			.doesNotContain("shows it was not changed", "tamper")
			.contains("What the hash proves: it identifies that exact text",
					"received it as the\ndisclosure's textSha256 when the disclosure was made",
					"What it does not prove: the hash printed here is stored in the same row as the text",
					"not show that the record was not changed since")
			.contains("Text SHA-256:  " + disclosure.text("textSha256"))
			.doesNotContain("%n");
		// what the export says anyone can do: recompute the hash from the text shown, and find the one the vendor's
		// checkout received with the disclosure
		String text = export.substring(export.indexOf("Text shown:") + "Text shown:".length()).lines()
			.filter(line -> line.startsWith("  | "))
			.map(line -> line.substring(4))
			.collect(java.util.stream.Collectors.joining("\n"));
		assertThat(text).isEqualTo(disclosure.text("text"));
		assertThat(dev.subdesk.checkout.Disclosures.sha256(text)).isEqualTo(disclosure.text("textSha256"));
	}

	@Test
	void anAgentMayNotExportConsents() {
		String account = fixtures.account("US", "CA");
		assertThat(ConsoleClient.signedIn(port, "agent").get("/console/accounts/" + account + "/consents.txt").status())
			.isEqualTo(403);
	}
}
