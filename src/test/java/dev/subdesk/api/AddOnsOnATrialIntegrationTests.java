package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * An add-on bought onto a base in its free trial (issue 12; DESIGN-NOTES "Add-ons on a trialing base"): it trials with
 * the base, is charged nothing before the base's trial ends, is told so before consent and in its order confirmation,
 * converts at the same instant as the base, and ends for free with a base cancelled in its trial.
 */
class AddOnsOnATrialIntegrationTests extends ApiIntegrationTest {

	private static final String TRIAL_PLAN = "vpn-monthly-trial";

	/** Its add-on in the tests' data (db/testdata V240). */
	private static final String ADD_ON = "vpn-addon-monthly";

	private List<JsonNode> charges(String account) {
		return fixtures.charges(account);
	}

	private List<JsonNode> notices(String account, String type) {
		return fixtures.notices(account, type);
	}

	private Instant now() {
		return fixtures.now();
	}

	private static Instant instant(JsonNode node, String field) {
		return Instant.parse(node.path(field).asString());
	}

	private String[] trialWithCard(String country, String region) {
		String account = fixtures.account(country, region);
		fixtures.card(account, "tok_visa");
		return new String[] { account, fixtures.subscribe(account, TRIAL_PLAN) };
	}

	@Test
	void anAddOnBoughtDuringTheBasesTrialTrialsWithItAndIsChargedNothingUntilTheBaseConverts() {
		String[] trial = trialWithCard("US", "CA");
		fixtures.advance("P3D");
		Instant baseTrialEnd = instant(fixtures.subscription(trial[1]).json(), "currentPeriodEnd");

		Api.Response d = api.post("/checkout/disclosures",
				Map.of("accountId", trial[0], "planCode", ADD_ON, "parentSubscriptionId", trial[1]));
		assertThat(d.status()).as(d.toString()).isEqualTo(201);
		assertThat(instant(d.json(), "firstChargeAt")).as("the disclosure says the first charge is the base's")
			.isEqualTo(baseTrialEnd);
		assertThat(d.json().path("trialDays").asInt()).isEqualTo(11);
		assertThat(d.json().path("text").asString()).contains(
				"free until the free trial of the subscription it is added to ends, nothing charged today",
				"$2.99 is charged automatically to your card on", "To pay nothing at all, cancel before",
				"We remind you 7 days before the trial ends.");

		Api.Response bought = api.post("/subscriptions", Map.of("accountId", trial[0], "planCode", ADD_ON,
				"parentSubscriptionId", trial[1], "consent", Map.of("disclosureId", d.id(), "method", "BUTTON")));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		JsonNode addOn = bought.json();
		assertThat(addOn.path("status").asString()).isEqualTo("TRIALING");
		assertThat(instant(addOn, "currentPeriodEnd")).isEqualTo(baseTrialEnd);
		assertThat(instant(addOn, "trialEndsAt")).isEqualTo(baseTrialEnd);
		assertThat(charges(trial[0])).as("nothing charged during the promised free trial").isEmpty();
		assertThat(notices(trial[0], "ORDER_CONFIRMATION")).filteredOn(n -> n.path("relatedId").asString().equals(addOn.path("id").asString()))
			.singleElement()
			.satisfies(n -> assertThat(n.path("body").asString()).contains(
					"This add-on is free until the free trial of your Acme Secure VPN, monthly, 14 days free", "ends and converts with it",
					"nothing was charged today", "charged $2.99 on"));
		assertThat(api.get("/accounts/" + trial[0] + "/entitlements").json().path("data").values())
			.extracting(e -> e.path("subscriptionId").asString())
			.contains(addOn.path("id").asString());

		fixtures.advance(Duration.between(now(), baseTrialEnd).minusMinutes(1));
		assertThat(charges(trial[0])).as("still nothing before the trial's end").isEmpty();
		assertThat(notices(trial[0], "TRIAL_ENDING")).as("each is announced before its first charge").hasSize(2);

		fixtures.advance("PT2M");
		List<JsonNode> charges = charges(trial[0]);
		assertThat(charges).extracting(c -> c.path("amount").asLong()).containsExactlyInAnyOrder(499L, 299L);
		assertThat(charges).allSatisfy(c -> {
			assertThat(instant(c, "periodStart")).isEqualTo(baseTrialEnd);
			assertThat(instant(c, "periodEnd")).isEqualTo(baseTrialEnd.atZone(ZoneOffset.UTC).plusMonths(1).toInstant());
		});
		assertThat(fixtures.subscription(addOn.path("id").asString()).text("status")).isEqualTo("ACTIVE");
		assertThat(fixtures.subscription(trial[1]).text("status")).isEqualTo("ACTIVE");
	}

	@Test
	void anAddOnsDisclosureOnATrialEndingInLessThanTheRemindersDaysPromisesNoReminderItCannotKeep() {
		String[] trial = trialWithCard("US", "CA");
		fixtures.advance("P10D"); // 4 days of the base's 14 left

		Api.Response d = api.post("/checkout/disclosures",
				Map.of("accountId", trial[0], "planCode", ADD_ON, "parentSubscriptionId", trial[1]));

		assertThat(d.status()).as(d.toString()).isEqualTo(201);
		assertThat(d.json().path("text").asString())
			.contains("The trial ends in less than 7 days: we send you a reminder today.")
			.doesNotContain("We remind you 7 days before");
	}

