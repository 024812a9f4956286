package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SubscriptionsIntegrationTests extends ApiIntegrationTest {

	@Test
	void theCatalogListsTheDemoPlansInOrder() {
		JsonNode plans = api.get("/plans").json().path("data");
		assertThat(plans.values()).extracting(p -> p.path("code").asString())
			.containsExactly("antivirus-annual", "antivirus-monthly", "vpn-annual", "utilities-annual", "total-annual",
					"identity-addon-annual", "vpn-addon-monthly", "vpn-monthly-trial", "price-test-annual-1",
					"price-test-annual-2", "price-test-annual-3", "price-test-annual-4", "price-test-annual-5",
					"price-test-annual-6", "price-test-annual-7", "price-test-annual-8", "price-test-annual-9"); // from the trial plan on: the tests' (db/testdata)
		assertThat(plans.get(0).path("price").path("amount").asLong()).isEqualTo(5999);
		assertThat(plans.get(5).path("addOnTo").values()).extracting(JsonNode::asString)
			.containsExactly("antivirus-annual", "total-annual");
	}

	@Test
	void aPurchaseChargesTheFirstTermAtOnceAndSendsAnOrderConfirmation() {
		String account = fixtures.accountWithVisa();
		Api.Response created = fixtures.buy(account, "antivirus-annual");
		assertThat(created.status()).isEqualTo(201);
		JsonNode s = created.json();
		assertThat(s.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(s.path("autoRenew").asBoolean()).isTrue();
		assertThat(s.path("orderNumber").asString()).matches("ORD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");
		assertThat(s.path("channel").asString()).isEqualTo("DIRECT");
		assertThat(s.path("price").path("amount").asLong()).isEqualTo(5999);
		JsonNode charge = api.get("/accounts/" + account + "/charges").json().path("data").get(0);
		assertThat(charge.path("amount").asLong()).isEqualTo(5999);
		assertThat(charge.path("status").asString()).isEqualTo("SUCCEEDED");
		assertThat(charge.path("periodStart").asString()).isEqualTo(s.path("currentPeriodStart").asString());
		assertThat(charge.path("periodEnd").asString()).isEqualTo(s.path("currentPeriodEnd").asString());
		JsonNode order = api.get("/accounts/" + account + "/notices").json().path("data").get(0);
		assertThat(order.path("type").asString()).isEqualTo("ORDER_CONFIRMATION");
		assertThat(order.path("body").asString()).contains("59,99\u00a0$") // the account is in Germany
			.contains(s.path("orderNumber").asString());

		JsonNode byNumber = api.get("/subscriptions?orderNumber=" + s.path("orderNumber").asString().toLowerCase())
			.json().path("data");
		assertThat(byNumber.get(0).path("id").asString()).isEqualTo(created.id());
		assertThat(api.get("/subscriptions?orderNumber=ORD-0000-0000").json().path("data").size()).isZero();
		assertThat(api.get("/subscriptions").status()).isEqualTo(400);
	}

	@Test
	void aDeclinedCardCreatesNothing() {
		String account = fixtures.account();
		fixtures.card(account, "tok_chargeDeclined");
		Api.Response declined = fixtures.buy(account, "antivirus-annual");
		assertThat(declined.status()).isEqualTo(402);
		assertThat(declined.code()).isEqualTo("PAYMENT_DECLINED");
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isZero();
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isZero();
	}

	@Test
	void aFlakyGatewayNeverChargesTwice() {
		String account = fixtures.account();
		fixtures.card(account, "tok_flaky");
		int created = 0;
		for (int i = 0; i < 6; i++) {
			Api.Response response = fixtures.buy(account, "vpn-annual");
			assertThat(response.status()).as(response.toString()).isIn(201, 503);
			if (response.status() == 503) {
				assertThat(response.code()).isEqualTo("PAYMENT_GATEWAY_UNAVAILABLE");
			}
			else {
				created++;
			}
		}
		assertThat(api.get("/accounts/" + account + "/charges?limit=100").json().path("data").size()).isEqualTo(created);
		assertThat(api.get("/accounts/" + account + "/subscriptions?limit=100").json().path("data").size())
			.isEqualTo(created);
	}

	@Test
	void anAccountWithoutACardCannotBuy() {
		String account = fixtures.account();
		Api.Response response = fixtures.buy(account, "antivirus-annual");
		assertThat(response.status()).isEqualTo(400);
		assertThat(response.json().path("errors").get(0).path("field").asString()).isEqualTo("paymentMethodId");
	}

	@Test
	void addOnsNeedAnActiveParentOfAnAllowedPlanAndAtMostOnePerPlan() {
		String account = fixtures.accountWithVisa();
		String monthly = fixtures.subscribe(account, "antivirus-monthly");
		Api.Response notAllowed = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "identity-addon-annual", "parentSubscriptionId", monthly));
		assertThat(notAllowed.code()).isEqualTo("ADD_ON_NOT_ALLOWED");
		Api.Response noParent = fixtures.buy(account, "identity-addon-annual");
		assertThat(noParent.status()).isEqualTo(400);
		Api.Response baseWithParent = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "vpn-annual", "parentSubscriptionId", monthly));
		assertThat(baseWithParent.status()).isEqualTo(400);

		fixtures.addOn(account, "vpn-addon-monthly", monthly);
		Api.Response twice = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "vpn-addon-monthly", "parentSubscriptionId", monthly));
		assertThat(twice.code()).isEqualTo("ADD_ON_EXISTS");

		fixtures.cancel(monthly, "END_OF_TERM");
		String annual = fixtures.subscribe(account, "antivirus-annual");
		fixtures.cancel(annual, "END_OF_TERM");
		Api.Response ending = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "identity-addon-annual", "parentSubscriptionId", annual));
		assertThat(ending.code()).isEqualTo("PARENT_NOT_ACTIVE");
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isEqualTo(3);
	}

	@Test
	void anAddOnCancelledWithItsBaseEndsAtTheEarlierOfItsOwnPeriodEndAndTheBasesEnd() {
		String account = fixtures.accountWithVisa();
		String base = fixtures.subscribe(account, "antivirus-annual");
		String monthlyAddOn = fixtures.addOn(account, "vpn-addon-monthly", base);
		String addOnEnd = fixtures.subscription(monthlyAddOn).text("currentPeriodEnd");
		Api.Response cancellation = fixtures.cancel(base, "END_OF_TERM");
		JsonNode items = cancellation.json().path("subscriptions");
		assertThat(items.get(1).path("id").asString()).isEqualTo(monthlyAddOn);
		assertThat(items.get(1).path("effectiveAt").asString()).isEqualTo(addOnEnd);
		Api.Response resume = api.post("/subscriptions/" + monthlyAddOn + "/resume");
		assertThat(resume.code()).isEqualTo("PARENT_ENDING");

		fixtures.advance("P32D");
		assertThat(fixtures.subscription(monthlyAddOn).text("status")).isEqualTo("CANCELLED");
		assertThat(fixtures.subscription(base).text("status")).isEqualTo("ACTIVE");
		assertThat(api.get("/cancellations/" + cancellation.text("confirmationNumber")).text("status"))
			.isEqualTo("SCHEDULED");
	}

	@Test
	void anAddOnsOwnEarlierCancellationIsKeptAndALaterOneIsSupersededByTheBase() {
		String account = fixtures.accountWithVisa();
		String base = fixtures.subscribe(account, "total-annual");
		String identity = fixtures.addOn(account, "identity-addon-annual", base);
		String own = fixtures.cancel(identity, "END_OF_TERM").text("confirmationNumber");
		Api.Response baseCancellation = fixtures.cancel(base, "END_OF_TERM");
		assertThat(api.get("/cancellations/" + own).text("status")).isEqualTo("SCHEDULED");
		assertThat(baseCancellation.json().path("subscriptionIds").size()).isEqualTo(1);

		String base2 = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-annual");
		String account2 = fixtures.subscription(base2).text("accountId");
		String vpn = fixtures.addOn(account2, "vpn-addon-monthly", base2);
		String immediateAddOn = fixtures.cancel(vpn, "IMMEDIATE").text("status");
		assertThat(immediateAddOn).isEqualTo("EFFECTIVE");
		assertThat(fixtures.subscription(base2).text("status")).isEqualTo("ACTIVE");
	}

	@Test
	void storeBilledSubscriptionsAreNotChargedHereAndCannotBeCancelledHere() {
		String account = fixtures.account();
		Api.Response store = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "antivirus-annual", "channel", "APP_STORE"));
		assertThat(store.status()).isEqualTo(201);
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isZero();
		JsonNode quote = api.post("/subscriptions/" + store.id() + "/cancellation-quote", Map.of()).json();
		assertThat(quote.path("options").size()).isZero();
		assertThat(quote.path("offer").isNull()).isTrue();
		assertThat(quote.path("channelInstructions").path("steps").size()).isPositive();
		assertThat(fixtures.cancel(store.id(), "IMMEDIATE").code()).isEqualTo("CHANNEL_MANAGED");
		String pm = fixtures.card(account, "tok_visa");
		assertThat(api.patch("/subscriptions/" + store.id(), Map.of("paymentMethodId", pm)).code())
			.isEqualTo("CHANNEL_MANAGED");
		assertThat(api.get("/accounts/" + account + "/notices").json().path("data").get(0).path("body").asString())
			.contains("App Store");
	}
}
