package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue 15: every notice of a subscription's life reaches an account in Germany in German: the wording, the
 * product's German name, amounts in the German currency format, days in German and times in Berlin's zone with the
 * zone named, and the German footer.
 */
class NoticesInGermanIntegrationTests extends ApiIntegrationTest {

	private static final String NBSP = "\u00a0";

	private List<JsonNode> notices(String account) {
		return api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values().stream().toList();
	}

	private static JsonNode only(List<JsonNode> notices, String type) {
		return notices.stream().filter(n -> n.path("type").asString().equals(type)).findFirst()
			.orElseThrow(() -> new AssertionError("no " + type));
	}

	private Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}

	@Test
	void everyNoticeOfAGermanAccountsSubscriptionLifeIsInGermanWithGermanNamesAmountsAndBerlinTime() {
		String paying = fixtures.account("DE", null);
		fixtures.card(paying, "tok_visa");
		String monthly = fixtures.subscribe(paying, "antivirus-monthly");
		String declining = fixtures.account("DE", null);
		fixtures.card(declining, "tok_visa");
		String doomed = fixtures.subscribe(declining, "antivirus-monthly");
		String firstCharge = api.get("/accounts/" + declining + "/charges").json().path("data").get(0).path("id").asString();
		assertThat(api.patch("/subscriptions/" + doomed, Map.of("paymentMethodId",
				fixtures.card(declining, "tok_chargeDeclined"))).status()).isEqualTo(200);

		Instant end = Instant.parse(fixtures.subscription(monthly).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(now(), end).plusDays(6));
		assertThat(fixtures.subscription(doomed).text("status")).isEqualTo("EXPIRED");
		assertThat(fixtures.cancel(monthly, "IMMEDIATE").status()).isEqualTo(200);
		assertThat(api.post("/charges/" + firstCharge + "/disputes", Map.of("reason", "UNRECOGNIZED")).status())
			.isEqualTo(200);

		List<JsonNode> all = new ArrayList<>(notices(paying));
		all.addAll(notices(declining));
		Set<String> types = all.stream().map(n -> n.path("type").asString()).collect(Collectors.toSet());
		assertThat(types).contains("WELCOME", "ORDER_CONFIRMATION", "RENEWAL_REMINDER", "RENEWAL_RECEIPT",
				"CANCELLATION_CONFIRMATION", "REFUND_ISSUED", "PAYMENT_FAILED", "SUBSCRIPTION_EXPIRED", "CASE_UPDATE");
		assertThat(all).allSatisfy(n -> assertThat(n.path("subject").asString() + "\n" + n.path("body").asString())
			.as(n.path("type").asString())
			.contains("So kündigen Sie:")
			.contains("Offizieller Acme-Support:")
			.doesNotContain("How to cancel")
			.doesNotContain("$6.99")
			.doesNotContain("Acme Antivirus, monthly")
			.doesNotContain(" UTC"));

		String sixNinetyNine = "6,99" + NBSP + "$";
		List<JsonNode> payingNotices = notices(paying);
		assertThat(only(payingNotices, "WELCOME").path("subject").asString()).isEqualTo("Willkommen bei Acme");
		JsonNode order = only(payingNotices, "ORDER_CONFIRMATION");
		assertThat(order.path("subject").asString()).endsWith(": Acme Antivirus, monatlich");
		assertThat(order.path("body").asString()).contains("Sie haben heute " + sixNinetyNine + " mit Ihrer VISA-Karte mit den Endziffern 4242 bezahlt.")
			.contains("verlängert sich automatisch jeden Monat zu " + sixNinetyNine)
			.containsPattern("Widerrufsrecht: .* bis zum Ablauf des \\d{1,2}\\. [A-Za-zä]+ \\d{4}\\.");
		assertThat(only(payingNotices, "RENEWAL_REMINDER").path("body").asString())
			.contains("Ihr Abonnement Acme Antivirus, monatlich").contains("für den nächsten Monat belastet");
		assertThat(only(payingNotices, "RENEWAL_RECEIPT").path("body").asString())
			.startsWith("Wir haben " + sixNinetyNine + " für Acme Antivirus, monatlich")
			.contains("Geld-zurück-Garantie: Kündigen Sie innerhalb von 14 Tagen");
		assertThat(only(payingNotices, "REFUND_ISSUED").path("subject").asString()).startsWith("Erstattung von ")
			.endsWith(NBSP + "$ veranlasst");
		List<JsonNode> decliningNotices = notices(declining);
		assertThat(only(decliningNotices, "PAYMENT_FAILED").path("subject").asString())
			.isEqualTo("Zahlung für Acme Antivirus, monatlich fehlgeschlagen");
		assertThat(only(decliningNotices, "SUBSCRIPTION_EXPIRED").path("body").asString())
			.containsPattern("ist am \\d{1,2}\\. [A-Za-zä]+ \\d{4} um \\d{2}:\\d{2}:\\d{2} (MEZ|MESZ) \\(Europe/Berlin\\) abgelaufen");
		assertThat(only(decliningNotices, "CASE_UPDATE").path("subject").asString()).startsWith("Vorgang CASE-")
			.contains(" eröffnet: ");
	}

	@Test
	void anAccountInTheUnitedStatesKeepsItsNoticesInEnglish() {
		String american = fixtures.account("US", "CA");
		fixtures.card(american, "tok_visa");
		fixtures.subscribe(american, "antivirus-monthly");
		List<JsonNode> all = notices(american);
		assertThat(only(all, "WELCOME").path("subject").asString()).isEqualTo("Welcome to Acme");
		assertThat(only(all, "ORDER_CONFIRMATION").path("subject").asString()).endsWith(": Acme Antivirus, monthly");
		assertThat(only(all, "ORDER_CONFIRMATION").path("body").asString()).contains("You paid $6.99 today")
			.contains("How to cancel");
	}
}
