package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An add-on is sold in its base's currency: one cancellation, refund or withdrawal adds them up, so a base in euros
 * with an add-on in dollars could never be quoted, cancelled at once or closed (a 500 where leaving must always work).
 */
class AddOnsInTheirBasesCurrencyIntegrationTests extends ApiIntegrationTest {

	@Test
	void anAddOnWithNoPriceInItsBasesCurrencyIsNotSoldAndOneWithItIs() {
		String base = fixtures.plan("eur-base", "P1Y", 4000);
		assertThat(api.post("/plans/" + base + "/prices", Map.of("amount", 3700, "currency", "EUR")).status())
			.isEqualTo(201);
		String addOn = base + "-addon";
		Api.Response made = api.post("/plans", Map.of("code", addOn, "name", "Add-on of " + base, "products",
				List.of(base), "term", "P1Y", "price", Map.of("amount", 900, "currency", "USD"), "deviceLimit", 0,
				"moneyBackDays", 30, "addOnTo", List.of(base)));
		assertThat(made.status()).as(made.toString()).isEqualTo(201);
		String account = fixtures.account("DE", null);
		fixtures.card(account, "tok_visa");
		String baseSubscription = fixtures.subscribe(account, base);
		assertThat(fixtures.subscription(baseSubscription).json().path("price").path("currency").asString())
			.isEqualTo("EUR");

		Api.Response refused = api.post("/subscriptions", Map.of("accountId", account, "planCode", addOn,
				"parentSubscriptionId", baseSubscription));
		assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
		assertThat(refused.code()).isEqualTo("ADD_ON_NOT_ALLOWED");
		assertThat(fixtures.charges(account)).as("nothing charged for it").hasSize(1);
		assertThat(api.post("/subscriptions/" + baseSubscription + "/cancellation-quote", Map.of())
			.status()).isEqualTo(200);

		assertThat(api.post("/plans/" + addOn + "/prices", Map.of("amount", 800, "currency", "EUR")).status())
			.isEqualTo(201);
		Api.Response bought = api.post("/subscriptions", Map.of("accountId", account, "planCode", addOn,
				"parentSubscriptionId", baseSubscription));
		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		assertThat(bought.json().path("price").path("currency").asString()).isEqualTo("EUR");
		Api.Response quote = api.post("/subscriptions/" + baseSubscription + "/cancellation-quote",
				Map.of());
		assertThat(quote.status()).as(quote.toString()).isEqualTo(200);
	}
}
