package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

class RenewalIntegrationTests extends ApiIntegrationTest {

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

	/**
	 * A renewal charges what the jobs before it decide (a cancellation taking effect, an end without a price change's
	 * consent, a notice): while one of them fails, no renewal is attempted; the jobs that do not depend on it go on.
	 */
	@Test
	void noRenewalIsAttemptedInARunWhoseScheduledCancellationsFailed(@Autowired JdbcClient jdbc) {
		String account = fixtures.accountWithVisa();
		String ending = fixtures.subscribe(account, "antivirus-monthly");
		fixtures.cancel(ending, "END_OF_TERM");
		String renewing = fixtures.subscribe(account, "antivirus-monthly");
		Instant end = Instant.parse(fixtures.subscription(renewing).json().path("currentPeriodEnd").asString());
		jdbc.sql("""
				CREATE FUNCTION test_fail_taking_effect() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				  IF NEW.status = 'EFFECTIVE' AND NEW.subscription_id = '%s' THEN RAISE EXCEPTION 'held by the test'; END IF;
				  RETURN NEW;
				END $$""".formatted(ending)).update();
		jdbc.sql("CREATE TRIGGER test_fail_taking_effect BEFORE UPDATE ON cancellations FOR EACH ROW "
				+ "EXECUTE FUNCTION test_fail_taking_effect()").update();
		try {
			fixtures.advance(Duration.between(now(), end).plusHours(1));
			assertThat(charges(account)).as("no renewal while the cancellations before it fail").hasSize(2);
			assertThat(fixtures.subscription(renewing).json().path("currentPeriodEnd").asString())
				.isEqualTo(end.toString());
		}
		finally {
			jdbc.sql("DROP TRIGGER test_fail_taking_effect ON cancellations").update();
			jdbc.sql("DROP FUNCTION test_fail_taking_effect()").update();
		}
		fixtures.advance(Duration.ofMinutes(1));
		assertThat(fixtures.subscription(ending).json().path("status").asString()).isEqualTo("CANCELLED");
		assertThat(fixtures.subscription(renewing).json().path("currentPeriodStart").asString())
			.as("renewed, from its period end, once the run before it went through").isEqualTo(end.toString());
		assertThat(charges(account)).hasSize(3);
	}

	@Test
	void aMonthlySubscriptionIsRemindedThreeDaysAheadThenRenewedAtThePeriodEndWithAReceipt() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		JsonNode before = fixtures.subscription(sub).json();
		Instant end = Instant.parse(before.path("currentPeriodEnd").asString());

		fixtures.advance(Duration.between(now(), end).minusDays(3).plusHours(1));
		List<JsonNode> reminders = notices(account, "RENEWAL_REMINDER");
		assertThat(reminders).hasSize(1);
		assertThat(Instant.parse(reminders.get(0).path("createdAt").asString())).isEqualTo(end.minus(Duration.ofDays(3)));
		assertThat(reminders.get(0).path("body").asString()).contains("6,99\u00a0$").contains("/cancel?order="); // in Germany
		assertThat(charges(account)).hasSize(1);

