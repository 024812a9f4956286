package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * What the notices tell the customer, rule by rule of shared/COMPLIANCE.md (see docs/COMPLIANCE-MATRIX.md).
 */
class ComplianceNoticesIntegrationTests extends ApiIntegrationTest {

	private List<JsonNode> notices(String account) {
		return api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values().stream().toList();
	}

	private JsonNode notice(String account, String type) {
		return notices(account).stream().filter(n -> n.path("type").asString().equals(type)).findFirst().orElseThrow();
	}

	private Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}

	/** R-EU-1: the order confirmation, the durable medium at conclusion, gives the right and its last day. */
	@Test
	void anOrderConfirmationInTheEuStatesTheRightOfWithdrawalWithItsLastLocalDay() {
		String account = fixtures.account("FR", null);
		fixtures.card(account, "tok_visa");
		String sub = fixtures.subscribe(account, "antivirus-annual");
		Instant bought = Instant.parse(fixtures.subscription(sub).text("createdAt"));
		String lastDay = bought.atZone(ZoneId.of("Europe/Paris")).toLocalDate().plusDays(14)
			.format(DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH));

		String body = notice(account, "ORDER_CONFIRMATION").path("body").asString();
		assertThat(body).contains("Right of withdrawal: you may withdraw from this contract within 14 days")
			.contains("until the end of " + lastDay).contains("Withdraw from contract here");
	}

	@Test
	void anOrderConfirmationOutsideTheEuMakesNoWithdrawalPromise() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		fixtures.subscribe(account, "antivirus-annual");
		assertThat(notice(account, "ORDER_CONFIRMATION").path("body").asString()).doesNotContain("withdraw")
			.contains("Money-back guarantee: cancel within 60 days");
	}

	/**
	 * "Every notice says how to cancel and names the official support channels" (shared/API.md), which serves
	 * R-CA-3, R-CA-8, R-CA-9 and R-CARD-3: the notices of a subscription's whole life, renewal, failed payment and
	 * expiry included, each carry both.
	 */
	@Test
	void everyNoticeOfASubscriptionsLifeSaysHowToCancelAndNamesTheOfficialSupportChannels() {
		String paying = fixtures.account("US", "CA");
		fixtures.card(paying, "tok_visa");
		String monthly = fixtures.subscribe(paying, "antivirus-monthly");
		String declining = fixtures.account("US", "NY");
		fixtures.card(declining, "tok_visa");
		String doomed = fixtures.subscribe(declining, "antivirus-monthly");
		assertThat(api.patch("/subscriptions/" + doomed, Map.of("paymentMethodId",
				fixtures.card(declining, "tok_chargeDeclined"))).status()).isEqualTo(200);

		Instant end = Instant.parse(fixtures.subscription(monthly).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(now(), end).plusDays(6));
		assertThat(fixtures.subscription(doomed).text("status")).isEqualTo("EXPIRED");
		assertThat(fixtures.cancel(monthly, "IMMEDIATE").status()).isEqualTo(200);

		List<JsonNode> all = new java.util.ArrayList<>(notices(paying));
		all.addAll(notices(declining));
		Set<String> types = all.stream().map(n -> n.path("type").asString()).collect(Collectors.toSet());
		assertThat(types).contains("WELCOME", "ORDER_CONFIRMATION", "RENEWAL_REMINDER", "RENEWAL_RECEIPT",
				"CANCELLATION_CONFIRMATION", "REFUND_ISSUED", "PAYMENT_FAILED", "SUBSCRIPTION_EXPIRED");
		assertThat(all).allSatisfy(n -> assertThat(n.path("body").asString()).as(n.path("type").asString())
			.contains("How to cancel: sign in at").contains("/cancel without signing in")
			.contains("Official Acme support: the help centre at").contains("/support and support@acme.example")
			.contains("Acme support (US and Canada) +1 202-555-0142").contains("on the web only acme.example")
			.contains("by email only from @acme.example").contains("/support/check"));
	}

	/** R-CARD-3: the receipt after a renewal charge carries the cancel instructions and the money-back terms. */
	@Test
	void aRenewalReceiptSaysWhatWasChargedAndHowToStopTheNextCharge() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		Instant end = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(now(), end).plusHours(1));
		String body = notice(account, "RENEWAL_RECEIPT").path("body").asString();
		assertThat(body).contains("We charged $6.99").contains("Money-back guarantee: cancel within 14 days")
			.contains("unless you cancel or turn auto-renewal off").contains("How to cancel");
	}

	/**
	 * R-CARD-4 (and R-US-3): a cancellation is kept with the date and time it was asked for and its channel, and
	 * blocks every later charge: the evidence against a "cancelled recurring transaction" chargeback.
	 */
	@Test
	void aCancellationIsKeptWithItsTimeAndChannelAndNoLaterChargeIsAttempted() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		Instant asked = now();
		String number = fixtures.cancel(sub, "END_OF_TERM").text("confirmationNumber");
		Instant end = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(now(), end).plusDays(65));

		JsonNode kept = api.get("/cancellations/" + number.toLowerCase()).json();
		assertThat(kept.path("channel").asString()).isEqualTo("API");
		assertThat(Instant.parse(kept.path("requestedAt").asString())).isBetween(asked, asked.plusSeconds(5));
		assertThat(kept.path("status").asString()).isEqualTo("EFFECTIVE");
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isEqualTo(1);
		assertThat(notices(account)).noneMatch(n -> n.path("type").asString().equals("RENEWAL_REMINDER")
				|| n.path("type").asString().equals("PAYMENT_FAILED"));
	}
}
