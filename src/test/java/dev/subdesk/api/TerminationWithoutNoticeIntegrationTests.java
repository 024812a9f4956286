package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.ComplianceSwitchesOn;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * R-DE-6: while {@code subdesk.compliance.de-termination-without-notice} is on (the operator's statement that the
 * "Cancel contracts here" button was missing or broken), a customer in Germany who ends a contract at once after
 * the money-back window gets back the unused part of the term; customers elsewhere keep the written policy.
 * The switch is off by default and in every test without {@link ComplianceSwitchesOn}.
 */
@ComplianceSwitchesOn
class TerminationWithoutNoticeIntegrationTests extends ApiIntegrationTest {

	private JsonNode immediateOption(String sub) {
		Api.Response quote = api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of());
		assertThat(quote.status()).isEqualTo(200);
		for (JsonNode option : quote.json().path("options").values()) {
			if (option.path("mode").asString().equals("IMMEDIATE")) {
				return option;
			}
		}
		throw new AssertionError("no IMMEDIATE option: " + quote);
	}

	@Test
	void aCustomerInGermanyEndingAtOnceAfterTheMoneyBackWindowGetsTheUnusedPartOfTheTermBack() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		fixtures.advance("P100D");
		JsonNode charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0);
		Instant start = Instant.parse(charge.path("periodStart").asString());
		Instant end = Instant.parse(charge.path("periodEnd").asString());
		Instant now = Instant.parse(api.get("/test-clock").text("now"));
		long expected = 5999 * Duration.between(now, end).toSeconds() / Duration.between(start, end).toSeconds();

		JsonNode option = immediateOption(sub);
		assertThat(option.path("refundReason").asString()).isEqualTo("UNUSED_TERM");
		assertThat(option.path("refund").path("amount").asLong()).isEqualTo(expected).isBetween(4300L, 4400L);

		Api.Response cancelled = fixtures.cancel(sub, "IMMEDIATE");
		assertThat(cancelled.status()).isEqualTo(200);
		assertThat(cancelled.json().path("refundTotal").path("amount").asLong()).isEqualTo(expected);
		JsonNode after = api.get("/accounts/" + account + "/charges").json().path("data").get(0);
		assertThat(after.path("refundedAmount").asLong()).isEqualTo(expected);
		assertThat(after.path("status").asString()).isEqualTo("PARTIALLY_REFUNDED");
		assertThat(fixtures.subscription(sub).text("status")).isEqualTo("CANCELLED");
	}

	@Test
	void withinTheMoneyBackWindowTheFullRefundStillAppliesAndOutsideGermanyNothingChanges() {
		String german = fixtures.accountWithVisa();
		String early = fixtures.subscribe(german, "antivirus-annual");
		JsonNode full = immediateOption(early);
		assertThat(full.path("refundReason").asString()).isEqualTo("MONEY_BACK_WINDOW");
		assertThat(full.path("refund").path("amount").asLong()).isEqualTo(5999);

		String american = fixtures.account("US", "CA");
		fixtures.card(american, "tok_visa");
		String late = fixtures.subscribe(american, "antivirus-monthly");
		fixtures.advance("P20D");
		JsonNode none = immediateOption(late);
		assertThat(none.path("refundReason").asString()).isEqualTo("NONE");
		assertThat(none.path("refund").path("amount").asLong()).isZero();
		assertThat(fixtures.cancel(late, "IMMEDIATE").json().path("refundTotal").path("amount").asLong()).isZero();
	}
}
