package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.OwnClockAndDatabase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * API.md, Checkout and consent (R-US-1, R-US-2, R-CA-1/2): a disclosure states the terms before the purchase, a
 * direct purchase by a US account needs consent to one, and the record keeps the exact text and its SHA-256.
 */
@OwnClockAndDatabase
class CheckoutAndConsentIntegrationTests extends ApiIntegrationTest {

	@Autowired
	private JdbcClient database;

	@Autowired
	private javax.sql.DataSource dataSource;

	@Autowired
	private dev.subdesk.clock.TestClock clock;

	private String californian() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		return account;
	}

	private Api.Response disclose(String account, String plan) {
		return api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", plan));
	}

	private Api.Response buy(String account, String plan, Object consent) {
		return api.post("/subscriptions", Map.of("accountId", account, "planCode", plan, "consent", consent));
	}

	private static Map<String, Object> consent(String disclosureId) {
		return Map.of("disclosureId", disclosureId, "method", "CHECKBOX", "ipAddress", "198.51.100.23", "userAgent",
				"Mozilla/5.0 (checkout test)");
	}

	private int subscriptionsOf(String account) {
		return api.get("/accounts/" + account + "/subscriptions").json().path("data").size();
	}

	private static String sha256(String text) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
	}

	@Test
	void aDisclosureStatesPriceRenewalCalendarDatesTheCancelDeadlineAndHowToCancelWithItsSha256() throws Exception {
		String account = californian();
		// the clock runs on in whole seconds: the disclosure is made between these two readings
		Instant before = Instant.parse(api.get("/test-clock").text("now"));
		Api.Response d = disclose(account, "antivirus-annual");
		Instant after = Instant.parse(api.get("/test-clock").text("now"));
		assertThat(d.status()).as(d.toString()).isEqualTo(201);
		assertThat(d.id()).startsWith("dsc_");
		assertThat(d.text("jurisdiction")).isEqualTo("US-CA");
		assertThat(d.text("term")).isEqualTo("P1Y");
		assertThat(d.json().path("price").path("amount").asLong()).isEqualTo(5999);
		assertThat(d.json().path("renewalPrice").path("amount").asLong()).isEqualTo(5999);
		assertThat(d.json().path("trialDays").asInt()).isZero();
		assertThat(d.json().path("rules").values()).extracting(JsonNode::asString).contains("R-US-1", "R-US-2", "R-CA-1");
		Instant firstCharge = Instant.parse(d.text("firstChargeAt"));
		assertThat(firstCharge).isBetween(before, after);
		assertThat(Instant.parse(d.text("expiresAt"))).isEqualTo(firstCharge.plus(Duration.ofHours(1)));
		String text = d.text("text");
		assertThat(text).contains("$59.99 today", "then $59.99 every year", "until you cancel",
				"To stop the next charge, cancel before", "/cancel", "Money-back guarantee: cancel within 60 days")
			.doesNotContain("Right of withdrawal");
		assertThat(text).containsPattern("on \\d{1,2} [A-Z][a-z]+ \\d{4}");
		// the Californian's own days: a charge in the UTC morning is the evening before in California
		String renewalDay = java.time.format.DateTimeFormatter.ofPattern("d MMMM uuuu", java.util.Locale.ENGLISH)
			.format(firstCharge.atZone(java.time.ZoneOffset.UTC).plusYears(1).toInstant()
				.atZone(java.time.ZoneId.of("America/Los_Angeles")));
		assertThat(text).contains("To stop the next charge, cancel before " + renewalDay + ".");
		assertThat(d.text("textSha256")).isEqualTo(sha256(text));

		String german = fixtures.accountWithVisa();
		Api.Response de = disclose(german, "vpn-annual");
		assertThat(de.text("jurisdiction")).isEqualTo("DE");
		assertThat(de.text("text")).contains("Right of withdrawal", "within 14 days", "/withdraw");
	}

	@Test
	void aUsPurchaseWithoutConsentIsRefusedOnConsentAndCreatesAndChargesNothing() {
		String account = californian();
		Api.Response refused = api.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-annual"));
		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("consent");
		assertThat(subscriptionsOf(account)).isZero();
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isZero();

		String unknownState = fixtures.account("US", null);
		fixtures.card(unknownState, "tok_visa");
		assertThat(api.post("/subscriptions", Map.of("accountId", unknownState, "planCode", "antivirus-annual")).status())
			.isEqualTo(400);
	}

	@Test
	void aConsentToAnotherPlanAnotherAccountAnExpiredUsedOrUnknownDisclosureIsRefusedOnConsent() {
		String account = californian();
		String other = californian();
		String vpn = disclose(account, "antivirus-annual").id();
		String othersVpn = disclose(other, "antivirus-annual").id();
		Map<String, Object> malformed = new HashMap<>(Map.of("disclosureId", vpn, "method", "NODDED"));
		List<Api.Response> refused = List.of(buy(account, "vpn-annual", consent(vpn)),
				buy(account, "antivirus-annual", consent(othersVpn)), buy(account, "antivirus-annual", consent("dsc_doesnotexist")),
				buy(account, "antivirus-annual", malformed), buy(account, "antivirus-annual", "yes"),
				buy(account, "antivirus-annual", Map.of("disclosureId", vpn, "method", "BUTTON", "signature", "x")));
		assertThat(refused).allSatisfy(r -> {
			assertThat(r.status()).as(r.toString()).isEqualTo(400);
			assertThat(r.code()).isEqualTo("VALIDATION_FAILED");
			assertThat(r.json().path("errors").values()).extracting(e -> e.path("field").asString()).contains("consent");
		});
		assertThat(subscriptionsOf(account)).isZero();

		assertThat(buy(account, "antivirus-annual", consent(vpn)).status()).isEqualTo(201);
		Api.Response reused = buy(account, "antivirus-annual", consent(vpn));
		assertThat(reused.status()).as("a disclosure backs one purchase").isEqualTo(400);

		String stale = disclose(account, "vpn-annual").id();
		fixtures.advance("PT1H");
		Api.Response expired = buy(account, "vpn-annual", consent(stale));
		assertThat(expired.status()).as(expired.toString()).isEqualTo(400);
		assertThat(expired.json().path("errors").get(0).path("message").asString()).contains("expired");
		assertThat(subscriptionsOf(account)).isEqualTo(1);
	}

	@Test
	void aDisclosureOfAPriceThePlanNoLongerHasIsRefusedOnConsentAndChargesNothing() {
		String plan = fixtures.plan("consent-price", "P1M", 500);
		String account = fixtures.account("DE", null);
		fixtures.card(account, "tok_visa");
		Api.Response shown = disclose(account, plan);
		assertThat(shown.json().path("price").path("currency").asString()).isEqualTo("USD");

		// the plan gets a price in the buyer's currency after the buyer saw the dollar one
		assertThat(api.post("/plans/" + plan + "/prices", Map.of("amount", 450, "currency", "EUR")).status())
			.isEqualTo(201);
		Api.Response refused = buy(account, plan, consent(shown.id()));

		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("consent");
		assertThat(refused.json().path("errors").get(0).path("message").asString()).contains("price changed");
		assertThat(subscriptionsOf(account)).isZero();
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isZero();

		Api.Response again = disclose(account, plan);
		assertThat(again.json().path("price").path("amount").asLong()).isEqualTo(450);
		Api.Response bought = buy(account, plan, consent(again.id()));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
	}

	@Test
	void anAddOnsDisclosureOfNothingChargedTodayBacksNoPurchaseOnceTheBasesTrialConvertedAndChargesNothing() {
		String account = californian();
		String base = fixtures.subscribe(account, "vpn-monthly-trial");
		Instant trialEnd = Instant.parse(fixtures.subscription(base).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(fixtures.now(), trialEnd).minusMinutes(30));
		Map<String, Object> addOn = Map.of("accountId", account, "planCode", "vpn-addon-monthly", "parentSubscriptionId",
				base);
		Api.Response shown = api.post("/checkout/disclosures", addOn);
		assertThat(shown.json().path("trialDays").asInt()).isEqualTo(1);
		assertThat(Instant.parse(shown.text("firstChargeAt"))).isEqualTo(trialEnd);
		assertThat(shown.text("text")).contains("nothing charged today");

		fixtures.advance("PT31M"); // the base converts while the disclosure is still valid
		assertThat(fixtures.subscription(base).text("status")).isEqualTo("ACTIVE");
		Map<String, Object> purchase = new HashMap<>(addOn);
		purchase.put("consent", consent(shown.id()));
		Api.Response refused = api.post("/subscriptions", purchase);

		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("consent");
		assertThat(refused.json().path("errors").get(0).path("message").asString())
			.isEqualTo("the terms changed since the disclosure: get a new one and show it again");
		assertThat(subscriptionsOf(account)).as("only the base").isEqualTo(1);
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong()).containsExactly(499L);

		Api.Response again = api.post("/checkout/disclosures", addOn);
		assertThat(again.json().path("trialDays").asInt()).isZero();
		assertThat(again.text("text")).contains("$2.99 today").doesNotContain("nothing charged today");
		purchase.put("consent", consent(again.id()));
		Api.Response bought = api.post("/subscriptions", purchase);
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		assertThat(api.get("/subscriptions/" + bought.id() + "/consents").json().path("data").get(0).path("text")
			.asString()).isEqualTo(again.text("text"));
	}

	@Test
	void aPriceChangeScheduledBeforeTheFirstRenewalIsDisclosedWithItsDayAcceptedAtPurchaseAndChargedThen() {
		String plan = fixtures.plan("consent-scheduled", "P1Y", 1000);
		Instant effective = fixtures.now().plus(Duration.ofDays(40)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
		Api.Response scheduled = api.post("/plans/" + plan + "/price-changes", Map.of("price",
				Map.of("amount", 1250, "currency", "USD"), "effectiveFrom", effective.toString(), "existingSubscribers",
				"MOVE"));
		assertThat(scheduled.status()).as(scheduled.toString()).isEqualTo(201);
		String account = californian();

		Api.Response shown = disclose(account, plan);
		assertThat(shown.json().path("price").path("amount").asLong()).isEqualTo(1000);
		assertThat(shown.json().path("renewalPrice").path("amount").asLong()).as("what the first renewal charges")
			.isEqualTo(1250);
		String effectiveDay = java.time.format.DateTimeFormatter.ofPattern("d MMMM uuuu", java.util.Locale.ENGLISH)
			.format(effective.atZone(java.time.ZoneId.of("America/Los_Angeles")));
		assertThat(shown.text("text")).contains("$10.00 today",
				"then $12.50 (the plan's new price from " + effectiveDay + ") every year")
			.doesNotContain("then $10.00");

		String german = fixtures.accountWithVisa();
		Api.Response deutsch = api.post("/checkout/disclosures",
				Map.of("accountId", german, "planCode", plan, "language", "de"));
		assertThat(deutsch.json().path("renewalPrice").path("amount").asLong()).isEqualTo(1250);
		assertThat(deutsch.text("text")).contains("danach 12,50\u00a0$ (der neue Preis des Tarifs ab dem ",
				"Der neue Preis gilt nur, wenn Sie ihm zustimmen");
		assertThat(buy(german, plan, consent(deutsch.id())).status()).isEqualTo(201);

		Api.Response bought = buy(account, plan, consent(shown.id()));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		Instant renewal = Instant.parse(bought.text("currentPeriodEnd"));
		fixtures.advance(Duration.between(fixtures.now(), renewal.plusSeconds(60)));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong())
			.as("the renewal charges what the disclosure said")
			.containsExactly(1250L, 1000L);
	}

	@Test
	void aPriceChangeTheDisclosureStatedForTheFirstRenewalIsThePriceTheApiAndTheOrderConfirmationShowFromThePurchaseOn() {
		String plan = fixtures.plan("consent-disclosed-price", "P1Y", 1000);
		Instant effective = fixtures.now().plus(Duration.ofDays(40)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
		assertThat(api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 1250, "currency", "USD"),
				"effectiveFrom", effective.toString(), "existingSubscribers", "MOVE")).status()).isEqualTo(201);
		String account = californian();
		Api.Response shown = disclose(account, plan);
		assertThat(shown.json().path("renewalPrice").path("amount").asLong()).isEqualTo(1250);

		Api.Response bought = buy(account, plan, consent(shown.id()));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		String sub = bought.id();
		assertThat(bought.json().path("price").path("amount").asLong())
			.as("what the next renewal will cost: the new price the disclosure stated").isEqualTo(1250);
		assertThat(fixtures.subscription(sub).json().path("price").path("amount").asLong()).isEqualTo(1250);
		List<JsonNode> events = api.get("/events?subjectId=" + sub + "&limit=100").json().path("data").values().stream()
			.toList();
		assertThat(events).filteredOn(e -> e.path("type").asString().equals("subscription.created")).singleElement()
			.satisfies(e -> assertThat(e.path("data").path("price").path("amount").asLong()).isEqualTo(1250));
		assertThat(fixtures.notices(account, "ORDER_CONFIRMATION")).singleElement()
			.satisfies(n -> assertThat(n.path("body").asString()).contains("You paid $10.00 today",
					"renews automatically every year at $12.50"));

		Instant renewal = Instant.parse(bought.text("currentPeriodEnd"));
		fixtures.advance(Duration.between(fixtures.now(), renewal.minus(Duration.ofDays(30)).plusSeconds(1)));
		assertThat(fixtures.notices(account, "PRICE_CHANGE")).hasSize(1);
		assertThat(fixtures.subscription(sub).json().path("price").path("amount").asLong()).isEqualTo(1250);
		assertThat(api.get("/events?subjectId=" + sub + "&limit=100").json().path("data").values().stream()
			.filter(e -> e.path("type").asString().equals("subscription.updated")))
			.as("the notice changes nothing the API shows").isEmpty();
		fixtures.advance(Duration.between(fixtures.now(), renewal.plusSeconds(60)));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong()).containsExactly(1250L, 1000L);
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
	}

	private Api.Response scheduleMove(String plan, long amount, Instant effective) {
		return api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", amount, "currency", "USD"),
				"effectiveFrom", effective.toString(), "existingSubscribers", "MOVE"));
	}

	/** The test clock reads whole seconds: the change's createdAt is the purchase's second, whatever this machine's speed. */
	private void scheduledInTheSecondOf(Api.Response change, Api.Response purchase) {
		database.sql("UPDATE plan_price_changes SET created_at = :at WHERE id = :id")
			.param("at", java.sql.Timestamp.from(Instant.parse(purchase.text("createdAt"))))
			.param("id", change.id())
			.update();
	}

	@Test
	void onlyAChangeTheDisclosureStatedCountsForTheFirstRenewalNotOneScheduledAfterItInThePurchasesSecond() {
		String account = californian();
		Instant effective = fixtures.now().plus(Duration.ofDays(40)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

		// scheduled in the purchase's second before the disclosure was read: the disclosure states it, it counts
		String stated = fixtures.plan("consent-second-before", "P1Y", 1000);
		Api.Response before = scheduleMove(stated, 1250, effective);
		assertThat(before.status()).as(before.toString()).isEqualTo(201);
		Api.Response shown = disclose(account, stated);
		assertThat(shown.json().path("renewalPrice").path("amount").asLong()).isEqualTo(1250);
		Api.Response bought = buy(account, stated, consent(shown.id()));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		scheduledInTheSecondOf(before, bought);
		assertThat(fixtures.subscription(bought.id()).json().path("price").path("amount").asLong())
			.as("the new price its disclosure stated").isEqualTo(1250);

		// scheduled in the purchase's second after it: no disclosure stated it, it does not count before its notice
		String plan = fixtures.plan("consent-second-after", "P1Y", 1000);
		Api.Response disclosure = disclose(account, plan);
		assertThat(disclosure.json().path("renewalPrice").path("amount").asLong()).isEqualTo(1000);
		Api.Response purchase = buy(account, plan, consent(disclosure.id()));
		assertThat(purchase.status()).as(purchase.toString()).isEqualTo(201);
		Api.Response after = scheduleMove(plan, 1250, effective);
		assertThat(after.status()).as(after.toString()).isEqualTo(201);
		scheduledInTheSecondOf(after, purchase);
		assertThat(fixtures.subscription(purchase.id()).json().path("price").path("amount").asLong())
			.as("its disclosure and order confirmation stated $10.00; the change is told by its notice")
			.isEqualTo(1000);
		assertThat(fixtures.notices(account, "ORDER_CONFIRMATION"))
			.filteredOn(n -> n.path("relatedId").asString().equals(purchase.id()))
			.singleElement()
			.satisfies(n -> assertThat(n.path("body").asString()).contains("renews automatically every year at $10.00"));
		assertThat(api.post("/plans/" + stated + "/retire", Map.of()).status()).isEqualTo(200);
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
	}

	@Test
	void aDisclosedChangeWhoseNoticeCanNoLongerReachTheFirstRenewalShowsTheOldPriceWithASubscriptionUpdatedEvent() {
		String plan = fixtures.plan("consent-notice-missed", "P1Y", 1000);
		Instant effective = fixtures.now().plus(Duration.ofDays(40)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
		assertThat(scheduleMove(plan, 1250, effective).status()).isEqualTo(201);
		String account = californian();
		Api.Response shown = disclose(account, plan);
		assertThat(shown.json().path("renewalPrice").path("amount").asLong()).isEqualTo(1250);
		Api.Response bought = buy(account, plan, consent(shown.id()));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		String sub = bought.id();
		assertThat(bought.json().path("price").path("amount").asLong()).isEqualTo(1250);
		Instant renewal = Instant.parse(bought.text("currentPeriodEnd"));

		// the notice job does not run from the purchase until less than the least lead (7 days) is left before the
		// first renewal: its notice can no longer reach it, which then charges the old price
		clock.moveTo(renewal.minus(Duration.ofDays(7)).plusSeconds(1));
		assertThat(fixtures.subscription(sub).json().path("price").path("amount").asLong()).isEqualTo(1000);
		api.post("/renewals/run", Map.of()); // its next run
		api.post("/renewals/run", Map.of());
		assertThat(fixtures.notices(account, "PRICE_CHANGE")).isEmpty();
		assertThat(api.get("/events?subjectId=" + sub + "&limit=100").json().path("data").values().stream()
			.filter(e -> e.path("type").asString().equals("subscription.updated")))
			.as("API.md, Webhooks: an event on every state change of the resource as the API returns it, once")
			.singleElement()
			.satisfies(e -> assertThat(e.path("data").path("price").path("amount").asLong()).isEqualTo(1000));

		fixtures.advance(Duration.between(fixtures.now(), renewal.plusSeconds(60)));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong())
			.as("what the API showed once the notice could no longer reach the renewal").containsExactly(1000L, 1000L);
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
	}

	private static final java.time.ZoneId CALIFORNIA = java.time.ZoneId.of("America/Los_Angeles");

	private static final java.time.format.DateTimeFormatter DAY = java.time.format.DateTimeFormatter
		.ofPattern("d MMMM uuuu", java.util.Locale.ENGLISH);

	private static final java.time.ZoneId BERLIN = java.time.ZoneId.of("Europe/Berlin");

	/** Moves the clock to 20 seconds before the next midnight in California; returns that midnight. */
	private Instant justBeforeCaliforniasMidnight() {
		return justBeforeMidnight(CALIFORNIA);
	}

	/** Moves the clock to 20 seconds before the next midnight in {@code zone}; returns that midnight. */
	private Instant justBeforeMidnight(java.time.ZoneId zone) {
		Instant now = fixtures.now();
		Instant midnight = now.atZone(zone).toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
		if (midnight.minusSeconds(60).isBefore(now)) { // too close to this one: the next
			midnight = now.plus(Duration.ofDays(1)).atZone(zone).toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
		}
		fixtures.advance(Duration.between(now, midnight.minusSeconds(20)));
		return midnight;
	}

	private static String stated(String text, String regex) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
		assertThat(m.find()).as("%s in %s", regex, text).isTrue();
		return m.group(1);
	}

	private static String californianDay(Instant instant) {
		return DAY.format(instant.atZone(CALIFORNIA));
	}

	@Test
	void aPurchaseItsDisclosureSaidIsChargedTodayIsRefusedAfterTheBuyersMidnightAndANewDisclosureBuysItOnItsOwnDay() {
		String plan = fixtures.plan("consent-midnight", "P1M", 1000);
		String account = californian();
		Instant midnight = justBeforeCaliforniasMidnight();
		Api.Response shown = disclose(account, plan);
		Instant disclosedAt = Instant.parse(shown.text("firstChargeAt"));
		assertThat(disclosedAt).as("the disclosure is made before midnight").isBefore(midnight);
		assertThat(stated(shown.text("text"), "\\$10\\.00 today \\((\\d{1,2} [A-Z][a-z]+ \\d{4})\\)"))
			.isEqualTo(californianDay(disclosedAt));

		fixtures.advance(Duration.between(fixtures.now(), midnight.plusSeconds(5))); // the buyer clicks after midnight
		Api.Response refused = buy(account, plan, consent(shown.id()));

		// the card would be charged on the day after the "today" the text names: its words no longer hold
		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("consent");
		assertThat(refused.json().path("errors").get(0).path("message").asString()).endsWith("show it again");
		assertThat(subscriptionsOf(account)).isZero();
		assertThat(fixtures.charges(account)).isEmpty();

		Api.Response again = disclose(account, plan);
		String text = again.text("text");
		String today = stated(text, "\\$10\\.00 today \\((\\d{1,2} [A-Z][a-z]+ \\d{4})\\)");
		String renewalDay = stated(text, "charged automatically to your card on (\\d{1,2} [A-Z][a-z]+ \\d{4})");
		assertThat(today).isEqualTo(californianDay(midnight));
		Api.Response bought = buy(account, plan, consent(again.id()));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		Instant createdAt = Instant.parse(bought.text("createdAt"));
		assertThat(Instant.parse(bought.text("currentPeriodStart"))).isEqualTo(createdAt);
		assertThat(californianDay(Instant.parse(bought.text("currentPeriodEnd")))).isEqualTo(renewalDay);
		List<JsonNode> charges = fixtures.charges(account);
		assertThat(charges).extracting(c -> c.path("amount").asLong()).containsExactly(1000L);
		assertThat(californianDay(Instant.parse(charges.get(0).path("createdAt").asString())))
			.as("charged on the day the text calls today").isEqualTo(today);
		assertThat(api.get("/subscriptions/" + bought.id() + "/consents").json().path("data").get(0).path("text")
			.asString()).isEqualTo(text);
	}

	/** The advisory lock the tests hold to keep a purchase's charge at the gateway while the clock crosses midnight. */
	private static final long HOLD = 727_361L;

	/**
	 * Buys {@code plan} with the consent of {@code disclosureId}, its payment held at the gateway while the clock moves
	 * from before {@code midnight} to 30 seconds after it: accepted before the buyer's midnight, recorded after it.
	 */
	private Api.Response buyAcrossMidnight(String account, String plan, String disclosureId, Instant midnight)
			throws Exception {
		try (dev.subdesk.testing.GatewayHold hold = new dev.subdesk.testing.GatewayHold(database, dataSource,
				"test_hold_midnight_purchase", HOLD, "purchase_")) {
			java.util.concurrent.CompletableFuture<Api.Response> request = java.util.concurrent.CompletableFuture
				.supplyAsync(() -> buy(account, plan, consent(disclosureId)));
			hold.awaitHeld("the purchase, accepted before midnight, reaches the gateway");
			assertThat(fixtures.now()).as("accepted before the buyer's midnight").isBefore(midnight);
			fixtures.advance(Duration.between(fixtures.now(), midnight.plusSeconds(30)));
			hold.release();
			return request.get(60, java.util.concurrent.TimeUnit.SECONDS);
		}
	}

	@Test
	void aPurchaseAcceptedBeforeTheBuyersMidnightAndRecordedAfterItIsRecordedOnTheDayItsDisclosureCalledToday()
			throws Exception {
		String plan = fixtures.plan("consent-held", "P1M", 1000);
		String account = californian();
		Instant midnight = justBeforeCaliforniasMidnight();
		Api.Response shown = disclose(account, plan);
		String text = shown.text("text");
		String today = stated(text, "\\$10\\.00 today \\((\\d{1,2} [A-Z][a-z]+ \\d{4})\\)");
		String renewalDay = stated(text, "charged automatically to your card on (\\d{1,2} [A-Z][a-z]+ \\d{4})");
		assertThat(today).isEqualTo(californianDay(midnight.minusSeconds(1)));

		Api.Response bought = buyAcrossMidnight(account, plan, shown.id(), midnight);

		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		assertThat(fixtures.now()).as("recorded after the buyer's midnight").isAfter(midnight);
		Instant createdAt = Instant.parse(bought.text("createdAt"));
		assertThat(californianDay(createdAt)).as("bought at its acceptance, on the day the text calls today")
			.isEqualTo(today);
		assertThat(Instant.parse(bought.text("currentPeriodStart"))).isEqualTo(createdAt);
		assertThat(californianDay(Instant.parse(bought.text("currentPeriodEnd")))).isEqualTo(renewalDay);
		List<JsonNode> charges = fixtures.charges(account);
		assertThat(charges).extracting(c -> c.path("amount").asLong()).containsExactly(1000L);
		assertThat(californianDay(Instant.parse(charges.get(0).path("createdAt").asString())))
			.as("charged on the day the text calls today").isEqualTo(today);
		assertThat(californianDay(Instant.parse(charges.get(0).path("periodStart").asString()))).isEqualTo(today);
		JsonNode record = api.get("/subscriptions/" + bought.id() + "/consents").json().path("data").get(0);
		assertThat(record.path("text").asString()).isEqualTo(text);
		assertThat(californianDay(Instant.parse(record.path("acceptedAt").asString()))).as("accepted that day")
			.isEqualTo(today);
	}

	@Test
	void anEuPurchaseAcceptedBeforeTheBuyersMidnightAndRecordedAfterItKeepsTheLastDayToWithdrawItsDisclosureNamed()
			throws Exception {
		String plan = fixtures.plan("consent-held-eu", "P1M", 1000);
		String account = fixtures.accountWithVisa(); // Germany
		Instant midnight = justBeforeMidnight(BERLIN);
		Api.Response shown = disclose(account, plan);
		java.time.LocalDate lastDay = java.time.LocalDate.parse(
				stated(shown.text("text"), "within 14 days without giving any reason, until the end of "
						+ "(\\d{1,2} [A-Z][a-z]+ \\d{4})"), DAY);
		assertThat(lastDay).isEqualTo(midnight.minusSeconds(1).atZone(BERLIN).toLocalDate().plusDays(14));

		Api.Response bought = buyAcrossMidnight(account, plan, shown.id(), midnight);

		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		Instant createdAt = Instant.parse(bought.text("createdAt"));
		assertThat(createdAt).as("the contract is concluded at the acceptance, before midnight").isBefore(midnight);
		assertThat(dev.subdesk.shared.WithdrawalPeriod.lastDay(createdAt, "DE")).isEqualTo(lastDay);
		String confirmation = fixtures.notices(account, "ORDER_CONFIRMATION").get(0).path("body").asString();
		assertThat(confirmation).as("the last day to withdraw the order confirmation states")
			.containsAnyOf(dev.subdesk.shared.Formats.date(lastDay, java.util.Locale.GERMAN),
					dev.subdesk.shared.Formats.date(lastDay, java.util.Locale.ENGLISH))
			.doesNotContain(dev.subdesk.shared.Formats.date(lastDay.plusDays(1), java.util.Locale.GERMAN));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong()).containsExactly(1000L);
	}

	@Test
	void aDisclosureNamingTodayExpiresAtTheBuyersMidnightAndOneNamingNoDayAfterItsValidity() {
		String plan = fixtures.plan("consent-expiry", "P1M", 1000);
		String account = californian();
		Instant midnight = justBeforeCaliforniasMidnight();

		Api.Response charged = disclose(account, plan); // "$10.00 today (...)"
		Api.Response trial = disclose(account, "vpn-monthly-trial"); // "nothing charged today": true tomorrow too

		assertThat(Instant.parse(charged.text("expiresAt"))).as("the charge today stops holding at the buyer's midnight")
			.isEqualTo(midnight);
		assertThat(Instant.parse(trial.text("expiresAt"))).as("a US trial's words hold after midnight: its validity")
			.isAfter(midnight.plus(Duration.ofMinutes(59)));

		String german = fixtures.accountWithVisa();
		Instant berlinMidnight = justBeforeMidnight(BERLIN);
		Api.Response withdrawal = disclose(german, "vpn-monthly-trial"); // names the last day to withdraw
		assertThat(Instant.parse(withdrawal.text("expiresAt"))).as("the withdrawal period's last day moves at midnight")
			.isEqualTo(berlinMidnight);

		fixtures.advance(Duration.between(fixtures.now(), berlinMidnight.plusSeconds(5)));
		Api.Response refused = buy(german, "vpn-monthly-trial", consent(withdrawal.id()));
		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.json().path("errors").get(0).path("message").asString())
			.startsWith("the disclosure has expired").endsWith("show it again");
	}

	@Test
	void aTrialAcceptedAfterTheBuyersMidnightStartsWhenItIsBoughtNotBeforeAndEndsOnTheDayItsDisclosureNamed() {
		String account = californian();
		Instant midnight = justBeforeCaliforniasMidnight();
		Api.Response shown = disclose(account, "vpn-monthly-trial");
		String chargeDay = stated(shown.text("text"),
				"charged automatically to your card on (\\d{1,2} [A-Z][a-z]+ \\d{4}) \\(the end");

		fixtures.advance(Duration.between(fixtures.now(), midnight.plusSeconds(5)));
		Api.Response bought = buy(account, "vpn-monthly-trial", consent(shown.id()));

		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		Instant createdAt = Instant.parse(bought.text("createdAt"));
		assertThat(createdAt).isAfterOrEqualTo(midnight);
		assertThat(Instant.parse(bought.text("currentPeriodStart")))
			.as("the trial starts when the subscription is made, not at the disclosure").isEqualTo(createdAt);
		assertThat(californianDay(Instant.parse(bought.text("currentPeriodEnd")))).isEqualTo(chargeDay);
	}

	@Test
	void anEuDisclosureReadBeforeTheBuyersMidnightIsRefusedAfterItSoTheLastDayToWithdrawIsTheOneRecorded() {
		String account = fixtures.accountWithVisa(); // Germany
		Instant midnight = justBeforeMidnight(BERLIN);
		Api.Response shown = disclose(account, "vpn-monthly-trial"); // a trial: nothing charged today, either day
		assertThat(shown.json().path("trialDays").asInt()).isPositive();
		java.time.LocalDate lastDay = java.time.LocalDate.parse(
				stated(shown.text("text"), "within 14 days without giving any reason, until the end of "
						+ "(\\d{1,2} [A-Z][a-z]+ \\d{4})"), DAY);
		assertThat(lastDay).isEqualTo(midnight.minusSeconds(1).atZone(BERLIN).toLocalDate().plusDays(14));

		fixtures.advance(Duration.between(fixtures.now(), midnight.plusSeconds(5)));
		Api.Response refused = buy(account, "vpn-monthly-trial", consent(shown.id()));

		// the contract concluded now may be withdrawn from until a day later than the text said
		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("consent");
		assertThat(subscriptionsOf(account)).isZero();

		Api.Response again = disclose(account, "vpn-monthly-trial");
		java.time.LocalDate statedAgain = java.time.LocalDate.parse(
				stated(again.text("text"), "within 14 days without giving any reason, until the end of "
						+ "(\\d{1,2} [A-Z][a-z]+ \\d{4})"), DAY);
		assertThat(statedAgain).isEqualTo(lastDay.plusDays(1));
		Api.Response bought = buy(account, "vpn-monthly-trial", consent(again.id()));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		String confirmation = fixtures.notices(account, "ORDER_CONFIRMATION").get(0).path("body").asString();
		assertThat(confirmation).as("the period the order confirmation states (counted from the conclusion)")
			.containsAnyOf(dev.subdesk.shared.Formats.date(statedAgain, java.util.Locale.GERMAN),
					dev.subdesk.shared.Formats.date(statedAgain, java.util.Locale.ENGLISH));
	}

	@Test
	void aTrialDisclosedBeforeTheBuyersMidnightAndAcceptedAfterItFirstChargesOnTheDayTheTextNamed() {
		String account = californian();
		Instant midnight = justBeforeCaliforniasMidnight();
		Api.Response shown = disclose(account, "vpn-monthly-trial");
		Instant firstChargeAt = Instant.parse(shown.text("firstChargeAt"));
		String text = shown.text("text");
		assertThat(stated(text, "nothing charged today \\((\\d{1,2} [A-Z][a-z]+ \\d{4})\\)"))
			.as("the disclosure is made before midnight").isEqualTo(californianDay(midnight.minusSeconds(1)));
		String chargeDay = stated(text, "charged automatically to your card on (\\d{1,2} [A-Z][a-z]+ \\d{4}) \\(the end");
		assertThat(stated(text, "To pay nothing at all, cancel before (\\d{1,2} [A-Z][a-z]+ \\d{4})\\."))
			.isEqualTo(chargeDay);
		assertThat(californianDay(firstChargeAt)).isEqualTo(chargeDay);

		fixtures.advance(Duration.between(fixtures.now(), midnight.plusSeconds(5)));
		Api.Response bought = buy(account, "vpn-monthly-trial", consent(shown.id()));

		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		assertThat(bought.text("status")).isEqualTo("TRIALING");
		Instant trialEnd = Instant.parse(bought.text("currentPeriodEnd"));
		// on the day the text names: counted from the disclosure, or from the purchase when that still ends on it (a
		// trial over a change to daylight-saving time ends 23 h on, so 25 s later is still the same day)
		assertThat(californianDay(trialEnd)).as("the first charge comes on the day the disclosure named").isEqualTo(chargeDay);
		assertThat(trialEnd).isBetween(firstChargeAt, Instant.parse(bought.text("createdAt")).plus(
				Duration.between(midnight.minusSeconds(20), firstChargeAt)));
		assertThat(fixtures.charges(account)).isEmpty();

		fixtures.advance(Duration.between(fixtures.now(), trialEnd.plusSeconds(1)));
		List<JsonNode> charges = fixtures.charges(account);
		assertThat(charges).extracting(c -> c.path("amount").asLong()).containsExactly(499L);
		assertThat(californianDay(Instant.parse(charges.get(0).path("createdAt").asString()))).isEqualTo(chargeDay);
	}

	@Test
	void aDisclosureWhoseRenewalPriceBecameFalseIsStillRefusedAfterTheBuyersMidnightAndChargesNothing() {
		String plan = fixtures.plan("consent-midnight-price", "P1Y", 1000);
		String account = californian();
		Instant midnight = justBeforeCaliforniasMidnight();
		Api.Response shown = disclose(account, plan);
		assertThat(shown.json().path("renewalPrice").path("amount").asLong()).isEqualTo(1000);
		// a new price for existing subscribers, scheduled after the buyer read the disclosure, before the first renewal
		Instant effective = fixtures.now().plus(Duration.ofDays(40));
		assertThat(api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 1250, "currency", "USD"),
				"effectiveFrom", effective.toString(), "existingSubscribers", "MOVE")).status()).isEqualTo(201);

		fixtures.advance(Duration.between(fixtures.now(), midnight.plusSeconds(5)));
		Api.Response refused = buy(account, plan, consent(shown.id()));

		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("consent");
		assertThat(refused.json().path("errors").get(0).path("message").asString())
			.isEqualTo("the terms changed since the disclosure: get a new one and show it again");
		assertThat(subscriptionsOf(account)).isZero();
		assertThat(fixtures.charges(account)).isEmpty();
	}

	@Test
	void aSevenDayTrialBoughtWhileAPriceChangeTakesEffectInItConvertsAtThePriceItsDisclosureStated() {
		String code = "trial-seven-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		assertThat(api.post("/products", Map.of("code", code, "name", "Test product " + code)).status()).isEqualTo(201);
		Api.Response created = api.post("/plans", Map.of("code", code, "name", "Test plan " + code, "products",
				java.util.List.of(code), "term", "P1M", "price", Map.of("amount", 1000, "currency", "USD"), "deviceLimit", 1,
				"moneyBackDays", 30, "trialDays", 7));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		Instant effective = fixtures.now().plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
		assertThat(api.post("/plans/" + code + "/price-changes", Map.of("price", Map.of("amount", 1250, "currency", "USD"),
				"effectiveFrom", effective.toString(), "existingSubscribers", "MOVE")).status()).isEqualTo(201);
		fixtures.advance(Duration.between(fixtures.now(), effective.minus(Duration.ofDays(3))));
		String account = californian();

		Api.Response shown = disclose(account, code);
		assertThat(shown.json().path("trialDays").asInt()).isEqualTo(7);
		long disclosed = shown.json().path("renewalPrice").path("amount").asLong();
		Api.Response bought = buy(account, code, consent(shown.id()));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		Instant conversion = Instant.parse(bought.text("currentPeriodEnd"));
		Instant purchase = Instant.parse(bought.text("createdAt"));
		// the notice job runs at a scheduler tick after the purchase, never at its very instant (the test clock reads
		// whole seconds: wait until it has moved on, as any real tick would have)
		org.awaitility.Awaitility.await("the clock moves past the purchase").atMost(Duration.ofSeconds(10))
			.until(() -> fixtures.now().isAfter(purchase));
		api.post("/renewals/run", Map.of());
		fixtures.advance(Duration.between(fixtures.now(), conversion.plusSeconds(60)));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong())
			.as("the trial converts at what the disclosure said (renewalPrice %d)", disclosed)
			.containsExactly(disclosed);
		assertThat(disclosed).as("no notice can be 7 days ahead of a conversion 7 days after the purchase: the old price")
			.isEqualTo(1000);
		Instant renewal = Instant.parse(fixtures.subscription(bought.id()).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(fixtures.now(), renewal.plusSeconds(60)));
		assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong())
			.as("the new price from the renewal after, told the lead ahead of it").containsExactly(1250L, 1000L);
		// the plans on sale stay the catalog the other classes count
		assertThat(api.post("/plans/" + code + "/retire", Map.of()).status()).isEqualTo(200);
	}

	@Test
	void aDisclosureAcceptedLaterTheSameDayIsRefusedWhenAPriceChangeReachesThePurchasesLaterFirstRenewalButNotTheTexts() {
		String plan = fixtures.plan("consent-later-renewal", "P1Y", 1000);
		String account = californian();
		Instant now = fixtures.now(); // at noon in California, so that the purchase 40 minutes on is the same day
		Instant noon = now.atZone(CALIFORNIA).toLocalDate().plusDays(1).atTime(12, 0).atZone(CALIFORNIA).toInstant();
		fixtures.advance(Duration.between(now, noon));
		Api.Response shown = disclose(account, plan);
		Instant statedRenewal = Instant.parse(shown.text("firstChargeAt")).atZone(java.time.ZoneOffset.UTC).plusYears(1)
			.toInstant();
		assertThat(shown.json().path("renewalPrice").path("amount").asLong()).isEqualTo(1000);
		// a new price for existing subscribers from 20 minutes after the renewal the text states
		assertThat(api.post("/plans/" + plan + "/price-changes", Map.of("price", Map.of("amount", 1250, "currency", "USD"),
				"effectiveFrom", statedRenewal.plus(Duration.ofMinutes(20)).toString(), "existingSubscribers", "MOVE"))
			.status()).isEqualTo(201);

		fixtures.advance("PT40M"); // still valid, the same day: a first term from now would renew after the change
		Api.Response refused = buy(account, plan, consent(shown.id()));

		assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
		assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("consent");
		assertThat(fixtures.charges(account)).isEmpty();
		Api.Response again = disclose(account, plan);
		assertThat(again.json().path("renewalPrice").path("amount").asLong()).isEqualTo(1250);
		assertThat(buy(account, plan, consent(again.id())).status()).isEqualTo(201);
	}

	@Test
	void anAddOnsDisclosureNamingAnUnknownOrAnotherAccountsSubscriptionIsRefusedOnParentSubscriptionId() {
		String account = californian();
		String other = californian();
		String othersBase = fixtures.subscribe(other, "antivirus-annual");
		for (String parent : List.of("sub_doesnotexist", othersBase)) {
			Api.Response refused = api.post("/checkout/disclosures",
					Map.of("accountId", account, "planCode", "identity-addon-annual", "parentSubscriptionId", parent));
			assertThat(refused.status()).as(parent + ": " + refused).isEqualTo(400);
			assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("parentSubscriptionId");
		}
		String ownBase = fixtures.subscribe(account, "antivirus-annual");
		assertThat(api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", "identity-addon-annual",
				"parentSubscriptionId", ownBase)).status()).isEqualTo(201);
	}

	@Test
	void theConsentRecordKeepsTheExactTextItsHashTheMethodTheTimeAndTheChannelNewestFirst() {
		String account = californian();
		Api.Response d = disclose(account, "antivirus-annual");
		Instant before = Instant.parse(api.get("/test-clock").text("now"));
		Api.Response bought = buy(account, "antivirus-annual", consent(d.id()));
		Instant after = Instant.parse(api.get("/test-clock").text("now"));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		String sub = bought.id();

		Api.Response ofSub = api.get("/subscriptions/" + sub + "/consents");
		assertThat(ofSub.status()).isEqualTo(200);
		JsonNode record = ofSub.json().path("data").get(0);
		assertThat(record.path("id").asString()).startsWith("cns_");
		assertThat(record.path("subscriptionId").asString()).isEqualTo(sub);
		assertThat(record.path("disclosureId").asString()).isEqualTo(d.id());
		assertThat(record.path("text").asString()).isEqualTo(d.text("text"));
		assertThat(record.path("textSha256").asString()).isEqualTo(d.text("textSha256"));
		assertThat(record.path("method").asString()).isEqualTo("CHECKBOX");
		assertThat(record.path("channel").asString()).isEqualTo("API");
		assertThat(Instant.parse(record.path("acceptedAt").asString())).isBetween(before, after);

		fixtures.advance("PT10S");
		String addOn = fixtures.addOn(account, "identity-addon-annual", sub);
		JsonNode all = api.get("/accounts/" + account + "/consents").json().path("data");
		assertThat(all.values()).extracting(c -> c.path("subscriptionId").asString()).containsExactly(addOn, sub);
		assertThat(api.get("/accounts/" + account + "/consents?limit=1").text("nextCursor")).isNotBlank();
		assertThat(api.get("/accounts/acct_doesnotexist/consents").status()).isEqualTo(404);
	}

	@Test
	void outsideTheUsConsentIsOptionalRecordedWhenGivenAndRefusedWhenInvalid() {
		String german = fixtures.accountWithVisa();
		Api.Response without = api.post("/subscriptions", Map.of("accountId", german, "planCode", "antivirus-monthly"));
		assertThat(without.status()).isEqualTo(201);
		assertThat(api.get("/subscriptions/" + without.id() + "/consents").json().path("data").size()).isZero();
		Api.Response invalid = buy(german, "antivirus-annual", consent("dsc_doesnotexist"));
		assertThat(invalid.status()).isEqualTo(400);
		Api.Response with = buy(german, "antivirus-annual", consent(disclose(german, "antivirus-annual").id()));
		assertThat(with.status()).isEqualTo(201);
		assertThat(api.get("/subscriptions/" + with.id() + "/consents").json().path("data").size()).isEqualTo(1);
	}

	/**
	 * A consent's client address is evidence of where the buyer agreed (R-US-2): an IPv4 or IPv6 literal, read as such
	 * and never looked up as a name; a user agent is one line of text. Anything else is refused on {@code consent}
	 * and records nothing.
	 */
	@Test
	void aConsentWhoseClientAddressIsNoAddressOrWhoseUserAgentHasControlCharactersIsRefusedOnConsentAndRecordsNothing() {
		String account = californian();
		String disclosure = disclose(account, "antivirus-annual").id();
		Map<String, Object> named = new HashMap<>(consent(disclosure));
		named.put("ipAddress", "hello");
		Map<String, Object> host = new HashMap<>(consent(disclosure));
		host.put("ipAddress", "localhost");
		Map<String, Object> badQuad = new HashMap<>(consent(disclosure));
		badQuad.put("ipAddress", "203.0.113.256");
		Map<String, Object> badSix = new HashMap<>(consent(disclosure));
		badSix.put("ipAddress", "2001:db8:::1");
		Map<String, Object> twoLines = new HashMap<>(consent(disclosure));
		twoLines.put("userAgent", "Mozilla/5.0\r\nX-Forged: yes");
		Map<String, Object> escape = new HashMap<>(consent(disclosure));
		escape.put("userAgent", "Mozilla/5.0 \u001b[2J");
		for (Map<String, Object> bad : List.of(named, host, badQuad, badSix, twoLines, escape)) {
			Api.Response refused = buy(account, "antivirus-annual", bad);
			assertThat(refused.status()).as(bad + " " + refused).isEqualTo(400);
			assertThat(refused.code()).isEqualTo("VALIDATION_FAILED");
			assertThat(refused.json().path("errors").values()).extracting(e -> e.path("field").asString())
				.containsExactly("consent");
		}
		assertThat(subscriptionsOf(account)).isZero();
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isZero();
		assertThat(database.sql("SELECT count(*) FROM consents WHERE account_id = ?").param(account).query(Long.class)
			.single()).isZero();

		Map<String, Object> six = new HashMap<>(consent(disclosure));
		six.put("ipAddress", "2001:db8::1");
		assertThat(buy(account, "antivirus-annual", six).status()).isEqualTo(201);
		Map<String, Object> four = new HashMap<>(consent(disclose(account, "vpn-annual").id()));
		four.put("ipAddress", "203.0.113.7");
		Api.Response second = buy(account, "vpn-annual", four);
		assertThat(second.status()).as(second.toString()).isEqualTo(201);
		assertThat(database.sql("SELECT ip_address FROM consents WHERE account_id = ? ORDER BY accepted_at, id")
			.param(account).query(String.class).list()).containsExactlyInAnyOrder("2001:db8::1", "203.0.113.7");
	}

	/**
	 * A client address as clients and proxies send it, an IPv6 address in brackets with a port, is evidence: the
	 * purchase is made and its consent records the literal alone; a blank one is no address, recorded as none.
	 */
	@Test
	void aBracketedClientAddressWithAPortIsRecordedAsItsLiteralAndABlankOneAsNone() {
		String account = californian();
		Map<String, Object> bracketed = new HashMap<>(consent(disclose(account, "antivirus-annual").id()));
		bracketed.put("ipAddress", "[2001:db8::1]:4711");
		Api.Response bought = buy(account, "antivirus-annual", bracketed);
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		assertThat(database.sql("SELECT ip_address FROM consents WHERE subscription_id = ?")
			.param(bought.json().path("id").asString()).query(String.class).single()).isEqualTo("2001:db8::1");

		Map<String, Object> blank = new HashMap<>(consent(disclose(account, "vpn-annual").id()));
		blank.put("ipAddress", "");
		Api.Response second = buy(account, "vpn-annual", blank);
		assertThat(second.status()).as(second.toString()).isEqualTo(201);
		assertThat(database.sql("SELECT count(*) FROM consents WHERE subscription_id = ? AND ip_address IS NULL")
			.param(second.json().path("id").asString()).query(Long.class).single()).isEqualTo(1L);
	}

	/**
	 * A misspelled consent ({@code consents}) outside the US would be dropped silently and the card charged with no
	 * record of the acceptance the caller meant to send: a field the purchase does not know is refused instead.
	 */
	@Test
	void aPurchaseWithAFieldItDoesNotKnowIsRefusedOnThatFieldAndChargesNothing() {
		String german = fixtures.accountWithVisa();
		String disclosure = disclose(german, "antivirus-annual").id();
		Api.Response misspelled = api.post("/subscriptions", Map.of("accountId", german, "planCode", "antivirus-annual",
				"consents", consent(disclosure)));
		assertThat(misspelled.status()).isEqualTo(400);
		assertThat(misspelled.text("detail")).contains("consents");
		assertThat(subscriptionsOf(german)).isZero();
		assertThat(api.get("/accounts/" + german + "/charges").json().path("data").size()).isZero();
		assertThat(buy(german, "antivirus-annual", consent(disclosure)).status()).isEqualTo(201);
	}

	@Test
	void aDisclosureAskedForInGermanIsTheGermanTextAndTheConsentRecordKeepsIt() {
		String german = fixtures.accountWithVisa();
		Api.Response refused = api.post("/checkout/disclosures",
				Map.of("accountId", german, "planCode", "antivirus-annual", "language", "fr"));
		dev.subdesk.testing.ProblemAssertions.assertValidationFailed(refused, "language");
		Api.Response english = api.post("/checkout/disclosures",
				Map.of("accountId", german, "planCode", "antivirus-annual", "language", "en"));
		assertThat(english.json().path("text").asString()).startsWith("Acme Antivirus, yearly: $59.99 today");

		Api.Response d = api.post("/checkout/disclosures",
				Map.of("accountId", german, "planCode", "antivirus-annual", "language", "de"));
		assertThat(d.status()).as(d.toString()).isEqualTo(201);
		String text = d.json().path("text").asString();
		assertThat(text).startsWith("Acme Antivirus, jährlich: heute (")
			.contains("59,99\u00a0$", "Widerrufsrecht: Sie können diesen Vertrag binnen 14 Tagen", "Geld-zurück-Garantie");
		assertThat(d.json().path("textSha256").asString()).isEqualTo(dev.subdesk.checkout.Disclosures.sha256(text));
		Api.Response bought = buy(german, "antivirus-annual", consent(d.id()));
		assertThat(bought.status()).isEqualTo(201);
		assertThat(api.get("/subscriptions/" + bought.id() + "/consents").json().path("data").get(0).path("text")
			.asString()).isEqualTo(text);
	}

	@Test
	void aStoreBilledPurchaseByAUsAccountNeedsNoConsent() {
		String account = fixtures.account("US", "CA");
		Api.Response store = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "antivirus-annual", "channel", "APP_STORE"));
		assertThat(store.status()).as(store.toString()).isEqualTo(201);
	}

	@Test
	void withoutTheKeyDisclosuresAndConsentsAreRefused() {
		String account = californian();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		Api anonymous = api.with("Authorization", null);
		assertThat(anonymous.post("/checkout/disclosures", Map.of("accountId", account, "planCode", "antivirus-annual")).code())
			.isEqualTo("UNAUTHORIZED");
		assertThat(anonymous.get("/subscriptions/" + sub + "/consents").status()).isEqualTo(401);
		assertThat(anonymous.get("/accounts/" + account + "/consents").status()).isEqualTo(401);
		assertThat(api.with("Authorization", "Bearer wrong").get("/accounts/" + account + "/consents").status())
			.isEqualTo(401);
	}

	@Test
	void consentRecordsOutliveAccountClosureWithoutTheClientAddressOrUserAgent() {
		String account = californian();
		String sub = buy(account, "antivirus-annual", consent(disclose(account, "antivirus-annual").id())).id();
		assertThat(database.sql("SELECT ip_address FROM consents WHERE subscription_id = ?").param(sub).query(String.class)
			.single()).isEqualTo("198.51.100.23");

		assertThat(api.post("/accounts/" + account + "/close").status()).isEqualTo(200);
		JsonNode kept = api.get("/accounts/" + account + "/consents").json().path("data");
		assertThat(kept.size()).isEqualTo(1);
		assertThat(kept.get(0).path("text").asString()).contains("$59.99");
		Map<String, Object> row = database.sql("SELECT ip_address, user_agent FROM consents WHERE subscription_id = ?")
			.param(sub)
			.query()
			.singleRow();
		assertThat(row.get("ip_address")).isNull();
		assertThat(row.get("user_agent")).isNull();
		assertThat(api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", "antivirus-annual")).code())
			.isEqualTo("ACCOUNT_CLOSED");
	}
}
