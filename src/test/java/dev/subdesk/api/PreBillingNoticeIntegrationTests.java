package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.ComplianceSwitchesOn;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * R-CARD-3 (Mastercard): with {@code subdesk.compliance.pre-billing-notice} on, a yearly subscription gets an
 * UPCOMING_CHARGE notice 7 days before it is billed (inside 3 to 7 days), once per renewal, beside the
 * RENEWAL_REMINDER 30 days ahead; monthly plans and subscriptions set to end get none.
 */
@ComplianceSwitchesOn
class PreBillingNoticeIntegrationTests extends ApiIntegrationTest {

	private List<JsonNode> notices(String account, String type) {
		return api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals(type))
			.toList();
	}

	private Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}

	@Test
	void aYearlyRenewalIsAnnouncedSevenDaysBeforeTheChargeOnceWithTheAmountDateAndCancelLink() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String yearly = fixtures.subscribe(account, "vpn-annual");
		String ending = fixtures.subscribe(account, "utilities-annual");
		fixtures.cancel(ending, "END_OF_TERM");
		String monthly = fixtures.subscribe(account, "antivirus-monthly");
		JsonNode s = fixtures.subscription(yearly).json();
		Instant end = Instant.parse(s.path("currentPeriodEnd").asString());

		fixtures.advance(Duration.between(now(), end).minusDays(7).minusHours(1));
		assertThat(notices(account, "UPCOMING_CHARGE")).isEmpty();
		fixtures.advance("PT2H");
		List<JsonNode> upcoming = notices(account, "UPCOMING_CHARGE");
		assertThat(upcoming).hasSize(1);
		JsonNode notice = upcoming.get(0);
		assertThat(notice.path("relatedId").asString()).isEqualTo(yearly);
		assertThat(Instant.parse(notice.path("createdAt").asString())).isEqualTo(end.minus(Duration.ofDays(7)));
		assertThat(notice.path("body").asString()).contains("we will charge $49.99")
			.contains("/cancel?order=" + s.path("orderNumber").asString()).contains("How to cancel");
		assertThat(notices(account, "RENEWAL_REMINDER")).extracting(n -> n.path("relatedId").asString())
			.contains(yearly);

		fixtures.advance("P8D");
		assertThat(fixtures.subscription(yearly).text("currentPeriodStart")).isEqualTo(end.toString());
		assertThat(fixtures.subscription(ending).text("status")).isEqualTo("CANCELLED");
		assertThat(notices(account, "UPCOMING_CHARGE")).hasSize(1)
			.noneMatch(n -> n.path("relatedId").asString().equals(monthly) || n.path("relatedId").asString().equals(ending));
	}
}
