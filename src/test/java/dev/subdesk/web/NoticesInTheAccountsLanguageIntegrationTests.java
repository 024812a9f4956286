package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Mailbox;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Emails in the account's language (issue 15): an account in Germany, Austria or Liechtenstein gets its sign-in code,
 * cancellation confirmation and withdrawal acknowledgement in German, with amounts in German currency format, times
 * in its country's zone with the zone named, and the footer (how to cancel, official channels) in German; any
 * other account gets them in English as before.
 */
@SubdeskIntegrationTest
class NoticesInTheAccountsLanguageIntegrationTests extends PortalTestSupport {

	private static final String NBSP = "\u00a0";

	@Test
	void aGermanAccountsSignInCodeIsInGermanWithTheGermanFooter() {
		String german = germanAccount("DE");

		new PortalSession(port).signIn(api, german);

		String body = Mailbox.latestBody(api, german, "SIGN_IN_CODE");
		assertThat(body).containsPattern("Ihr Acme-Anmeldecode lautet \\d{6}\\. Er gilt einmal, innerhalb von 10 Minuten\\.")
			.contains("Acme fragt Sie nie am Telefon nach diesem Code.")
			.contains("So kündigen Sie:")
			.contains("Offizieller Acme-Support: das Hilfe-Center unter")
			.doesNotContain("Your Acme sign-in code")
			.doesNotContain("How to cancel");
		assertThat(subject(german, "SIGN_IN_CODE")).isEqualTo("Ihr Acme-Anmeldecode");
	}

	@Test
	void aGermanAccountsCancellationConfirmationIsInGermanWithGermanDollarsAndBerlinTime() {
		String german = germanAccount("DE");
		String subscription = fixtures.subscribe(german, "antivirus-annual");

		Api.Response cancelled = api.post("/subscriptions/" + subscription + "/cancel",
				Map.of("mode", "IMMEDIATE", "reason", "NOT_USING"));
		assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
		String number = cancelled.json().path("confirmationNumber").asString();
		long refund = cancelled.json().path("refundTotal").path("amount").asLong();

		String body = Mailbox.latestBody(api, german, "CANCELLATION_CONFIRMATION");
		assertThat(refund).isPositive();
		assertThat(subject(german, "CANCELLATION_CONFIRMATION")).isEqualTo("Kündigung bestätigt: " + number);
		assertThat(body).startsWith("Ihre Kündigung ist bestätigt.")
			.contains("Bestätigungsnummer: " + number)
			.containsPattern("Eingegangen: \\d{1,2}\\. [A-Za-zä]+ \\d{4} um \\d{2}:\\d{2}:\\d{2} (MEZ|MESZ) \\(Europe/Berlin\\)")
			.contains("Art: sofort")
			.contains("Es wird nicht erneut abgebucht.")
			.contains("Erstattung: " + germanDollars(refund) + " auf die Karte, mit der bezahlt wurde")
			.contains("Ihr signierter Nachweis: ")
			.contains("So kündigen Sie:")
			.doesNotContain("Your cancellation is confirmed")
			.doesNotContain("$" + refund / 100)
			.doesNotContain("UTC");
	}

	@Test
	void aGermanAccountsWithdrawalAcknowledgementIsInGermanAndRepeatsNothingAStrangerTyped() {
		String austrian = germanAccount("AT");
		String subscription = fixtures.subscribe(austrian, "antivirus-annual");
		String order = fixtures.subscription(subscription).text("orderNumber");

		PortalSession session = new PortalSession(port);
		session.get("/withdraw");
		PortalSession.Page posted = session.post("/withdraw",
				PortalWithdrawalIntegrationTests.form("Erika <b>Mustermann</b>", email(austrian), order));
		assertThat(posted.status()).as(posted.body()).isEqualTo(302);

		String body = Mailbox.latestBody(api, austrian, "WITHDRAWAL_ACKNOWLEDGEMENT");
		long refund = api.get("/accounts/" + austrian + "/charges?limit=50").json().path("data").values().stream()
			.mapToLong(ch -> ch.path("amount").asLong())
			.sum();
		assertThat(subject(austrian, "WITHDRAWAL_ACKNOWLEDGEMENT")).startsWith("Wir haben Ihren Widerruf erhalten: WDR-");
		assertThat(body).startsWith("Wir haben Ihren Widerruf des Vertrags erhalten.")
			.contains("keine Kündigung")
			.containsPattern("Widerrufsnummer: WDR-")
			.containsPattern("Eingegangen: \\d{1,2}\\. [A-Za-zä]+ \\d{4} um \\d{2}:\\d{2}:\\d{2} (MEZ|MESZ) \\(Europe/Vienna\\)")
			.contains("Vertrag: ").contains("(Bestellung " + order + ")")
			.contains("Der Vertrag endete sofort, am ")
			.contains("Erstattung: " + germanDollars(refund) + ", alles, was Sie dafür bezahlt haben")
			.contains("So kündigen Sie:")
			.doesNotContain("Mustermann")
			.doesNotContain("<b>")
			.doesNotContain("We have received");
	}

	@Test
	void anAccountOutsideGermanSpeakingCountriesStaysEnglish() {
		String american = fixtures.account("US", "NY");
		fixtures.card(american, "tok_visa");
		String subscription = fixtures.subscribe(american, "antivirus-annual");
		new PortalSession(port).signIn(api, american);
		Api.Response cancelled = api.post("/subscriptions/" + subscription + "/cancel",
				Map.of("mode", "IMMEDIATE", "reason", "NOT_USING"));
		long refund = cancelled.json().path("refundTotal").path("amount").asLong();

		assertThat(Mailbox.latestBody(api, american, "SIGN_IN_CODE")).containsPattern("Your Acme sign-in code is \\d{6}")
			.contains("How to cancel:")
			.doesNotContain("So kündigen Sie");
		assertThat(Mailbox.latestBody(api, american, "CANCELLATION_CONFIRMATION"))
			.startsWith("Your cancellation is confirmed.")
			.containsPattern("Received: \\d{1,2} [A-Za-z]+ \\d{4} at \\d{2}:\\d{2}:\\d{2} UTC")
			.contains("Mode: immediately")
			.contains("Refund: $%d.%02d to the card that paid".formatted(refund / 100, refund % 100))
			.contains("How to cancel:");

		Customer irish = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port);
		session.get("/withdraw");
		session.post("/withdraw", PortalWithdrawalIntegrationTests.form("Ann", irish.email(), irish.orderNumber()));
		assertThat(Mailbox.latestBody(api, irish.account(), "WITHDRAWAL_ACKNOWLEDGEMENT"))
			.startsWith("We have received your withdrawal from the contract.")
			.containsPattern("Received: \\d{1,2} [A-Za-z]+ \\d{4} at \\d{2}:\\d{2}:\\d{2} [A-Z]+ \\(Europe/Dublin\\)")
			.contains("How to cancel:");
	}

	private String germanAccount(String country) {
		String account = fixtures.account(country, null);
		fixtures.card(account, "tok_visa");
		return account;
	}

	/** {@code 89,98 $}: the German currency format, with the no-break space Java's locale data puts before the sign. */
	private static String germanDollars(long minor) {
		return "%d,%02d%s$".formatted(minor / 100, minor % 100, NBSP);
	}

	private String subject(String account, String type) {
		JsonNode notice = api.get("/accounts/" + account + "/notices?limit=50").json().path("data").values().stream()
			.filter(n -> type.equals(n.path("type").asString()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + type + " notice"));
		return notice.path("subject").asString();
	}
}
