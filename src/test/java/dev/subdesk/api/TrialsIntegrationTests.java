package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.ProblemAssertions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Free trials (issue 12): a plan with trial days sells a TRIALING subscription charged nothing; a TRIAL_ENDING notice
 * goes out the rule table's days before the first charge (R-CARD-1/2: at least 7 days; R-CA-6: 3 to 21); the renewal
 * engine converts it at the trial's end with the plan's price (a decline starts the usual dunning); cancelling during
 * the trial costs nothing, at once or at the trial's end.
 */
class TrialsIntegrationTests extends ApiIntegrationTest {

	private static final String TRIAL_PLAN = "vpn-monthly-trial";

	/** The TRIAL_ENDING lead of the rule table (jurisdictions/rules.json). */
	private static final Duration LEAD = Duration.ofDays(7);

	private List<JsonNode> notices(String account, String type) {
		return api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals(type))
			.toList();
	}

	private List<JsonNode> charges(String account) {
		return api.get("/accounts/" + account + "/charges?limit=100").json().path("data").values().stream().toList();
	}

	private Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}

	private static Instant instant(JsonNode node, String field) {
		return Instant.parse(node.path(field).asString());
	}

	/** A Californian customer with a card and a new trial: the strictest notice rules apply. */
	private String[] trialCustomer(String token) {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, token);
		return new String[] { account, fixtures.subscribe(account, TRIAL_PLAN) };
	}

	@Test
	void theCatalogOffersTheTrialPlanAndEveryOtherPlanHasNoTrial() {
		JsonNode plans = api.get("/plans").json().path("data");
		assertThat(plans.values()).filteredOn(p -> p.path("code").asString().equals(TRIAL_PLAN))
			.singleElement()
			.satisfies(p -> {
				assertThat(p.path("trialDays").asInt()).isEqualTo(14);
				assertThat(p.path("price").path("amount").asLong()).isEqualTo(499);
			});
		assertThat(plans.values()).filteredOn(p -> !p.path("code").asString().equals(TRIAL_PLAN))
			.hasSize(16) // the contract's seven and the tests' nine price-change plans (db/testdata)
			.allSatisfy(p -> assertThat(p.path("trialDays").asInt()).isZero());
	}

	@Test
	void theDisclosureNamesTheTrialAndWhenTheFirstChargeHappens() {
		String account = fixtures.account("US", "CA");
		Api.Response d = api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", TRIAL_PLAN));
		assertThat(d.status()).as(d.toString()).isEqualTo(201);
		JsonNode disclosure = d.json();
		Instant firstCharge = now().plus(Duration.ofDays(14));
		assertThat(disclosure.path("trialDays").asInt()).isEqualTo(14);
		assertThat(Duration.between(firstCharge, instant(disclosure, "firstChargeAt")).abs()).isLessThan(Duration.ofMinutes(1));
		String date = java.time.format.DateTimeFormatter.ofPattern("d MMMM uuuu", java.util.Locale.ENGLISH)
			.format(instant(disclosure, "firstChargeAt").atZone(java.time.ZoneId.of("America/Los_Angeles"))); // the account's state's days
		assertThat(disclosure.path("text").asString()).contains("free trial for 14 days", "nothing charged today",
				"$4.99 is charged automatically to your card on", "To pay nothing at all, cancel before");
		assertThat(disclosure.path("text").asString()).as("the first charge as a calendar date")
			.contains("charged automatically to your card on " + date, "cancel before " + date);

		Api.Response plain = api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", "antivirus-monthly"));
		assertThat(plain.json().path("trialDays").asInt()).isZero();
	}

	@Test
	void aTrialPurchaseIsTrialingForTheTrialDaysAndChargesNothing() {
		String[] trial = trialCustomer("tok_visa");
		JsonNode s = fixtures.subscription(trial[1]).json();
		assertThat(s.path("status").asString()).isEqualTo("TRIALING");
		assertThat(s.path("autoRenew").asBoolean()).isTrue();
		assertThat(s.path("price").path("amount").asLong()).isEqualTo(499);
		Instant start = instant(s, "currentPeriodStart");
		assertThat(instant(s, "currentPeriodEnd")).isEqualTo(start.plus(Duration.ofDays(14)));
		assertThat(instant(s, "trialEndsAt")).isEqualTo(instant(s, "currentPeriodEnd"));
		assertThat(charges(trial[0])).as("nothing is charged for a trial").isEmpty();
		JsonNode order = notices(trial[0], "ORDER_CONFIRMATION").get(0);
		assertThat(order.path("body").asString()).contains("free trial of 14 days", "nothing was charged today",
				"charged $4.99 on");
		assertThat(api.get("/accounts/" + trial[0] + "/entitlements").json().path("data").values())
			.as("a trial gives the service").extracting(e -> e.path("product").asString()).containsExactly("vpn");
	}

	@Test
	void aTrialStillNeedsACardToConvertWith() {
		String account = fixtures.account("DE", null);
		Api.Response bought = fixtures.buy(account, TRIAL_PLAN);
		ProblemAssertions.assertValidationFailed(bought, "paymentMethodId");
	}

	@Test
	void theTrialEndingNoticeGoesOutTheRuleTablesLeadBeforeTheFirstChargeOnce() {
		String[] trial = trialCustomer("tok_visa");
		JsonNode s = fixtures.subscription(trial[1]).json();
		Instant end = instant(s, "currentPeriodEnd");

		fixtures.advance(Duration.between(now(), end.minus(LEAD)).minusHours(1));
		assertThat(notices(trial[0], "TRIAL_ENDING")).isEmpty();
		fixtures.advance("PT2H");
		List<JsonNode> ending = notices(trial[0], "TRIAL_ENDING");
		assertThat(ending).hasSize(1);
		JsonNode notice = ending.get(0);
		assertThat(notice.path("relatedId").asString()).isEqualTo(trial[1]);
		assertThat(instant(notice, "createdAt")).isEqualTo(end.minus(LEAD));
		assertThat(notice.path("body").asString()).contains("charged $4.99", "/cancel?order=" + s.path("orderNumber").asString(),
				"nothing is charged");
		assertThat(charges(trial[0])).as("the notice charges nothing").isEmpty();

		fixtures.advance(LEAD.minusHours(2));
		assertThat(notices(trial[0], "TRIAL_ENDING")).as("one per trial").hasSize(1);
		assertThat(notices(trial[0], "RENEWAL_REMINDER")).as("a trial gets its own notice, not a renewal reminder").isEmpty();
	}

	@Test
	void atTheTrialsEndItConvertsWithOneChargeOfThePlanPriceForTheFirstTerm() {
		String[] trial = trialCustomer("tok_visa");
		Instant end = instant(fixtures.subscription(trial[1]).json(), "currentPeriodEnd");
		fixtures.advance(Duration.between(now(), end).minusMinutes(1));
		assertThat(charges(trial[0])).as("nothing before the trial's end").isEmpty();
		assertThat(fixtures.subscription(trial[1]).text("status")).isEqualTo("TRIALING");

		fixtures.advance("PT2M");
		JsonNode s = fixtures.subscription(trial[1]).json();
		assertThat(s.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(instant(s, "currentPeriodStart")).isEqualTo(end);
		Instant paidUntil = end.atZone(ZoneOffset.UTC).plusMonths(1).toInstant();
		assertThat(instant(s, "currentPeriodEnd")).isEqualTo(paidUntil);
		assertThat(s.path("trialEndsAt").isNull()).isTrue();
		List<JsonNode> charges = charges(trial[0]);
		assertThat(charges).hasSize(1);
		JsonNode charge = charges.get(0);
		assertThat(charge.path("status").asString()).isEqualTo("SUCCEEDED");
		assertThat(charge.path("amount").asLong()).isEqualTo(499);
		assertThat(instant(charge, "periodStart")).isEqualTo(end);
		assertThat(instant(charge, "periodEnd")).isEqualTo(paidUntil);
		assertThat(instant(charge, "createdAt")).isEqualTo(end);
		assertThat(notices(trial[0], "RENEWAL_RECEIPT")).hasSize(1);
		assertThat(api.get("/events?subjectId=" + trial[1] + "&limit=100").json().path("data").values())
			.extracting(e -> e.path("type").asString())
			.contains("subscription.created", "subscription.renewed", "charge.succeeded");

		fixtures.advance(Duration.between(now(), paidUntil).plusMinutes(1));
		assertThat(charges(trial[0])).as("then it renews as any monthly plan").hasSize(2);
		assertThat(notices(trial[0], "RENEWAL_REMINDER")).hasSize(1);
	}

	@Test
	void aDeclinedConversionStartsTheUsualDunning() {
		String[] trial = trialCustomer("tok_chargeDeclined");
		assertThat(fixtures.subscription(trial[1]).text("status")).as("the card is not charged at purchase")
			.isEqualTo("TRIALING");
		Instant end = instant(fixtures.subscription(trial[1]).json(), "currentPeriodEnd");
		fixtures.advance(Duration.between(now(), end).plusMinutes(1));
		assertThat(fixtures.subscription(trial[1]).text("status")).isEqualTo("PAST_DUE");
		assertThat(charges(trial[0])).singleElement()
			.satisfies(c -> assertThat(c.path("status").asString()).isEqualTo("FAILED"));
		assertThat(notices(trial[0], "PAYMENT_FAILED")).hasSize(1);
		assertThat(api.get("/events?subjectId=" + trial[1] + "&type=subscription.past_due").json().path("data").size())
			.isEqualTo(1);
		fixtures.advance("P6D");
		assertThat(fixtures.subscription(trial[1]).text("status")).isEqualTo("EXPIRED");
	}

	@Test
	void theQuoteOfATrialShowsNoRefundAndThatNothingWillBeCharged() {
		String[] trial = trialCustomer("tok_visa");
		Instant end = instant(fixtures.subscription(trial[1]).json(), "currentPeriodEnd");
		JsonNode quote = api.post("/subscriptions/" + trial[1] + "/cancellation-quote", Map.of()).json();
		assertThat(quote.path("trial").path("endsAt").asString()).isEqualTo(end.toString());
		assertThat(quote.path("trial").path("chargedSoFar").path("amount").asLong()).isZero();
		assertThat(quote.path("trial").path("chargedIfCancelled").path("amount").asLong()).isZero();
		assertThat(quote.path("options").values()).allSatisfy(o -> assertThat(o.path("refund").path("amount").asLong()).isZero());
		assertThat(quote.path("options").values()).filteredOn(o -> o.path("mode").asString().equals("END_OF_TERM"))
			.singleElement()
			.satisfies(o -> assertThat(o.path("effectiveAt").asString()).isEqualTo(end.toString()));

		String paying = fixtures.accountWithVisa();
		String paid = fixtures.subscribe(paying, "antivirus-monthly");
		assertThat(api.post("/subscriptions/" + paid + "/cancellation-quote", Map.of()).json().path("trial").isNull()).isTrue();
	}

	@Test
	void cancellingATrialAtOnceEndsItAndCostsNothing() {
		String[] trial = trialCustomer("tok_visa");
		JsonNode cancellation = fixtures.cancel(trial[1], "IMMEDIATE").json();
		assertThat(cancellation.path("status").asString()).isEqualTo("EFFECTIVE");
		assertThat(cancellation.path("refundTotal").path("amount").asLong()).isZero();
		assertThat(fixtures.subscription(trial[1]).text("status")).isEqualTo("CANCELLED");
		fixtures.advance("P15D");
		assertThat(charges(trial[0])).isEmpty();
		assertThat(notices(trial[0], "TRIAL_ENDING")).isEmpty();
		assertThat(api.get("/events?subjectId=" + trial[1] + "&type=subscription.cancelled").json().path("data").size())
			.isEqualTo(1);
	}

	@Test
	void cancellingATrialAtItsEndKeepsTheServiceUntilThenAndNeverCharges() {
		String[] trial = trialCustomer("tok_visa");
		Instant end = instant(fixtures.subscription(trial[1]).json(), "currentPeriodEnd");
		JsonNode cancellation = fixtures.cancel(trial[1], "END_OF_TERM").json();
		assertThat(cancellation.path("status").asString()).isEqualTo("SCHEDULED");
		assertThat(cancellation.path("effectiveAt").asString()).isEqualTo(end.toString());
		assertThat(fixtures.subscription(trial[1]).text("status")).isEqualTo("TRIALING");
		fixtures.advance(Duration.between(now(), end).plusHours(1));
		JsonNode s = fixtures.subscription(trial[1]).json();
		assertThat(s.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(s.path("cancelledAt").asString()).isEqualTo(end.toString());
		assertThat(charges(trial[0])).as("nothing charged, ever").isEmpty();
		assertThat(notices(trial[0], "TRIAL_ENDING")).as("no reminder of a charge that will not come").isEmpty();
	}
}