	/**
	 * "we send you a reminder today": the add-on's TRIAL_ENDING goes out with the purchase, on the day the disclosure
	 * names, not at the renewal engine's next run (which may come after the buyer's midnight); the engine does not send
	 * it again.
	 */
	@Test
	void anAddOnWhoseDisclosureSaysTheReminderIsSentTodayGetsItWithThePurchase() {
		String[] trial = trialWithCard("US", "CA");
		fixtures.advance("P10D"); // 4 days of the base's 14 left: its own reminder has gone out
		Map<String, Object> addOn = Map.of("accountId", trial[0], "planCode", ADD_ON, "parentSubscriptionId", trial[1]);
		Api.Response d = api.post("/checkout/disclosures", addOn);
		assertThat(d.text("text")).contains("we send you a reminder today");

		Api.Response bought = api.post("/subscriptions", Map.of("accountId", trial[0], "planCode", ADD_ON,
				"parentSubscriptionId", trial[1], "consent", Map.of("disclosureId", d.id(), "method", "BUTTON")));

		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		String addOnId = bought.id();
		java.util.function.Supplier<List<JsonNode>> reminders = () -> notices(trial[0], "TRIAL_ENDING").stream()
			.filter(n -> n.path("relatedId").asString().equals(addOnId))
			.toList();
		assertThat(reminders.get()).as("the reminder promised today goes out with the purchase").singleElement()
			.satisfies(n -> assertThat(n.path("body").asString()).contains("$2.99"));
		fixtures.advance("PT2M");
		assertThat(reminders.get()).as("and only once").hasSize(1);
	}

	/**
	 * The disclosure of an add-on whose reminder is sent today, read before the buyer's midnight, expires at it, and
	 * after it backs no purchase: the reminder would go out on another day than the one it names.
	 */
	@Test
	void anAddOnsDisclosureOfAReminderTodayExpiresAtTheBuyersMidnightAndIsRefusedAfterIt() {
		String[] trial = trialWithCard("US", "CA");
		fixtures.advance("P10D");
		java.time.ZoneId california = java.time.ZoneId.of("America/Los_Angeles");
		Instant midnight = now().atZone(california).toLocalDate().plusDays(1).atStartOfDay(california).toInstant();
		if (midnight.minusSeconds(60).isBefore(now())) { // too close to this one: the next
			midnight = midnight.atZone(california).toLocalDate().plusDays(1).atStartOfDay(california).toInstant();
		}
		fixtures.advance(Duration.between(now(), midnight.minusSeconds(20)));
		Map<String, Object> addOn = Map.of("accountId", trial[0], "planCode", ADD_ON, "parentSubscriptionId", trial[1]);
		Api.Response d = api.post("/checkout/disclosures", addOn);
		assertThat(d.text("text")).contains("we send you a reminder today");
		assertThat(instant(d.json(), "expiresAt")).isEqualTo(midnight);

		fixtures.advance(Duration.between(now(), midnight.plusSeconds(5)));
		Api.Response refused = api.post("/subscriptions", Map.of("accountId", trial[0], "planCode", ADD_ON,
				"parentSubscriptionId", trial[1], "consent", Map.of("disclosureId", d.id(), "method", "BUTTON")));

		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("consent");
		assertThat(refused.json().path("errors").get(0).path("message").asString()).contains("the reminder today");
		assertThat(fixtures.subscription(trial[1]).text("status")).isEqualTo("TRIALING");
		assertThat(api.get("/accounts/" + trial[0] + "/subscriptions").json().path("data").size()).as("only the base")
			.isEqualTo(1);
	}

	@Test
	void cancellingTheBaseDuringItsTrialEndsTheAddOnTooAndNothingIsEverCharged() {
		String[] trial = trialWithCard("DE", null);
		String addOn = fixtures.addOn(trial[0], ADD_ON, trial[1]);
		JsonNode quote = api.post("/subscriptions/" + trial[1] + "/cancellation-quote", Map.of()).json();
		assertThat(quote.path("alsoCancels").values()).extracting(JsonNode::asString).containsExactly(addOn);
		assertThat(quote.path("options").values()).allSatisfy(o -> assertThat(o.path("refund").path("amount").asLong()).isZero());

		assertThat(fixtures.cancel(trial[1], "END_OF_TERM").status()).isEqualTo(200);
		fixtures.advance("P15D");
		assertThat(fixtures.subscription(addOn).text("status")).isEqualTo("CANCELLED");
		assertThat(fixtures.subscription(trial[1]).text("status")).isEqualTo("CANCELLED");
		assertThat(charges(trial[0])).isEmpty();
	}

	@Test
	void aBaseWhoseTrialIsSetToEndTakesNoAddOnAndAConvertedBaseChargesTheAddOnAtOnce() {
		String[] ending = trialWithCard("GB", null);
		fixtures.cancel(ending[1], "END_OF_TERM");
		Api.Response onEnding = api.post("/subscriptions",
				Map.of("accountId", ending[0], "planCode", ADD_ON, "parentSubscriptionId", ending[1]));
		dev.subdesk.testing.ProblemAssertions.assertProblem(onEnding, 409, "PARENT_NOT_ACTIVE");

		String[] converted = trialWithCard("GB", null);
		fixtures.advance("P15D");
		assertThat(fixtures.subscription(converted[1]).text("status")).isEqualTo("ACTIVE");
		String addOn = fixtures.addOn(converted[0], ADD_ON, converted[1]);
		assertThat(fixtures.subscription(addOn).text("status")).isEqualTo("ACTIVE");
		assertThat(charges(converted[0])).extracting(c -> c.path("amount").asLong()).contains(299L);
	}
}