		fixtures.advance("P4D");
		JsonNode after = fixtures.subscription(sub).json();
		assertThat(after.path("currentPeriodStart").asString()).isEqualTo(end.toString());
		assertThat(after.path("status").asString()).isEqualTo("ACTIVE");
		List<JsonNode> charges = charges(account);
		assertThat(charges).hasSize(2);
		assertThat(charges.get(0).path("periodStart").asString()).isEqualTo(end.toString());
		assertThat(charges.get(0).path("createdAt").asString()).isEqualTo(end.toString());
		assertThat(charges.get(0).path("amount").asLong()).isEqualTo(699);
		List<JsonNode> receipts = notices(account, "RENEWAL_RECEIPT");
		assertThat(receipts).hasSize(1);
		assertThat(receipts.get(0).path("relatedId").asString()).isEqualTo(charges.get(0).path("id").asString());
		assertThat(notices(account, "RENEWAL_REMINDER")).hasSize(1);
	}

	@Test
	void aReminderThatCouldNotGoOutInTimeIsSentAtOnceWhenAutoRenewalIsTurnedBackOn() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		Instant end = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));
		assertThat(api.patch("/subscriptions/" + sub, java.util.Map.of("autoRenew", false)).status()).isEqualTo(200);
		fixtures.advance(Duration.between(now(), end).minusDays(1));
		assertThat(notices(account, "RENEWAL_REMINDER")).as("none while it is set to end").isEmpty();

		Instant resumedAt = now();
		assertThat(api.patch("/subscriptions/" + sub, java.util.Map.of("autoRenew", true)).status()).isEqualTo(200);

		List<JsonNode> reminders = notices(account, "RENEWAL_REMINDER");
		assertThat(reminders).as("sent with the change, before any run of the jobs").hasSize(1);
		assertThat(Instant.parse(reminders.get(0).path("createdAt").asString())).isEqualTo(resumedAt);
		assertThat(api.patch("/subscriptions/" + sub, java.util.Map.of("autoRenew", false)).status()).isEqualTo(200);
		assertThat(api.patch("/subscriptions/" + sub, java.util.Map.of("autoRenew", true)).status()).isEqualTo(200);
		assertThat(notices(account, "RENEWAL_REMINDER")).as("once per renewal").hasSize(1);
	}

	@Test
	void aYearlyReminderComesThirtyDaysAheadAndNeverForASubscriptionSetToEnd() {
		String account = fixtures.accountWithVisa();
		String yearly = fixtures.subscribe(account, "vpn-annual");
		String ending = fixtures.subscribe(account, "utilities-annual");
		fixtures.cancel(ending, "END_OF_TERM");
		Instant end = Instant.parse(fixtures.subscription(yearly).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(now(), end).minusDays(29));
		List<JsonNode> reminders = notices(account, "RENEWAL_REMINDER");
		assertThat(reminders).hasSize(1);
		assertThat(reminders.get(0).path("relatedId").asString()).isEqualTo(yearly);
		assertThat(Instant.parse(reminders.get(0).path("createdAt").asString())).isEqualTo(end.minus(Duration.ofDays(30)));
	}

	@Test
	void anAcceptedDiscountAppliesToTheNextRenewalOnly() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String offer = api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer").path("id").asString();
		api.post("/offers/" + offer + "/accept");
		fixtures.advance("P32D");
		fixtures.advance("P31D");
		List<JsonNode> charges = charges(account);
		assertThat(charges).extracting(c -> c.path("amount").asLong()).containsExactly(699L, 524L, 699L);
		assertThat(fixtures.subscription(sub).json().path("price").path("amount").asLong()).isEqualTo(699);
	}

	@Test
	void aDeclinedRenewalIsRetriedAfterOneThreeAndFiveDaysThenExpiresWithItsAddOnsAndDevices() {
		String account = fixtures.accountWithVisa();
		String base = fixtures.subscribe(account, "antivirus-monthly");
		String addOn = fixtures.addOn(account, "vpn-addon-monthly", base);
		api.post("/accounts/" + account + "/devices", Map.of("name", "PC", "platform", "WINDOWS", "subscriptionId", base));
		String declining = fixtures.card(account, "tok_chargeDeclined");
		api.patch("/subscriptions/" + base, Map.of("paymentMethodId", declining));
		Instant end = Instant.parse(fixtures.subscription(base).text("currentPeriodEnd"));

		fixtures.advance(Duration.between(now(), end).plusHours(12));
		assertThat(fixtures.subscription(base).text("status")).isEqualTo("PAST_DUE");
		assertThat(notices(account, "PAYMENT_FAILED")).hasSize(1);

		fixtures.advance("P6D");
		JsonNode expired = fixtures.subscription(base).json();
		assertThat(expired.path("status").asString()).isEqualTo("EXPIRED");
		assertThat(expired.path("autoRenew").asBoolean()).isFalse();
		List<JsonNode> failed = charges(account).stream().filter(c -> c.path("status").asString().equals("FAILED")).toList();
		assertThat(failed).extracting(c -> Instant.parse(c.path("createdAt").asString()))
			.containsExactlyInAnyOrder(end, end.plus(Duration.ofDays(1)), end.plus(Duration.ofDays(3)),
					end.plus(Duration.ofDays(5)));
		assertThat(notices(account, "PAYMENT_FAILED")).hasSize(4);
		assertThat(notices(account, "SUBSCRIPTION_EXPIRED")).extracting(n -> n.path("relatedId").asString())
			.containsExactlyInAnyOrder(base, addOn);
		assertThat(fixtures.subscription(addOn).text("status")).isEqualTo("EXPIRED");
		assertThat(api.get("/accounts/" + account + "/devices").json().path("data").get(0).path("status").asString())
			.isEqualTo("DEACTIVATED");
		assertThat(api.patch("/subscriptions/" + base, Map.of("autoRenew", true)).code()).isEqualTo("NOT_SCHEDULED_TO_END");
	}

	record PastDue(String account, String subscription, Instant periodEnd) {
	}

	/** A monthly subscription PAST_DUE after its card declined the renewal, then moved to a card that pays. */
	private PastDue pastDueGivenANewCard() {
		String account = fixtures.accountWithVisa();
		String visa = api.get("/accounts/" + account + "/payment-methods").json().path("data").get(0).path("id").asString();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String declining = fixtures.card(account, "tok_chargeDeclined");
		api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", declining));
		Instant end = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));
		fixtures.advance(Duration.between(now(), end).plusHours(12));
		assertThat(fixtures.subscription(sub).text("status")).isEqualTo("PAST_DUE");
		api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", visa));
		return new PastDue(account, sub, end);
	}

	@Test
	void aNewCardForAPastDueSubscriptionMakesOneExtraAttemptAtOnce() {
		PastDue pastDue = pastDueGivenANewCard();
		String account = pastDue.account();
		String sub = pastDue.subscription();
		Instant end = pastDue.periodEnd();
		Api.Response run = api.post("/renewals/run");
		assertThat(run.json().path("renewed").asInt()).isEqualTo(1);
		JsonNode renewed = fixtures.subscription(sub).json();
		assertThat(renewed.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(renewed.path("currentPeriodStart").asString()).isEqualTo(end.toString());
		assertThat(charges(account).stream().filter(c -> c.path("status").asString().equals("SUCCEEDED"))).hasSize(2);
	}

	@Test
	void aPastDueSubscriptionWhoseRetryIsDueWhenItGetsANewCardIsChargedOnce(@Autowired JdbcClient jdbc) {
		PastDue pastDue = pastDueGivenANewCard();
		// the engine fell behind: the retry came due too before the extra attempt the new card asked for was made
		jdbc.sql("UPDATE subscriptions SET next_attempt_at = extra_attempt_at WHERE id = :id")
			.param("id", pastDue.subscription())
			.update();
		Api.Response run = api.post("/renewals/run");

		assertThat(run.status()).as(run.toString()).isEqualTo(200);
		assertThat(run.json().path("renewed").asInt()).isEqualTo(1);
		JsonNode renewed = fixtures.subscription(pastDue.subscription()).json();
		assertThat(renewed.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(renewed.path("currentPeriodStart").asString()).isEqualTo(pastDue.periodEnd().toString());
		assertThat(charges(pastDue.account()).stream().filter(c -> c.path("status").asString().equals("SUCCEEDED")))
			.as("the renewal charged once").hasSize(2);
	}

	@Test
	void aCancelledSubscriptionIsNeverChargedAgainAndAStoreBilledOneRollsOnWithoutCharges() {
		String account = fixtures.accountWithVisa();
		String cancelled = fixtures.subscribe(account, "antivirus-monthly");
		fixtures.cancel(cancelled, "END_OF_TERM");
		String store = api.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-monthly", "channel", "GOOGLE_PLAY")).id();
		Instant storeEnd = Instant.parse(fixtures.subscription(store).text("currentPeriodEnd"));
		fixtures.advance("P65D");
		assertThat(charges(account)).hasSize(1);
		assertThat(fixtures.subscription(cancelled).text("status")).isEqualTo("CANCELLED");
		JsonNode rolled = fixtures.subscription(store).json();
		assertThat(rolled.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(Instant.parse(rolled.path("currentPeriodStart").asString())).isAfter(storeEnd.minusSeconds(1));
		assertThat(notices(account, "RENEWAL_REMINDER")).isEmpty();
	}

	@Test
	void aFlakyGatewayRenewsEachPeriodExactlyOnce() {
		String account = fixtures.account();
		fixtures.card(account, "tok_visa");
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String flaky = fixtures.card(account, "tok_flaky");
		api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", flaky));
		for (int month = 0; month < 4; month++) {
			fixtures.advance("P31D");
			api.post("/renewals/run");
		}
		List<JsonNode> succeeded = charges(account).stream().filter(c -> !c.path("status").asString().equals("FAILED")).toList();
		assertThat(succeeded.stream().map(c -> c.path("periodStart").asString()).distinct()).hasSameSizeAs(succeeded);
		assertThat(succeeded).hasSizeGreaterThanOrEqualTo(4);
	}
}
