package dev.subdesk.api;

import static dev.subdesk.testing.ProblemAssertions.assertProblem;
import static dev.subdesk.testing.ProblemAssertions.assertValidationFailed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.OwnClockAndDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Price changes (issue 12; R-CA-8, R-NY-2, consent in the EU): a plan's new price is scheduled at least the
 * PRICE_CHANGE lead ahead; each existing subscriber gets one notice the rule table's 30 days before its first renewal
 * at or after it, and that renewal is charged the new price only if the notice went out at least 7 days ahead (the near
 * end of R-CA-8's and R-NY-2's windows: a notice that goes out late still reaches it) and, in
 * Germany, only with the customer's consent (without it the subscription ends at the term's end); grandfathered
 * subscribers keep their price; new purchases pay the new one. Each test has its own plan (db/testdata).
 */
@OwnClockAndDatabase
class PriceChangesIntegrationTests extends ApiIntegrationTest {

	@org.springframework.beans.factory.annotation.Autowired
	private org.springframework.jdbc.core.simple.JdbcClient database;

	/** The PRICE_CHANGE lead of the rule table (jurisdictions/rules.json). */
	private static final Duration LEAD = Duration.ofDays(30);

	private Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}

	private static Instant instant(JsonNode node, String field) {
		return Instant.parse(node.path(field).asString());
	}

	private List<JsonNode> notices(String account, String type) {
		return api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals(type))
			.toList();
	}

	private List<Long> chargedAmounts(String subscription, String account) {
		return api.get("/accounts/" + account + "/charges?limit=100").json().path("data").values().stream()
			.filter(c -> c.path("subscriptionId").asString().equals(subscription))
			.filter(c -> c.path("status").asString().equals("SUCCEEDED"))
			.map(c -> c.path("amount").asLong())
			.toList()
			.reversed();
	}

	private Api.Response schedule(String plan, long amount, Object effectiveFrom, String existing) {
		return api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", amount, "currency", "USD"),
				"effectiveFrom", effectiveFrom.toString(), "existingSubscribers", existing));
	}

	private String customer(String country, String region) {
		String account = fixtures.account(country, region);
		fixtures.card(account, "tok_visa");
		return account;
	}

	private JsonNode subscription(String id) {
		return fixtures.subscription(id).json();
	}

	private void advanceTo(Instant at) {
		fixtures.advance(Duration.between(now(), at));
	}

	@Test
	void aMovedSubscriberGetsOneNoticeTheLeadAheadAndRenewsAtTheNewPriceFromThen() {
		String plan = "price-test-annual-1";
		String account = customer("US", "CA");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");

		Api.Response scheduled = schedule(plan, 1250, now().plus(Duration.ofDays(40)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS), "MOVE");
		assertThat(scheduled.status()).as(scheduled.toString()).isEqualTo(201);
		assertThat(scheduled.json().path("id").asString()).startsWith("ppc_");
		assertThat(scheduled.json().path("price").path("amount").asLong()).isEqualTo(1250);
		assertThat(scheduled.json().path("existingSubscribers").asString()).isEqualTo("MOVE");
		assertThat(api.get("/plans/" + plan + "/price-changes").json().path("data").values())
			.extracting(c -> c.path("id").asString()).containsExactly(scheduled.id());
		assertProblem(schedule(plan, 1300, now().plus(Duration.ofDays(60)).toString().substring(0, 10), "MOVE"), 409,
				"PRICE_CHANGE_PENDING");

		advanceTo(renewal.minus(LEAD).minusSeconds(3600));
		assertThat(notices(account, "PRICE_CHANGE")).as("not before the lead").isEmpty();
		assertProblem(api.get("/subscriptions/" + sub + "/price-change"), 404, "NOT_FOUND");
		fixtures.advance("PT2H");
		List<JsonNode> sent = notices(account, "PRICE_CHANGE");
		assertThat(sent).hasSize(1);
		JsonNode notice = sent.get(0);
		assertThat(instant(notice, "createdAt")).isEqualTo(renewal.minus(LEAD));
		assertThat(notice.path("relatedId").asString()).isEqualTo(sub);
		String order = subscription(sub).path("orderNumber").asString();
		assertThat(notice.path("body").asString()).contains("from $10.00 to $12.50", "/cancel?order=" + order,
				"Cancel before");
		JsonNode pending = api.get("/subscriptions/" + sub + "/price-change").json();
		assertThat(instant(pending, "renewalAt")).isEqualTo(renewal);
		assertThat(pending.path("consentRequired").asBoolean()).as("California: notice with how to cancel").isFalse();
		assertThat(subscription(sub).path("price").path("amount").asLong())
			.as("what the next renewal will cost: the announced new price").isEqualTo(1250);
		assertThat(notices(account, "RENEWAL_REMINDER")).as("the reminder, due at the same instant, tells the new price")
			.singleElement()
			.satisfies(reminder -> assertThat(reminder.path("body").asString()).contains("$12.50")
				.doesNotContain("$10.00"));

		advanceTo(renewal.plusSeconds(60));
		assertThat(notices(account, "PRICE_CHANGE")).as("once").hasSize(1);
		assertThat(chargedAmounts(sub, account)).containsExactly(1000L, 1250L);
		assertThat(subscription(sub).path("price").path("amount").asLong()).isEqualTo(1250);
		assertProblem(api.get("/subscriptions/" + sub + "/price-change"), 404, "NOT_FOUND");
	}

	@Test
	void grandfatheredSubscribersKeepTheirPriceWhileNewPurchasesPayTheNewOne() {
		String plan = "price-test-annual-2";
		String account = customer("US", "NY");
		String old = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(old), "currentPeriodEnd");
		Instant effective = now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
		assertThat(schedule(plan, 1500, effective, "GRANDFATHER").status()).isEqualTo(201);

		Api.Response before = api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", plan));
		assertThat(before.json().path("price").path("amount").asLong()).as("before it applies").isEqualTo(1000);
		advanceTo(effective.plusSeconds(1));
		Api.Response disclosure = api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", plan));
		assertThat(disclosure.json().path("price").path("amount").asLong()).isEqualTo(1500);
		assertThat(disclosure.json().path("text").asString()).contains("$15.00");
		assertThat(api.get("/plans?limit=100").json().path("data").values())
			.filteredOn(p -> p.path("code").asString().equals(plan))
			.singleElement()
			.satisfies(p -> assertThat(p.path("price").path("amount").asLong()).isEqualTo(1500));
		String fresh = fixtures.subscribe(account, plan);
		assertThat(chargedAmounts(fresh, account)).containsExactly(1500L);
		assertThat(subscription(fresh).path("price").path("amount").asLong()).isEqualTo(1500);

		advanceTo(renewal.plusSeconds(60));
		assertThat(notices(account, "PRICE_CHANGE")).as("a grandfathered subscriber is not told of it").isEmpty();
		assertThat(chargedAmounts(old, account)).containsExactly(1000L, 1000L);
		assertThat(subscription(old).path("price").path("amount").asLong()).isEqualTo(1000);
	}

	@Test
	void inGermanyAnIncreaseWaitsForConsentWithoutItTheSubscriptionEndsAtTheTermsEnd() {
		String plan = "price-test-annual-3";
		String agreeing = customer("DE", null);
		String silent = customer("DE", null);
		String yes = fixtures.subscribe(agreeing, plan);
		String no = fixtures.subscribe(silent, plan);
		Instant renewalYes = instant(subscription(yes), "currentPeriodEnd");
		Instant renewalNo = instant(subscription(no), "currentPeriodEnd");
		assertThat(schedule(plan, 1200, now().plus(LEAD).plusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);
		assertProblem(api.post("/subscriptions/" + yes + "/price-change-consent", Map.of()), 409, "NO_PRICE_CHANGE_PENDING");

		advanceTo(renewalNo.minus(LEAD).plusSeconds(1));
		JsonNode notice = notices(silent, "PRICE_CHANGE").get(0);
		assertThat(notice.path("body").asString()).as("German, asking for consent").contains("Zustimmung", "/portal");
		JsonNode pending = api.get("/subscriptions/" + yes + "/price-change").json();
		assertThat(pending.path("consentRequired").asBoolean()).isTrue();
		assertThat(pending.path("consentedAt").isNull()).isTrue();

		Instant beforeConsent = now();
		Api.Response consent = api.post("/subscriptions/" + yes + "/price-change-consent", Map.of());
		assertThat(consent.status()).as(consent.toString()).isEqualTo(200);
		assertThat(consent.json().path("consentChannel").asString()).isEqualTo("API");
		// the clock runs on in whole seconds: the consent is given between these two readings
		assertThat(instant(consent.json(), "consentedAt")).isBetween(beforeConsent, now());
		assertThat(api.post("/subscriptions/" + yes + "/price-change-consent", Map.of()).json().path("consentedAt"))
			.as("a second consent changes nothing").isEqualTo(consent.json().path("consentedAt"));

		advanceTo(renewalYes.isAfter(renewalNo) ? renewalYes.plusSeconds(60) : renewalNo.plusSeconds(60));
		assertThat(chargedAmounts(yes, agreeing)).containsExactly(1000L, 1200L);
		assertThat(subscription(yes).path("status").asString()).isEqualTo("ACTIVE");

		JsonNode ended = subscription(no);
		assertThat(ended.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(instant(ended, "cancelledAt")).as("at the term's end").isEqualTo(renewalNo);
		assertThat(chargedAmounts(no, silent)).as("never charged the new price").containsExactly(1000L);
		assertThat(notices(silent, "CANCELLATION_CONFIRMATION")).as("with a notice").hasSize(1);
		assertProblem(api.post("/subscriptions/" + no + "/price-change-consent", Map.of()), 409, "NO_PRICE_CHANGE_PENDING");
	}

	@Test
	void aNoticeTooLateForThisRenewalWaitsForTheLeadBeforeTheFollowingOne() {
		String plan = "price-test-annual-4";
		String account = customer("US", "NY");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		assertThat(fixtures.cancel(sub, "END_OF_TERM").status()).isEqualTo(200);
		assertThat(schedule(plan, 1100, now().plus(Duration.ofDays(35)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);

		// 5 days ahead: inside New York's 5-30 days, but not California's 7, the rule table's least for any renewal
		advanceTo(renewal.minus(Duration.ofDays(5)));
		assertThat(notices(account, "PRICE_CHANGE")).as("not for a subscription set to end").isEmpty();
		assertThat(api.post("/subscriptions/" + sub + "/resume").status()).isEqualTo(200);
		api.post("/renewals/run", Map.of());
		assertThat(notices(account, "PRICE_CHANGE")).as("not now: it would be ~370 days ahead of the renewal it applies at, "
				+ "outside R-CA-8's 7-30 days and R-NY-2's 5-30").isEmpty();
		assertProblem(api.get("/subscriptions/" + sub + "/price-change"), 404, "NOT_FOUND");
		Instant following = java.time.ZonedDateTime.ofInstant(renewal, java.time.ZoneOffset.UTC).plusYears(1).toInstant();

		advanceTo(renewal.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).as("this renewal keeps the old price").containsExactly(1000L, 1000L);
		advanceTo(following.minus(LEAD).minusSeconds(60));
		assertThat(notices(account, "PRICE_CHANGE")).as("held back until the lead before the following renewal").isEmpty();
		advanceTo(following.minus(LEAD).plusSeconds(60));
		assertThat(notices(account, "PRICE_CHANGE")).singleElement()
			.satisfies(notice -> assertThat(instant(notice, "createdAt")).isEqualTo(following.minus(LEAD)));
		assertThat(instant(api.get("/subscriptions/" + sub + "/price-change").json(), "renewalAt")).isEqualTo(following);
		advanceTo(following.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).containsExactly(1000L, 1000L, 1100L);
		assertThat(notices(account, "PRICE_CHANGE")).hasSize(1);
	}

	@Test
	void aNoticeThatGoesOutLateButInsideTheWindowsStillReachesTheRenewalItWasFor() {
		String plan = fixtures.plan("late-notice", "P1Y", 1000);
		String account = customer("US", "CA");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		assertThat(fixtures.cancel(sub, "END_OF_TERM").status()).isEqualTo(200);
		assertThat(schedule(plan, 1250, now().plus(Duration.ofDays(35)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);

		advanceTo(renewal.minus(Duration.ofDays(20)).minusSeconds(90));
		assertThat(notices(account, "PRICE_CHANGE")).isEmpty();
		assertThat(api.post("/subscriptions/" + sub + "/resume").status()).isEqualTo(200);
		api.post("/renewals/run", Map.of());

		assertThat(notices(account, "PRICE_CHANGE")).as("sent 20 days ahead, late by 10").singleElement()
			.satisfies(notice -> assertThat(instant(notice, "createdAt")).isBefore(renewal.minus(Duration.ofDays(7))));
		assertThat(instant(api.get("/subscriptions/" + sub + "/price-change").json(), "renewalAt"))
			.as("inside California's 7-30 days and New York's 5-30: this renewal, not a year on").isEqualTo(renewal);
		advanceTo(renewal.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).containsExactly(1000L, 1250L);
	}

	/** A retention DISCOUNT accepted for the next renewal; the subscription's price then shows it. */
	private void acceptDiscount(String sub, long discounted) {
		JsonNode offer = api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer");
		assertThat(offer.path("kind").asString()).as(offer.toString()).isEqualTo("DISCOUNT");
		Api.Response accepted = api.post("/offers/" + offer.path("id").asString() + "/accept");
		assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
		assertThat(accepted.json().path("price").path("amount").asLong()).isEqualTo(discounted);
	}

	@Test
	void aDiscountAcceptedBeforeAnIncreaseIsNoticedIsStillChargedAtTheRenewalItWasFor() {
		String plan = fixtures.plan("offer-then-increase", "P1Y", 5999);
		String account = customer("US", "CA");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		advanceTo(renewal.minus(Duration.ofDays(60)));
		acceptDiscount(sub, 4499);
		assertThat(schedule(plan, 6999, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);

		advanceTo(renewal.minus(LEAD).plusSeconds(1));
		assertThat(notices(account, "PRICE_CHANGE")).singleElement()
			.satisfies(n -> assertThat(n.path("body").asString()).as("from the regular price").contains("from $59.99 to $69.99"));
		advanceTo(renewal.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).as("the offer's renewal at $44.99, the new price from then on")
			.containsExactly(5999L, 4499L);
		assertThat(subscription(sub).path("price").path("amount").asLong()).isEqualTo(6999);
	}

	@Test
	void aPriceCutAfterAnAcceptedDiscountKeepsTheDiscountAndNeedsNoConsent() {
		String plan = fixtures.plan("offer-then-cut", "P1Y", 5999);
		String american = customer("US", "CA");
		String german = customer("DE", null);
		String us = fixtures.subscribe(american, plan);
		String de = fixtures.subscribe(german, plan);
		Instant renewalUs = instant(subscription(us), "currentPeriodEnd");
		Instant renewalDe = instant(subscription(de), "currentPeriodEnd");
		advanceTo(renewalUs.minus(Duration.ofDays(60)));
		acceptDiscount(us, 4499);
		acceptDiscount(de, 4499);
		assertThat(schedule(plan, 5499, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);

		advanceTo((renewalDe.isAfter(renewalUs) ? renewalDe : renewalUs).minus(LEAD).plusSeconds(1));
		assertThat(api.get("/subscriptions/" + de + "/price-change").json().path("consentRequired").asBoolean())
			.as("a cut from the regular $59.99, not an increase over the discounted $44.99").isFalse();
		advanceTo((renewalDe.isAfter(renewalUs) ? renewalDe : renewalUs).plusSeconds(60));
		assertThat(chargedAmounts(us, american)).containsExactly(5999L, 4499L);
		assertThat(subscription(de).path("status").asString()).as("not ended for want of consent").isEqualTo("ACTIVE");
		assertThat(chargedAmounts(de, german)).containsExactly(5999L, 4499L);
		assertThat(subscription(us).path("price").path("amount").asLong()).isEqualTo(5499);
		assertThat(subscription(de).path("price").path("amount").asLong()).isEqualTo(5499);
	}

	/** A day as a customer in {@code country} is told it in English letters (the day zone of shared.Formats). */
	private static String day(Instant at, String country) {
		return dev.subdesk.shared.Formats.date(at.atZone(dev.subdesk.shared.Formats.dayZone(country)).toLocalDate(),
				java.util.Locale.ENGLISH);
	}

	/** The plans on sale stay the catalog the other classes count. */
	private void retire(String plan) {
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
	}

	private static Instant yearAfter(Instant at) {
		return java.time.ZonedDateTime.ofInstant(at, java.time.ZoneOffset.UTC).plusYears(1).toInstant();
	}

	@Test
	void aDiscountAcceptedBeforeTheNoticeIsWhatTheNoticeSaysTheRenewalChargesWithTheNewPriceFromTheOneAfter() {
		String plan = fixtures.plan("offer-then-notice-words", "P1Y", 5999);
		String american = customer("US", "CA");
		String french = customer("FR", null);
		String us = fixtures.subscribe(american, plan);
		String fr = fixtures.subscribe(french, plan);
		Instant renewalUs = instant(subscription(us), "currentPeriodEnd");
		Instant renewalFr = instant(subscription(fr), "currentPeriodEnd");
		Instant last = renewalUs.isAfter(renewalFr) ? renewalUs : renewalFr;
		advanceTo(last.minus(Duration.ofDays(60)));
		acceptDiscount(us, 4499);
		acceptDiscount(fr, 4499);
		assertThat(schedule(plan, 6999, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);

		advanceTo(last.minus(LEAD).plusSeconds(1));
		assertThat(notices(american, "PRICE_CHANGE")).singleElement().satisfies(n -> {
			assertThat(n.path("subject").asString()).as("the new price from the renewal after the discounted one")
				.contains("$69.99", day(yearAfter(renewalUs), "US"));
			assertThat(n.path("body").asString()).contains("from $59.99 to $69.99",
					"Your renewal on " + day(renewalUs, "US") + " will be charged $44.99",
					"your renewal on " + day(yearAfter(renewalUs), "US") + " will be charged $69.99");
		});
		assertThat(notices(french, "PRICE_CHANGE")).singleElement().satisfies(n -> {
			assertThat(n.path("subject").asString()).contains("$69.99", day(yearAfter(renewalFr), "FR"));
			assertThat(n.path("body").asString()).contains("from $59.99 to $69.99",
					"Your renewal on " + day(renewalFr, "FR") + " will be charged $44.99",
					"your renewal on " + day(yearAfter(renewalFr), "FR") + " will be charged $69.99",
					"your subscription ends on " + day(yearAfter(renewalFr), "FR"));
		});
		assertThat(api.post("/subscriptions/" + fr + "/price-change-consent", Map.of()).status()).isEqualTo(200);

		advanceTo(last.plusSeconds(60));
		assertThat(chargedAmounts(us, american)).as("what the notice said").containsExactly(5999L, 4499L);
		assertThat(chargedAmounts(fr, french)).as("what the notice said").containsExactly(5999L, 4499L);
		advanceTo(yearAfter(last).plusSeconds(60));
		assertThat(chargedAmounts(us, american)).containsExactly(5999L, 4499L, 6999L);
		assertThat(chargedAmounts(fr, french)).containsExactly(5999L, 4499L, 6999L);
		retire(plan);
	}

	/** The newest PRICE_CHANGE notice of an account. */
	private JsonNode newestNotice(String account) {
		return notices(account, "PRICE_CHANGE").stream()
			.max(java.util.Comparator.comparing(n -> instant(n, "createdAt")))
			.orElseThrow();
	}

	@Test
	void aYearlySubscriberWhoseDiscountIsKeptIsToldAgainInsideCaliforniasWindowBeforeTheNewPriceIsCharged() {
		String plan = fixtures.plan("kept-discount-ca", "P1Y", 5999);
		String account = customer("US", "CA");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		Instant following = yearAfter(renewal);
		advanceTo(renewal.minus(Duration.ofDays(60)));
		acceptDiscount(sub, 4499);
		assertThat(schedule(plan, 6999, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);

		advanceTo(renewal.minus(LEAD).plusSeconds(1));
		assertThat(notices(account, "PRICE_CHANGE")).as("told at once what the discounted renewal charges").singleElement()
			.satisfies(n -> assertThat(n.path("body").asString()).contains(
					"Your renewal on " + day(renewal, "US") + " will be charged $44.99",
					"your renewal on " + day(following, "US") + " will be charged $69.99"));
		assertThat(subscription(sub).path("price").path("amount").asLong()).isEqualTo(4499);
		advanceTo(renewal.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).containsExactly(5999L, 4499L);
		assertThat(subscription(sub).path("price").path("amount").asLong())
			.as("what the next renewal will cost: the new price, told again before it").isEqualTo(6999);

		advanceTo(following.minus(LEAD).minusSeconds(60));
		assertThat(notices(account, "PRICE_CHANGE")).as("a year ahead is no notice for R-CA-8 (7-30 days)").hasSize(1);
		advanceTo(following.minus(Duration.ofDays(7)));
		assertThat(notices(account, "PRICE_CHANGE")).hasSize(2);
		JsonNode again = newestNotice(account);
		assertThat(instant(again, "createdAt")).as("7 to 30 days before the first charge at the new price")
			.isBetween(following.minus(Duration.ofDays(30)), following.minus(Duration.ofDays(7)));
		assertThat(again.path("body").asString()).contains("from $59.99 to $69.99",
				"Your renewal on " + day(following, "US") + " will be charged $69.99", "Cancel before");
		assertThat(chargedAmounts(sub, account)).containsExactly(5999L, 4499L);
		advanceTo(following.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).containsExactly(5999L, 4499L, 6999L);
		retire(plan);
	}

	@Test
	void aMonthlySubscriberWhoKeepsADiscountIsToldAgainInsideNewYorksWindowBeforeTheNewPriceIsCharged() {
		String plan = fixtures.plan("kept-discount-ny", "P1M", 1000);
		String account = customer("US", "NY");
		String sub = fixtures.subscribe(account, plan);
		Instant first = instant(subscription(sub), "currentPeriodEnd");
		advanceTo(first.minus(Duration.ofDays(5)));
		// reaches the renewal after the next (a month reaches 28 to 31 days on)
		assertThat(schedule(plan, 1250, now().plus(Duration.ofDays(30)).plus(Duration.ofHours(1))
			.truncatedTo(java.time.temporal.ChronoUnit.SECONDS), "MOVE").status()).isEqualTo(201);
		advanceTo(first.plusSeconds(60));
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		advanceTo(renewal.minus(Duration.ofDays(20)));
		assertThat(notices(account, "PRICE_CHANGE")).singleElement()
			.satisfies(n -> assertThat(n.path("body").asString()).contains(
					"Your renewal on " + day(renewal, "US") + " will be charged $12.50"));
		acceptDiscount(sub, 750);
		assertThat(subscription(sub).path("price").path("amount").asLong()).as("the discount, accepted after the notice")
			.isEqualTo(750);

		advanceTo(renewal.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).containsExactly(1000L, 1000L, 750L);
		Instant following = instant(subscription(sub), "currentPeriodEnd");
		advanceTo(following.minus(Duration.ofDays(5)));
		assertThat(notices(account, "PRICE_CHANGE")).as("the first one went out a month and more before the new price")
			.hasSize(2);
		JsonNode again = newestNotice(account);
		assertThat(instant(again, "createdAt")).as("5 to 30 days before the first charge at the new price (R-NY-2)")
			.isBetween(following.minus(Duration.ofDays(30)), following.minus(Duration.ofDays(5)));
		assertThat(again.path("body").asString()).contains("from $10.00 to $12.50",
				"Your renewal on " + day(following, "US") + " will be charged $12.50");
		advanceTo(following.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).containsExactly(1000L, 1000L, 750L, 1250L);
		retire(plan);
	}

	@Test
	void inTheEuASubscriberWhoseDiscountIsKeptIsAskedAgainBeforeTheNewPriceAndEndsThenWithoutConsent() {
		String plan = fixtures.plan("kept-discount-eu", "P1Y", 5999);
		String account = customer("FR", null);
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		Instant following = yearAfter(renewal);
		advanceTo(renewal.minus(Duration.ofDays(60)));
		acceptDiscount(sub, 4499);
		assertThat(schedule(plan, 6999, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);

		advanceTo(renewal.minus(LEAD).plusSeconds(1));
		assertThat(notices(account, "PRICE_CHANGE")).singleElement()
			.satisfies(n -> assertThat(n.path("body").asString()).contains(
					"Your renewal on " + day(renewal, "FR") + " will be charged $44.99",
					"accept it in your portal before " + day(following, "FR"),
					"your subscription ends on " + day(following, "FR")));
		JsonNode pending = api.get("/subscriptions/" + sub + "/price-change").json();
		assertThat(pending.path("consentRequired").asBoolean()).isTrue();
		assertThat(instant(pending, "renewalAt")).isEqualTo(following);

		advanceTo(renewal.plusSeconds(60));
		assertThat(subscription(sub).path("status").asString()).as("the discounted renewal needs no consent")
			.isEqualTo("ACTIVE");
		assertThat(chargedAmounts(sub, account)).containsExactly(5999L, 4499L);

		advanceTo(following.minus(Duration.ofDays(7)));
		assertThat(notices(account, "PRICE_CHANGE")).hasSize(2);
		JsonNode again = newestNotice(account);
		assertThat(instant(again, "createdAt")).isBetween(following.minus(LEAD), following.minus(Duration.ofDays(7)));
		assertThat(again.path("body").asString()).contains("We need your agreement",
				"your subscription ends on " + day(following, "FR"));

		advanceTo(following.plusSeconds(60));
		JsonNode ended = subscription(sub);
		assertThat(ended.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(instant(ended, "cancelledAt")).as("at the end of the discounted term").isEqualTo(following);
		assertThat(chargedAmounts(sub, account)).as("never charged the new price").containsExactly(5999L, 4499L);
		retire(plan);
	}

	@Test
	void whileAChangeIsPendingForTheNextRenewalTheSubscriptionsPriceIsWhatThatRenewalCharges() {
		String plan = fixtures.plan("pending-price-shown", "P1Y", 1000);
		String american = customer("US", "CA");
		String german = customer("DE", null);
		String discounted = customer("US", "NY");
		String us = fixtures.subscribe(american, plan);
		String de = fixtures.subscribe(german, plan);
		String offer = fixtures.subscribe(discounted, plan);
		Instant last = java.util.stream.Stream.of(us, de, offer).map(id -> instant(subscription(id), "currentPeriodEnd"))
			.max(Instant::compareTo).orElseThrow();
		advanceTo(last.minus(Duration.ofDays(60)));
		acceptDiscount(offer, 750);
		assertThat(schedule(plan, 1250, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);
		assertThat(subscription(us).path("price").path("amount").asLong()).as("nothing announced yet").isEqualTo(1000);

		advanceTo(last.minus(LEAD).plusSeconds(1));
		assertThat(subscription(us).path("price").path("amount").asLong()).as("the next renewal charges the new price")
			.isEqualTo(1250);
		assertThat(subscription(de).path("price").path("amount").asLong())
			.as("awaiting consent: if it renews at all, it renews at the new price").isEqualTo(1250);
		assertThat(subscription(offer).path("price").path("amount").asLong()).as("the discount is what is charged")
			.isEqualTo(750);
		assertThat(api.get("/accounts/" + american + "/subscriptions").json().path("data").values())
			.singleElement().satisfies(s -> assertThat(s.path("price").path("amount").asLong()).isEqualTo(1250));
		String order = subscription(us).path("orderNumber").asString();
		assertThat(api.get("/subscriptions?orderNumber=" + order).json().path("data").values())
			.singleElement().satisfies(s -> assertThat(s.path("price").path("amount").asLong()).isEqualTo(1250));
		Api.Response patched = api.patch("/subscriptions/" + us, Map.of("autoRenew", true));
		assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
		assertThat(patched.json().path("price").path("amount").asLong()).isEqualTo(1250);

		assertThat(api.post("/subscriptions/" + de + "/price-change-consent", Map.of()).status()).isEqualTo(200);
		advanceTo(last.plusSeconds(60));
		assertThat(chargedAmounts(us, american)).as("what price showed").containsExactly(1000L, 1250L);
		assertThat(chargedAmounts(de, german)).as("what price showed").containsExactly(1000L, 1250L);
		assertThat(chargedAmounts(offer, discounted)).as("what price showed").containsExactly(1000L, 750L);
		assertThat(subscription(offer).path("price").path("amount").asLong()).isEqualTo(1250);
		retire(plan);
	}

	@Test
	void aSubscriptionEventCarriesThePriceTheApiAnswersWhatTheNextRenewalWillCost() {
		String plan = fixtures.plan("event-price", "P1Y", 1000);
		String account = customer("US", "CA");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		assertThat(schedule(plan, 1250, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);
		advanceTo(renewal.minus(LEAD).plusSeconds(1));
		assertThat(api.patch("/subscriptions/" + sub, Map.of("autoRenew", false)).status()).isEqualTo(200);
		Api.Response resumed = api.patch("/subscriptions/" + sub, Map.of("autoRenew", true));
		assertThat(resumed.status()).as(resumed.toString()).isEqualTo(200);
		assertThat(resumed.json().path("price").path("amount").asLong()).isEqualTo(1250);

		JsonNode last = api.get("/events?subjectId=" + sub + "&limit=100").json().path("data").values().stream()
			.filter(e -> e.path("type").asString().startsWith("subscription."))
			.max(java.util.Comparator.comparing(e -> e.path("sequence").asLong()))
			.orElseThrow();
		assertThat(last.path("data").path("autoRenew").asBoolean()).isTrue();
		assertThat(last.path("data").path("price").path("amount").asLong())
			.as("data is the resource as the API returns it at that moment (API.md, Webhooks)").isEqualTo(1250);
		retire(plan);
	}

	/** The subject's subscription.* events, oldest first. */
	private List<JsonNode> subscriptionEvents(String sub) {
		return api.get("/events?subjectId=" + sub + "&limit=100").json().path("data").values().stream()
			.filter(e -> e.path("type").asString().startsWith("subscription."))
			.sorted(java.util.Comparator.comparing(e -> e.path("sequence").asLong()))
			.toList();
	}

	@Test
	void theRetentionOfferBeforeACancellationNamesWhatTheNextRenewalChargesTheAnnouncedNewPriceNotTheStoredOne() {
		String plan = fixtures.plan("offer-after-notice", "P1Y", 1000);
		String account = customer("US", "CA");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		assertThat(schedule(plan, 1250, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);
		advanceTo(renewal.minus(LEAD).plusSeconds(1));
		assertThat(subscription(sub).path("price").path("amount").asLong()).isEqualTo(1250);

		JsonNode offer = api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer");
		assertThat(offer.path("description").asString()).as("the same amount as the API's price, what the renewal charges")
			.contains("costs $7.50 instead of $12.50 (40% off)")
			.doesNotContain("$10.00");
		Api.Response accepted = api.post("/offers/" + offer.path("id").asString() + "/accept");
		assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
		assertThat(accepted.json().path("price").path("amount").asLong()).isEqualTo(750);
		advanceTo(renewal.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).as("what the offer said").containsExactly(1000L, 750L);
		retire(plan);
	}

	/** The open retention offer a cancellation quote shows now. */
	private JsonNode offer(String sub) {
		JsonNode offer = api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer");
		assertThat(offer.path("kind").asString()).as(offer.toString()).isEqualTo("DISCOUNT");
		return offer;
	}

	@Test
	void anOfferMadeBeforeAnIncreaseIsNoticedNamesAfterTheNoticeWhatTheNextRenewalChargesWithoutIt() {
		String plan = fixtures.plan("offer-before-increase-notice", "P1Y", 1000);
		String account = customer("US", "CA");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		fixtures.advance("PT1H"); // after the purchase: announced by the notice only
		assertThat(schedule(plan, 1250, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);
		advanceTo(renewal.minus(LEAD).minus(Duration.ofDays(2)));
		JsonNode before = offer(sub);
		assertThat(before.path("description").asString()).contains("costs $7.50 instead of $10.00 (25% off)");

		advanceTo(renewal.minus(LEAD).plusSeconds(1)); // the notice, while the offer stays open (7 days)
		assertThat(notices(account, "PRICE_CHANGE")).hasSize(1);
		assertThat(subscription(sub).path("price").path("amount").asLong()).isEqualTo(1250);
		JsonNode after = offer(sub);
		assertThat(after.path("id").asString()).as("the same offer of this term").isEqualTo(before.path("id").asString());
		assertThat(after.path("description").asString())
			.as("what the next renewal charges without it now: the API's price, not the one when it was made")
			.contains("costs $7.50 instead of $12.50 (40% off)")
			.doesNotContain("$10.00");
		Api.Response accepted = api.post("/offers/" + after.path("id").asString() + "/accept");
		assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
		assertThat(accepted.json().path("price").path("amount").asLong()).isEqualTo(750);
		retire(plan);
	}

	@Test
	void anOfferMadeBeforeACutIsNoticedIsAfterTheNoticeItsPercentOffTheNewPriceAndChargedSo() {
		String plan = fixtures.plan("offer-before-cut-notice", "P1Y", 1000);
		String account = customer("US", "CA");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		fixtures.advance("PT1H");
		assertThat(schedule(plan, 800, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);
		advanceTo(renewal.minus(LEAD).minus(Duration.ofDays(2)));
		JsonNode before = offer(sub);
		assertThat(before.path("description").asString()).contains("costs $7.50 instead of $10.00 (25% off)");

		advanceTo(renewal.minus(LEAD).plusSeconds(1));
		assertThat(subscription(sub).path("price").path("amount").asLong()).isEqualTo(800);
		Api.Response unseen = api.post("/offers/" + before.path("id").asString() + "/accept");
		assertThat(unseen.status()).as("accepted at a price never shown (invariant 5): " + unseen).isEqualTo(409);
		assertThat(unseen.code()).isEqualTo("OFFER_NOT_AVAILABLE");
		assertThat(subscription(sub).path("price").path("amount").asLong()).as("nothing changed").isEqualTo(800);
		JsonNode after = offer(sub);
		assertThat(after.path("description").asString()).contains("costs $6.00 instead of $8.00 (25% off)")
			.doesNotContain("$10.00").doesNotContain("$7.50");
		Api.Response accepted = api.post("/offers/" + after.path("id").asString() + "/accept");
		assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
		assertThat(accepted.json().path("price").path("amount").asLong()).as("what its words say").isEqualTo(600);
		advanceTo(renewal.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).containsExactly(1000L, 600L);
		retire(plan);
	}

	@Test
	void theNoticeThatMakesTheNextRenewalChargeANewPriceRecordsASubscriptionUpdatedEventWithThatPrice() {
		String plan = fixtures.plan("event-on-notice", "P1Y", 1000);
		String account = customer("US", "CA");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		// scheduled after the purchase (not in the same second: its disclosure could have stated it), so announced by
		// the notice only
		fixtures.advance("PT1H");
		assertThat(schedule(plan, 1250, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);
		advanceTo(renewal.minus(LEAD).minusSeconds(3600));
		assertThat(notices(account, "PRICE_CHANGE")).isEmpty();

		advanceTo(renewal.minus(LEAD).plusSeconds(1));
		assertThat(notices(account, "PRICE_CHANGE")).hasSize(1);
		assertThat(subscriptionEvents(sub).stream().filter(e -> e.path("type").asString().equals("subscription.updated"))
			.toList())
			.as("API.md, Webhooks: an event on every state change of the resource as the API returns it")
			.singleElement()
			.satisfies(e -> assertThat(e.path("data").path("price").path("amount").asLong()).isEqualTo(1250));
		retire(plan);
	}

	@Test
	void aNewerChangeSupersedesAnOlderPendingOneSoTheOlderPriceIsNeverChargedAfterIt() {
		String plan = fixtures.plan("superseded-change", "P1Y", 1000);
		String account = customer("US", "CA");
		String sub = fixtures.subscribe(account, plan);
		Instant renewal = instant(subscription(sub), "currentPeriodEnd");
		Instant following = yearAfter(renewal);
		Api.Response older = schedule(plan, 1100, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE");
		assertThat(older.status()).isEqualTo(201);
		// a late notice of an earlier version held the older change for the renewal after the next one
		database.sql("""
				INSERT INTO subscription_price_changes (subscription_id, price_change_id, old_amount, new_amount, currency,
				                                        renewal_at, notice_sent_at, consent_required)
				VALUES (:sub, :change, 1000, 1100, 'USD', :renewal, :sent, false)
				""")
			.param("sub", sub)
			.param("change", older.id())
			.param("renewal", java.sql.Timestamp.from(following))
			.param("sent", java.sql.Timestamp.from(now()))
			.update();
		advanceTo(now().plus(Duration.ofDays(32)));
		Api.Response newer = schedule(plan, 1300, now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE");
		assertThat(newer.status()).as(newer.toString()).isEqualTo(201);

		advanceTo(renewal.minus(LEAD).plusSeconds(1));
		assertThat(notices(account, "PRICE_CHANGE")).singleElement()
			.satisfies(n -> assertThat(n.path("body").asString()).contains("from $10.00 to $13.00"));
		assertThat(api.get("/subscriptions/" + sub + "/price-change").json().path("priceChangeId").asString())
			.isEqualTo(newer.id());
		assertThat(database.sql("SELECT status FROM subscription_price_changes WHERE subscription_id = :sub AND price_change_id = :change")
			.param("sub", sub).param("change", older.id()).query(String.class).single())
			.as("the older pending change is replaced by the newer").isEqualTo("SUPERSEDED");
		JsonNode updated = subscriptionEvents(sub).getLast();
		assertThat(updated.path("type").asString()).isEqualTo("subscription.updated");
		assertThat(updated.path("data").path("price").path("amount").asLong()).as("the notice changed the price shown")
			.isEqualTo(1300);

		advanceTo(following.plusSeconds(60));
		assertThat(chargedAmounts(sub, account)).as("never back to the older change's price after the newer one")
			.containsExactly(1000L, 1300L, 1300L);
		assertThat(subscription(sub).path("price").path("amount").asLong()).isEqualTo(1300);
		retire(plan);
	}

	@Test
	void whileAnIncreaseAwaitsConsentTheRenewalReminderSaysItEndsUnlessAcceptedNotTheOldPrice() {
		String plan = fixtures.plan("consent-reminder", "P1Y", 1000);
		String french = customer("FR", null);
		String german = customer("DE", null);
		String fr = fixtures.subscribe(french, plan);
		String de = fixtures.subscribe(german, plan);
		Instant last = java.util.stream.Stream.of(fr, de).map(id -> instant(subscription(id), "currentPeriodEnd"))
			.max(Instant::compareTo).orElseThrow();
		assertThat(schedule(plan, 1200, now().plus(LEAD).plusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				"MOVE").status()).isEqualTo(201);

		advanceTo(last.minus(LEAD).plusSeconds(1));
		assertThat(notices(french, "RENEWAL_REMINDER")).singleElement().satisfies(reminder -> {
			assertThat(reminder.path("subject").asString()).contains("ends on", "unless you accept", "$12.00");
			assertThat(reminder.path("body").asString()).contains("from $10.00 to $12.00", "accept it in your portal",
					"your subscription ends on").doesNotContain("renews automatically");
		});
		assertThat(notices(german, "RENEWAL_REMINDER")).singleElement().satisfies(reminder -> {
			assertThat(reminder.path("subject").asString()).contains("endet am", "zustimmen");
			assertThat(reminder.path("body").asString()).contains("Zustimmung", "/portal")
				.doesNotContain("verlängert sich automatisch");
		});
	}

	@Test
	void badInputIsRefusedAndNothingIsScheduled() {
		String plan = "price-test-annual-5";
		String soon = now().plus(Duration.ofDays(29)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
		String later = now().plus(Duration.ofDays(45)).toString().substring(0, 10);
		Map<String, Object> usd = Map.of("amount", 1100, "currency", "USD");

		assertProblem(api.with("Authorization", null).post("/plans/" + plan + "/price-changes",
				Map.of("price", usd, "effectiveFrom", later, "existingSubscribers", "MOVE")), 401, "UNAUTHORIZED");
		assertProblem(api.with("Authorization", null).get("/plans/" + plan + "/price-changes"), 401, "UNAUTHORIZED");
		assertProblem(api.with("Authorization", null).post("/subscriptions/sub_x/price-change-consent", Map.of()), 401,
				"UNAUTHORIZED");
		assertProblem(api.with("Authorization", null).get("/subscriptions/sub_x/price-change"), 401, "UNAUTHORIZED");
		assertProblem(api.get("/subscriptions/sub_nope/price-change"), 404, "NOT_FOUND");
		assertProblem(api.post("/plans/no-such-plan/price-changes", Map.of("price", usd, "effectiveFrom", later,
				"existingSubscribers", "MOVE")), 404, "NOT_FOUND");
		assertProblem(api.get("/plans/no-such-plan/price-changes"), 404, "NOT_FOUND");
		assertProblem(api.post("/subscriptions/sub_nope/price-change-consent", Map.of()), 404, "NOT_FOUND");

		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", -1,
				"currency", "USD"), "effectiveFrom", later, "existingSubscribers", "MOVE")), "price");
		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 1.5,
				"currency", "USD"), "effectiveFrom", later, "existingSubscribers", "MOVE")), "price");
		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 1100,
				"currency", "EUR"), "effectiveFrom", later, "existingSubscribers", "MOVE")), "price.currency");
		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of("price", usd,
				"effectiveFrom", "next week", "existingSubscribers", "MOVE")), "effectiveFrom");
		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of("price", usd,
				"effectiveFrom", later, "existingSubscribers", "SOME")), "existingSubscribers");
		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of("price", usd,
				"effectiveFrom", later, "existingSubscribers", "MOVE", "note", "x")), "note");
		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of()), "price");
		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount",
				1_000_000_000_001L, "currency", "USD"), "effectiveFrom", later, "existingSubscribers", "MOVE")), "price.amount");
		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of("price", usd,
				"effectiveFrom", "+300000-01-01T00:00:00Z", "existingSubscribers", "MOVE")), "effectiveFrom");
		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of("price", usd,
				"effectiveFrom", now().plus(Duration.ofDays(3660)).toString().substring(0, 10), "existingSubscribers",
				"MOVE")), "effectiveFrom");
		JsonNode tooSoon = assertProblem(api.post("/plans/" + plan + "/price-changes", Map.of("price", usd,
				"effectiveFrom", soon, "existingSubscribers", "MOVE")), 422, "EFFECTIVE_FROM_TOO_SOON");
		assertThat(tooSoon.path("errors").values()).extracting(e -> e.path("field").asString()).contains("effectiveFrom");

		assertThat(api.get("/plans/" + plan + "/price-changes").json().path("data").values()).as("nothing scheduled").isEmpty();
		// a price is a positive amount, as a plan's (a charge of zero is refused by the database: it broke renewals)
		assertValidationFailed(api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 0,
				"currency", "USD"), "effectiveFrom", later, "existingSubscribers", "GRANDFATHER")), "price.amount");
		Api.Response day = api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 1,
				"currency", "USD"), "effectiveFrom", later, "existingSubscribers", "GRANDFATHER"));
		assertThat(day.status()).as("a day and a price of one minor unit are fine: " + day).isEqualTo(201);
		assertThat(day.json().path("effectiveFrom").asString()).isEqualTo(later + "T00:00:00Z");
	}
}
