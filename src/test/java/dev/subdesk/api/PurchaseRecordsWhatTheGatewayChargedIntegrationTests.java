package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.clock.TestClock;
import dev.subdesk.payments.PaymentResult;
import dev.subdesk.shared.Money;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.DelegatingGateway;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * DESIGN invariant 11 and the price-change rules: a purchase records the amount the gateway took, at the terms it was
 * accepted on (its {@code createdAt}), also when the gateway answers after a scheduled price change took effect; a
 * price that no longer holds for the acceptance once the gateway answered (a price in the buyer's currency added
 * meanwhile) records nothing, and the money goes back.
 */
@Import(PurchaseRecordsWhatTheGatewayChargedIntegrationTests.SlowGateway.class)
class PurchaseRecordsWhatTheGatewayChargedIntegrationTests extends ApiIntegrationTest {

	@Autowired
	SlowGateway gateway;

	@Autowired
	TestClock clock;

	@Autowired
	JdbcClient jdbc;

	/** The sandbox, except that the next purchase charge first runs {@code meanwhile} (the gateway's slow answer). */
	@Primary
	static final class SlowGateway extends DelegatingGateway {

		final AtomicReference<@Nullable Runnable> meanwhile = new AtomicReference<>();

		@Override
		public PaymentResult charge(String token, Money amount, String idempotencyKey) {
			if (idempotencyKey.startsWith("purchase_")) {
				Runnable during = meanwhile.getAndSet(null);
				if (during != null) {
					during.run();
				}
			}
			return super.charge(token, amount, idempotencyKey);
		}
	}

	private Api.Response buyWithoutConsent(String account, String plan) {
		return api.post("/subscriptions", Map.of("accountId", account, "planCode", plan));
	}

	/** What the gateway's ledger holds under a key: the amount taken, or given back. */
	private Optional<Money> ledger(String key) {
		return jdbc.sql("SELECT amount, currency FROM sandbox_gateway_payments WHERE idempotency_key = :k")
			.param("k", key)
			.query((rs, n) -> Money.of(rs.getLong("amount"), rs.getString("currency")))
			.optional();
	}

	private List<Money> recordedCharges(String subscription) {
		return jdbc.sql("SELECT amount, currency FROM charges WHERE subscription_id = :s AND status <> 'FAILED'")
			.param("s", subscription)
			.query((rs, n) -> Money.of(rs.getLong("amount"), rs.getString("currency")))
			.list();
	}

	private Money storedPrice(String subscription) {
		return jdbc.sql("SELECT price_amount, currency FROM subscriptions WHERE id = :s")
			.param("s", subscription)
			.query((rs, n) -> Money.of(rs.getLong("price_amount"), rs.getString("currency")))
			.single();
	}

	/** The renewal price an ORDER_CONFIRMATION (in German, the account's language) states, and the new price's terms. */
	private static String renewalTermsStated(String confirmation) {
		Matcher m = Pattern.compile("verlängert sich automatisch jedes Jahr zu (\\S+.\\$)").matcher(confirmation);
		assertThat(m.find()).as(confirmation).isTrue();
		Matcher change = Pattern.compile("Der neue Preis von (\\S+.\\$) gilt[^;]*").matcher(confirmation);
		return m.group(1) + (change.find() ? " / " + change.group() : "");
	}

	private String confirmation(String account) {
		return fixtures.notices(account, "ORDER_CONFIRMATION").getFirst().path("body").asString();
	}

	@Test
	void aPurchaseAcceptedBeforeAPriceChangeTookEffectAndAnsweredAfterItRecordsWhatTheGatewayTook() {
		String plan = fixtures.plan("recorded-price", "P1Y", 5999);
		Instant effective = fixtures.now().plus(Duration.ofDays(31)).truncatedTo(ChronoUnit.SECONDS);
		Api.Response change = api.post("/plans/" + plan + "/price-changes", Map.of("price",
				Map.of("amount", 6999, "currency", "USD"), "effectiveFrom", effective.toString(), "existingSubscribers",
				"MOVE"));
		assertThat(change.status()).as(change.toString()).isEqualTo(201);
		fixtures.advance(Duration.between(fixtures.now(), effective.minusSeconds(30)));
		// Germany: the purchase needs no consent, and none is sent
		String control = fixtures.accountWithVisa();
		Api.Response before = buyWithoutConsent(control, plan);
		assertThat(before.status()).as(before.toString()).isEqualTo(201);
		String account = fixtures.accountWithVisa();
		// the gateway answers after the new price took effect
		gateway.meanwhile.set(() -> clock.moveTo(effective.plusSeconds(1)));

		Api.Response bought = buyWithoutConsent(account, plan);

		assertThat(gateway.meanwhile.get()).as("the gateway's answer came after the change").isNull();
		assertThat(fixtures.now()).isAfter(effective);
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		String sub = bought.id();
		assertThat(Instant.parse(bought.text("createdAt"))).as("accepted before the change").isBefore(effective);
		Money taken = ledger("purchase_" + sub).orElseThrow();
		assertThat(taken).isEqualTo(Money.of(5999, "USD"));
		assertThat(recordedCharges(sub)).as("the charge records what the gateway took").containsExactly(taken);
		assertThat(storedPrice(sub)).as("the price accepted").isEqualTo(taken);
		assertThat(fixtures.subscription(sub).json().path("price").path("amount").asLong())
			.as("the next renewal costs what it does for a purchase accepted then and answered at once")
			.isEqualTo(fixtures.subscription(before.id()).json().path("price").path("amount").asLong());
		assertThat(confirmation(account)).contains("Sie haben heute 59,99");
		assertThat(renewalTermsStated(confirmation(account))).as("the renewal price the order confirmation states")
			.isEqualTo(renewalTermsStated(confirmation(control)));

		// a money-back refund gives back what was taken, no more
		Api.Response cancelled = fixtures.cancel(sub, "IMMEDIATE");
		assertThat(cancelled.status()).as(cancelled.toString()).isIn(200, 201);
		assertThat(jdbc.sql("SELECT coalesce(sum(r.amount), 0) FROM refunds r JOIN charges c ON c.id = r.charge_id "
				+ "WHERE c.subscription_id = :s").param("s", sub).query(Long.class).single()).isEqualTo(5999L);
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
	}

	@Test
	void aPriceInTheBuyersCurrencyAddedWhileTheGatewayHadThePaymentRecordsNothingAndTheMoneyGoesBack() {
		String plan = fixtures.plan("recorded-currency", "P1Y", 5999);
		String account = fixtures.accountWithVisa(); // Germany: the plan has no price in euros yet
		gateway.meanwhile.set(() -> assertThat(api.post("/plans/" + plan + "/prices",
				Map.of("amount", 5499, "currency", "EUR")).status()).isEqualTo(201));

		Api.Response refused = buyWithoutConsent(account, plan);

		assertThat(gateway.meanwhile.get()).as("the price was added while the gateway had the payment").isNull();
		dev.subdesk.testing.ProblemAssertions.assertProblem(refused, 503, "PAYMENT_GATEWAY_UNAVAILABLE");
		String key = jdbc.sql("SELECT gateway_key FROM purchase_attempts WHERE account_id = :a")
			.param("a", account).query(String.class).single();
		assertThat(ledger(key)).as("the gateway took dollars").contains(Money.of(5999, "USD"));
		assertThat(ledger("reverse_" + key)).as("and gave them back").contains(Money.of(5999, "USD"));
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isZero();
		assertThat(fixtures.charges(account)).isEmpty();
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
	}
}
