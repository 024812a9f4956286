package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The pages' language: the account's country when signed in (DE, AT, LI German), else Accept-Language. */
@SubdeskIntegrationTest
class PortalLanguageIntegrationTests extends PortalTestSupport {

	@Test
	void withoutSigningInTheBrowsersLanguageDecidesBetweenGermanAndEnglish() throws Exception {
		assertThat(page("/cancel", "de-AT,de;q=0.9")).contains("lang=\"de\"").contains("Verträge hier kündigen")
			.contains("Vertrag widerrufen");
		assertThat(page("/withdraw", "de")).contains("Widerruf bestätigen");
		assertThat(page("/withdraw", "en-GB,en")).contains("lang=\"en\"").contains("Confirm withdrawal")
			.as("the UK's rules are off: only the EU may withdraw").contains("Customers in the EU can withdraw")
			.doesNotContain("United Kingdom");
		assertThat(page("/cancel", "fr-FR,fr")).contains("lang=\"en\"").contains("Cancel contracts here");
	}

	@Test
	void signedInTheAccountsCountryDecidesWhateverTheBrowserSays() {
		String austrian = fixtures.account("AT", null);
		String american = fixtures.account("US", "NY");
		String liechtenstein = fixtures.account("LI", null);

		PortalSession inAustria = new PortalSession(port, "en-US,en").signIn(api, austrian);
		PortalSession inAmerica = new PortalSession(port, "de-DE,de").signIn(api, american);
		PortalSession inLiechtenstein = new PortalSession(port, "en").signIn(api, liechtenstein);

		assertThat(inAustria.get("/portal").body()).contains("lang=\"de\"").contains("Meine Abonnements");
		assertThat(inAustria.get("/support").body()).contains("lang=\"de\"");
		assertThat(inLiechtenstein.get("/portal/account").body()).contains("lang=\"de\"");
		assertThat(inAmerica.get("/portal").body()).contains("lang=\"en\"").contains("My subscriptions");
		assertThat(inAmerica.get("/cancel").body()).contains("Cancel contracts here").doesNotContain("Verträge hier kündigen");
	}

	/**
	 * Issue 15: the German portal names the products in German, writes amounts in the German currency format and
	 * times in the account's zone with the zone named; the withdrawal deadline is midnight in Germany, not UTC.
	 */
	@Test
	void theGermanPortalShowsGermanProductNamesGermanAmountsAndBerlinTimes() {
		String german = fixtures.account("DE", null);
		fixtures.card(german, "tok_visa");
		String subscription = fixtures.subscribe(german, "antivirus-annual");
		PortalSession session = new PortalSession(port, "en").signIn(api, german);

		String list = session.get("/portal").body();
		assertThat(list).contains("Acme Antivirus, jährlich").contains("59,99\u00a0$")
			.doesNotContain("Acme Antivirus, yearly").doesNotContain("$59.99");
		assertThat(session.get("/portal/account").body()).contains("Acme Antivirus, jährlich").contains("59,99\u00a0$");
		assertThat(session.get("/portal/subscriptions/" + subscription + "/withdraw").body())
			.containsPattern("\\d{1,2}\\. [A-Za-zä]+ \\d{4} um 00:00:00 (MEZ|MESZ) \\(Europe/Berlin\\)")
			.doesNotContain("UTC");
	}

	private String page(String path, String languages) throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url(path))).header("Accept-Language", languages).GET().build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}
}
