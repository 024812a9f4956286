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

/**
 * An add-on never outlives its base, and neither does its money: an add-on renewed while its base is PAST_DUE
 * (API.md "Dunning") is charged for a term its base never paid for; when the base's last retry is declined and both
 * expire, that charge is refunded in full, as other automatic refunds are. Its charges for periods before the base's
 * unpaid one are kept, and nothing is refunded when the base recovers.
 */
class AddOnOfAnUnpaidBaseIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	/** A yearly base whose card declines its renewal at {@code renewal} (T), with a yearly add-on paid by a Visa. */
	private record Base(String account, String base, String visa, Instant renewal) {
	}

	private Base decliningBase() {
		String account = fixtures.accountWithVisa();
		String visa = api.get("/accounts/" + account + "/payment-methods").json().path("data").get(0).path("id").asString();
		String base = fixtures.subscribe(account, "antivirus-annual");
		api.patch("/subscriptions/" + base, Map.of("paymentMethodId", fixtures.card(account, "tok_chargeDeclined")));
		return new Base(account, base, visa, periodEnd(base));
	}

	private Instant periodEnd(String subscription) {
		return Instant.parse(fixtures.subscription(subscription).text("currentPeriodEnd"));
	}

	private void advanceTo(Instant at) {
		fixtures.advance(Duration.between(fixtures.now(), at));
	}

	/** The add-on's charge for its period starting {@code start}. */
	private JsonNode charge(String account, String subscription, Instant start) {
		return fixtures.charges(account).stream()
			.filter(c -> c.path("subscriptionId").asString().equals(subscription)
					&& c.path("periodStart").asString().equals(start.toString())
					&& !c.path("status").asString().equals("FAILED"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no successful charge of " + subscription + " from " + start));
	}

	private List<Map<String, Object>> refunds(String account) {
		return jdbc.sql("SELECT charge_id, amount, status, reason FROM refunds WHERE account_id = :a ORDER BY created_at")
			.param("a", account)
			.query()
			.listOfRows();
	}

	private List<String> eventTypes(String subject) {
		return api.get("/events?limit=100&subjectId=" + subject).json().path("data").values().stream()
			.map(e -> e.path("type").asString())
			.toList();
	}

	@Test
	void anAddOnRenewedWhileItsBaseWasPastDueIsRefundedInFullWhenTheBaseExpiresUnpaid() {
		Base b = decliningBase();
		fixtures.advance("P2D");
		String addOn = fixtures.addOn(b.account(), "identity-addon-annual", b.base());
		Instant addOnStart = Instant.parse(fixtures.subscription(addOn).text("currentPeriodStart"));
		Instant addOnRenewal = periodEnd(addOn);
		assertThat(addOnRenewal).isAfter(b.renewal()).isBefore(b.renewal().plus(Duration.ofDays(3)));

		advanceTo(b.renewal().plus(Duration.ofHours(12)));
		assertThat(fixtures.subscription(b.base()).text("status")).isEqualTo("PAST_DUE");
		advanceTo(addOnRenewal.plus(Duration.ofHours(12)));
		JsonNode renewed = charge(b.account(), addOn, addOnRenewal);
		assertThat(renewed.path("amount").asLong()).as("a full year of add-on, charged while its base is past due")
			.isEqualTo(2999);
		assertThat(refunds(b.account())).isEmpty();

		advanceTo(b.renewal().plus(Duration.ofDays(5)).plus(Duration.ofHours(12)));
		assertThat(fixtures.subscription(b.base()).text("status")).isEqualTo("EXPIRED");
		assertThat(fixtures.subscription(addOn).text("status")).isEqualTo("EXPIRED");
		JsonNode refunded = charge(b.account(), addOn, addOnRenewal);
		assertThat(refunded.path("refundedAmount").asLong()).as(refunded.toString()).isEqualTo(2999);
		assertThat(refunded.path("status").asString()).isEqualTo("REFUNDED");
		List<Map<String, Object>> refunds = refunds(b.account());
		assertThat(refunds).hasSize(1);
		assertThat(refunds.getFirst()).containsEntry("charge_id", renewed.path("id").asString())
			.containsEntry("amount", 2999L)
			.containsEntry("status", "SUCCEEDED");
		assertThat((String) refunds.getFirst().get("reason")).contains("never paid for", "what was left of this charge");
		// the money-back events and notice of any automatic refund
		assertThat(eventTypes(addOn)).containsOnlyOnce("refund.issued");
		assertThat(fixtures.notices(b.account(), "REFUND_ISSUED")).hasSize(1);
		// what was paid before the base's unpaid period is kept: the base's purchase and the add-on's
		assertThat(charge(b.account(), b.base(), Instant.parse(fixtures.subscription(b.base()).text("currentPeriodStart")))
			.path("refundedAmount").asLong()).isZero();
		assertThat(charge(b.account(), addOn, addOnStart).path("refundedAmount").asLong()).isZero();

		Api.Response again = api.post("/renewals/run");
		assertThat(again.status()).as(again.toString()).isEqualTo(200);
		fixtures.advance("P1D");
		assertThat(refunds(b.account())).as("refunded once, whatever runs after").hasSize(1);
		assertThat(charge(b.account(), addOn, addOnRenewal).path("refundedAmount").asLong()).isEqualTo(2999);
	}

	@Test
	void aBaseThatRecoversLeavesItsAddOnsChargeAlone() {
		Base b = decliningBase();
		fixtures.advance("P2D");
		String addOn = fixtures.addOn(b.account(), "identity-addon-annual", b.base());
		Instant addOnRenewal = periodEnd(addOn);

		advanceTo(addOnRenewal.plus(Duration.ofHours(12)));
		assertThat(fixtures.subscription(b.base()).text("status")).isEqualTo("PAST_DUE");
		JsonNode renewed = charge(b.account(), addOn, addOnRenewal);
		// a card that pays before the retry at T + 3 days: the base recovers
		api.patch("/subscriptions/" + b.base(), Map.of("paymentMethodId", b.visa()));
		advanceTo(b.renewal().plus(Duration.ofDays(3)).plus(Duration.ofHours(12)));
		assertThat(fixtures.subscription(b.base()).text("status")).isEqualTo("ACTIVE");
		assertThat(fixtures.subscription(b.base()).text("currentPeriodStart")).isEqualTo(b.renewal().toString());

		advanceTo(b.renewal().plus(Duration.ofDays(6)));
		assertThat(fixtures.subscription(addOn).text("status")).isEqualTo("ACTIVE");
		assertThat(charge(b.account(), addOn, addOnRenewal).path("refundedAmount").asLong()).isZero();
		assertThat(charge(b.account(), addOn, addOnRenewal).path("id").asString())
			.isEqualTo(renewed.path("id").asString());
		assertThat(refunds(b.account())).isEmpty();
	}

	@Test
	void anAddOnsChargeForAPeriodBeforeTheBasesUnpaidOneIsKeptWhenTheBaseExpires() {
		Base b = decliningBase();
		// bought the day before the base's renewal: its year started before the base's unpaid period
		advanceTo(b.renewal().minus(Duration.ofDays(1)));
		String addOn = fixtures.addOn(b.account(), "identity-addon-annual", b.base());
		Instant addOnStart = Instant.parse(fixtures.subscription(addOn).text("currentPeriodStart"));
		assertThat(addOnStart).isBefore(b.renewal());

		advanceTo(b.renewal().plus(Duration.ofDays(5)).plus(Duration.ofHours(12)));
		assertThat(fixtures.subscription(b.base()).text("status")).isEqualTo("EXPIRED");
		assertThat(fixtures.subscription(addOn).text("status")).isEqualTo("EXPIRED");
		JsonNode kept = charge(b.account(), addOn, addOnStart);
		assertThat(kept.path("amount").asLong()).isEqualTo(2999);
		assertThat(kept.path("refundedAmount").asLong()).isZero();
		assertThat(refunds(b.account())).isEmpty();
	}
}
