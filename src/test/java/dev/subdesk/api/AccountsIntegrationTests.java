package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

class AccountsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Test
	void closingAnAccountLeavesItsNameInNoNoticeAndNoBillingPostcode() {
		String name = "Ulrike Quaintname";
		String account = api.post("/accounts", Map.of("email", Fixtures.uniqueEmail(), "name", name, "country", "DE")).id();
		api.post("/accounts/" + account + "/payment-methods", Map.of("token", "tok_visa", "billingPostcode", "10115"));
		String removed = api.post("/accounts/" + account + "/payment-methods", Map.of("token", "tok_mastercard",
				"billingPostcode", "80331")).id();
		api.delete("/accounts/" + account + "/payment-methods/" + removed);

		assertThat(api.post("/accounts/" + account + "/close").status()).isEqualTo(200);

		JsonNode notices = api.get("/accounts/" + account + "/notices?limit=100").json().path("data");
		assertThat(notices.size()).isPositive();
		assertThat(notices.toString()).doesNotContain("Quaintname");
		assertThat(jdbc.sql("SELECT count(*) FROM payment_methods WHERE account_id = :a AND billing_postcode IS NOT NULL")
			.param("a", account).query(Long.class).single()).isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM payment_methods WHERE account_id = :a").param("a", account)
			.query(Long.class).single()).as("the cards stay for the charges that name them").isEqualTo(2);
	}

	@Test
	void anAccountIsCreatedWithAWelcomeNoticeAndItsEmailIsUniqueIgnoringCase() {
		String email = Fixtures.uniqueEmail();
		Api.Response created = api.post("/accounts", Map.of("email", email, "name", "Ann", "country", "US", "region", "CA"));
		assertThat(created.status()).isEqualTo(201);
		assertThat(created.text("status")).isEqualTo("ACTIVE");
		assertThat(created.text("region")).isEqualTo("CA");
		assertThat(created.id()).startsWith("acct_");
		Api.Response taken = api.post("/accounts", Map.of("email", email.toUpperCase(), "name", "Bob", "country", "US"));
		assertThat(taken.status()).isEqualTo(409);
		assertThat(taken.code()).isEqualTo("EMAIL_TAKEN");
		JsonNode found = api.get("/accounts?email=" + email.toUpperCase()).json().path("data");
		assertThat(found.size()).isEqualTo(1);
		assertThat(found.get(0).path("id").asString()).isEqualTo(created.id());
		JsonNode notices = api.get("/accounts/" + created.id() + "/notices").json().path("data");
		assertThat(notices.get(0).path("type").asString()).isEqualTo("WELCOME");
		assertThat(notices.get(0).path("relatedId").asString()).isEqualTo(created.id());
		assertThat(notices.get(0).path("body").asString()).contains("How to cancel").contains("never asks for a full card number");
	}

	@Test
	void anEmailThatAMailHeaderReadsAsANameOrSeveralRecipientsIsRefused() {
		String mailbox = Fixtures.uniqueEmail();
		for (String email : List.of("Call +1 202 555 0199 <" + mailbox + ">", "Refunds<" + mailbox + ">",
				mailbox + ",second.example", mailbox + ", other@example.com", "\"call 555\"@example.com",
				mailbox + "(call 555)", "a..b@example.com", "a@example.com.", "a@-example.com", "a@[192.0.2.1]")) {
			Api.Response refused = api.post("/accounts", Map.of("email", email, "name", "Ann", "country", "US"));
			assertThat(refused.status()).as(email).isEqualTo(400);
			assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("email");
		}
		assertThat(api.get("/accounts?email=" + mailbox).json().path("data").size()).as("none was opened").isZero();
		assertThat(api.post("/accounts", Map.of("email", "Ann.O'Neil+subdesk@mail.example.co.uk", "name", "Ann",
				"country", "US")).status()).as("an ordinary address with its special characters").isEqualTo(201);
	}

	@Test
	void theFirstCardIsTheDefaultAndRemovingTheDefaultPromotesTheNewestRemaining() {
		String account = fixtures.account();
		String first = fixtures.card(account, "tok_visa");
		String second = fixtures.card(account, "tok_mastercard");
		String third = fixtures.card(account, "tok_chargeDeclined");
		JsonNode methods = api.get("/accounts/" + account + "/payment-methods").json().path("data");
		assertThat(methods.size()).isEqualTo(3);
		assertThat(methods.get(2).path("id").asString()).isEqualTo(first);
		assertThat(methods.get(2).path("default").asBoolean()).isTrue();
		assertThat(methods.get(2).path("last4").asString()).isEqualTo("4242");
		assertThat(methods.get(1).path("brand").asString()).isEqualTo("MASTERCARD");

		assertThat(api.delete("/accounts/" + account + "/payment-methods/" + first).status()).isEqualTo(204);
		JsonNode left = api.get("/accounts/" + account + "/payment-methods").json().path("data");
		assertThat(left.size()).isEqualTo(2);
		assertThat(left.get(0).path("id").asString()).isEqualTo(third);
		assertThat(left.get(0).path("default").asBoolean()).isTrue();
		assertThat(left.get(1).path("id").asString()).isEqualTo(second);
		Api.Response unknownToken = api.post("/accounts/" + account + "/payment-methods", Map.of("token", "tok_nope"));
		assertThat(unknownToken.status()).isEqualTo(400);
		assertThat(unknownToken.json().path("errors").get(0).path("field").asString()).isEqualTo("token");
	}

	@Test
	void theLastCardOfAnAutoRenewingSubscriptionCannotBeRemovedUntilAutoRenewalIsOff() {
		String account = fixtures.account();
		String card = fixtures.card(account, "tok_visa");
		String sub = fixtures.subscribe(account, "antivirus-annual");
		Api.Response inUse = api.delete("/accounts/" + account + "/payment-methods/" + card);
		assertThat(inUse.status()).isEqualTo(409);
		assertThat(inUse.code()).isEqualTo("PAYMENT_METHOD_IN_USE");

		String other = fixtures.card(account, "tok_mastercard");
		assertThat(api.delete("/accounts/" + account + "/payment-methods/" + card).status()).isEqualTo(204);
		assertThat(fixtures.subscription(sub).text("paymentMethodId")).isEqualTo(other);

		assertThat(api.patch("/subscriptions/" + sub, Map.of("autoRenew", false)).status()).isEqualTo(200);
		assertThat(api.delete("/accounts/" + account + "/payment-methods/" + other).status()).isEqualTo(204);
		Api.Response resume = api.post("/subscriptions/" + sub + "/resume");
		assertThat(resume.status()).isEqualTo(409);
		assertThat(resume.code()).isEqualTo("PAYMENT_METHOD_REQUIRED");
	}

	@Test
	void devicesTakeSeatsOfActiveSubscriptionsAndAreDeactivatedWhenTheSubscriptionEnds() {
		String account = fixtures.accountWithVisa();
		Api.Response noSeat = api.post("/accounts/" + account + "/devices", Map.of("name", "Phone", "platform", "ANDROID"));
		assertThat(noSeat.status()).isEqualTo(409);
		assertThat(noSeat.code()).isEqualTo("DEVICE_LIMIT_REACHED");

		String antivirus = fixtures.subscribe(account, "antivirus-monthly");
		String vpn = fixtures.addOn(account, "vpn-addon-monthly", antivirus);
		for (int i = 0; i < 3; i++) {
			Api.Response device = api.post("/accounts/" + account + "/devices", Map.of("name", "PC " + i, "platform", "WINDOWS"));
			assertThat(device.status()).isEqualTo(201);
			assertThat(device.text("subscriptionId")).isEqualTo(antivirus);
		}
		Api.Response onAddOn = api.post("/accounts/" + account + "/devices", Map.of("name", "Mac", "platform", "MACOS"));
		assertThat(onAddOn.text("subscriptionId")).isEqualTo(vpn);
		Api.Response named = api.post("/accounts/" + account + "/devices",
				Map.of("name", "Another", "platform", "IOS", "subscriptionId", antivirus));
		assertThat(named.code()).isEqualTo("DEVICE_LIMIT_REACHED");

		String removed = api.get("/accounts/" + account + "/devices").json().path("data").get(1).path("id").asString();
		assertThat(api.delete("/accounts/" + account + "/devices/" + removed).status()).isEqualTo(204);
		assertThat(api.get("/accounts/" + account + "/devices").json().path("data").size()).isEqualTo(3);
		assertThat(api.delete("/accounts/" + account + "/devices/" + removed).status()).isEqualTo(404);

		assertThat(fixtures.cancel(vpn, "IMMEDIATE").status()).isEqualTo(200);
		JsonNode devices = api.get("/accounts/" + account + "/devices").json().path("data");
		assertThat(devices.values()).allSatisfy(d -> assertThat(d.path("status").asString())
			.isEqualTo(d.path("subscriptionId").asString().equals(vpn) ? "DEACTIVATED" : "ACTIVE"));
	}

	@Test
	void closingAnAccountCancelsWithRefundsErasesPersonalDataAndKeepsFinancialRecords() {
		String account = fixtures.accountWithVisa();
		String email = api.get("/accounts/" + account).text("email");
		String base = fixtures.subscribe(account, "total-annual");
		fixtures.addOn(account, "identity-addon-annual", base);
		String other = fixtures.subscribe(account, "vpn-annual");
		Api.Response store = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "utilities-annual", "channel", "APP_STORE"));
		assertThat(store.status()).isEqualTo(201);
		assertThat(store.json().path("paymentMethodId").isNull()).isTrue();
		api.post("/accounts/" + account + "/devices", Map.of("name", "PC", "platform", "WINDOWS", "subscriptionId", base));
		api.post("/accounts/" + account + "/devices", Map.of("name", "Tab", "platform", "IOS", "subscriptionId", store.id()));

		Api.Response closed = api.post("/accounts/" + account + "/close");
		assertThat(closed.status()).as(closed.toString()).isEqualTo(200);
		JsonNode body = closed.json();
		assertThat(body.path("account").path("status").asString()).isEqualTo("CLOSED");
		assertThat(body.path("account").path("name").asString()).isEqualTo("Erased customer");
		assertThat(body.path("account").path("email").asString()).isEqualTo("erased+" + account + "@invalid");
		assertThat(body.path("cancellations").size()).isEqualTo(2);
		assertThat(body.path("cancellations").get(0).path("refundTotal").path("amount").asLong()).isEqualTo(11999 + 2999);
		assertThat(body.path("channelManaged").get(0).path("subscriptionId").asString()).isEqualTo(store.id());
		assertThat(body.path("channelManaged").get(0).path("channelInstructions").path("channel").asString())
			.isEqualTo("APP_STORE");

		assertThat(fixtures.subscription(other).text("status")).isEqualTo("CANCELLED");
		assertThat(fixtures.subscription(store.id()).text("status")).isEqualTo("ACTIVE");
		assertThat(api.get("/accounts/" + account + "/payment-methods").json().path("data").size()).isZero();
		JsonNode devices = api.get("/accounts/" + account + "/devices").json().path("data");
		assertThat(devices.values()).extracting(d -> d.path("status").asString())
			.containsExactlyInAnyOrder("DEACTIVATED", "ACTIVE");
		JsonNode notices = api.get("/accounts/" + account + "/notices?limit=100").json().path("data");
		assertThat(notices.values()).allSatisfy(n -> {
			assertThat(n.path("to").asString()).isEqualTo("erased+" + account + "@invalid");
			assertThat(n.path("body").isNull()).isTrue();
		});
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").size()).isEqualTo(3);

		assertThat(api.post("/accounts/" + account + "/close").code()).isEqualTo("ACCOUNT_CLOSED");
		assertThat(api.post("/accounts/" + account + "/payment-methods", Map.of("token", "tok_visa")).code())
			.isEqualTo("ACCOUNT_CLOSED");
		assertThat(api.post("/accounts/" + account + "/cancel-all", Map.of("mode", "IMMEDIATE")).code())
			.isEqualTo("ACCOUNT_CLOSED");
		assertThat(api.post("/accounts", Map.of("email", email, "name", "Back again", "country", "DE")).status())
			.isEqualTo(201);
	}

	@Test
	void cancelAllCancelsEveryDirectBaseSubscriptionAndSkipsStoreBilledOnes() {
		String account = fixtures.accountWithVisa();
		String a = fixtures.subscribe(account, "antivirus-annual");
		String addOn = fixtures.addOn(account, "vpn-addon-monthly", a);
		String b = fixtures.subscribe(account, "utilities-annual");
		String scheduled = fixtures.cancel(b, "END_OF_TERM").text("confirmationNumber");
		String store = api.post("/subscriptions", Map.of("accountId", account, "planCode", "vpn-annual", "channel", "GOOGLE_PLAY")).id();

		Api.Response all = api.post("/accounts/" + account + "/cancel-all", Map.of("mode", "END_OF_TERM", "reason", "SWITCHING"));
		assertThat(all.status()).isEqualTo(200);
		JsonNode cancellations = all.json().path("cancellations");
		assertThat(cancellations.size()).isEqualTo(2);
		assertThat(cancellations.values()).extracting(c -> c.path("confirmationNumber").asString()).contains(scheduled);
		assertThat(cancellations.values()).anySatisfy(c -> assertThat(c.path("subscriptionIds").values())
			.extracting(JsonNode::asString).containsExactly(a, addOn));
		assertThat(all.json().path("skipped").get(0).path("subscriptionId").asString()).isEqualTo(store);
		assertThat(all.json().path("skipped").get(0).path("code").asString()).isEqualTo("CHANNEL_MANAGED");
		assertThat(fixtures.subscription(addOn).json().path("autoRenew").asBoolean()).isFalse();
	}
}
