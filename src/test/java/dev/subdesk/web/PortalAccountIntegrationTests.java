package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The account page: charges with the dispute buttons, cards, and closing the account. */
@SubdeskIntegrationTest
class PortalAccountIntegrationTests extends PortalTestSupport {

	@Autowired
	Accounts accounts;

	@Test
	void anUnrecognisedChargeOpensACaseAndTheCaseNumberIsShown() {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, c.account());
		String charge = api.get("/accounts/" + c.account() + "/charges").json().path("data").get(0).path("id").asString();
		assertThat(session.get("/portal/account").body()).contains("id=\"charge-" + charge + "\"").contains("$59.99");

		PortalSession.Page disputed = session.post("/portal/charges/" + charge + "/dispute", Map.of("reason", "UNRECOGNIZED"));

		assertThat(disputed.location()).endsWith("/portal/account");
		assertThat(session.get("/portal/account").body()).containsPattern("case number is CASE-[0-9A-Z]{6}");
		assertThat(noticeTypes(c.account())).contains("CASE_UPDATE");
	}

	@Test
	void theLastCardOfARenewingSubscriptionCannotBeRemovedButAnotherCardCanBeAddedFirst() {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, c.account());
		String visa = api.get("/accounts/" + c.account() + "/payment-methods").json().path("data").get(0).path("id").asString();

		session.post("/portal/cards/" + visa + "/remove", Map.of());
		assertThat(session.get("/portal/account").body()).contains("last card of a subscription that renews");
		session.post("/portal/cards", Map.of("token", "tok_mastercard"));
		session.post("/portal/cards/" + visa + "/remove", Map.of());

		var cards = api.get("/accounts/" + c.account() + "/payment-methods").json().path("data");
		assertThat(cards.size()).isEqualTo(1);
		assertThat(cards.get(0).path("brand").asString()).isEqualTo("MASTERCARD");
	}

	@Test
	void aCardCanBeAddedWithItsBillingPostcodeAndABadPostcodeIsAFormErrorThatAddsNothing() {
		String account = fixtures.account("DE", null);
		fixtures.card(account, "tok_visa");
		PortalSession session = new PortalSession(port).signIn(api, account);
		assertThat(session.get("/portal/account").body()).contains("Postleitzahl der Rechnungsadresse (optional)")
			.contains("for=\"billingPostcode\"");

		PortalSession.Page bad = session.post("/portal/cards", Map.of("token", "tok_mastercard", "billingPostcode", "10115!"));
		assertThat(bad.status()).isEqualTo(400);
		assertThat(bad.body()).contains("Die Postleitzahl muss aus 2 bis 12 Buchstaben").contains("value=\"10115!\"");
		assertThat(api.get("/accounts/" + account + "/payment-methods").json().path("data").size()).isEqualTo(1);

		PortalSession.Page added = session.post("/portal/cards", Map.of("token", "tok_mastercard", "billingPostcode", " D-10115 "));
		assertThat(added.location()).endsWith("/portal/account");
		session.post("/portal/cards", Map.of("token", "tok_visa", "billingPostcode", ""));

		assertThat(api.get("/accounts/" + account + "/payment-methods").json().path("data").size()).isEqualTo(3);
		assertThat(accounts.billingPostcodes(account)).containsExactly("D-10115");
	}

	@Test
	void closingNeedsTheTypedConfirmationThenCancelsEverythingAndEndsTheSession() {
		Customer c = customerWith("antivirus-annual");
		PortalSession elsewhere = new PortalSession(port).signIn(api, c.account());
		PortalSession session = new PortalSession(port).signIn(api, c.account());

		session.post("/portal/account/close", Map.of("confirm", "yes"));
		assertThat(api.get("/accounts/" + c.account()).text("status")).isEqualTo("ACTIVE");

		PortalSession.Page closed = session.post("/portal/account/close", Map.of("confirm", "close"));

		assertThat(closed.location()).endsWith("/portal/closed");
		assertThat(api.get("/accounts/" + c.account()).text("status")).isEqualTo("CLOSED");
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("CANCELLED");
		assertThat(session.get("/portal/closed").body()).as("the numbers, kept for this page").contains("CXL-");
		assertThat(session.get("/portal").location()).contains("/portal/sign-in");
		assertThat(elsewhere.get("/portal").location()).as("another browser's session ended too").contains("/portal/sign-in");
	}

	@Test
	void anotherCustomersChargeOrCardIsNotFound() {
		Customer mine = customerWith("antivirus-annual");
		Customer theirs = customerWith("vpn-annual");
		PortalSession session = new PortalSession(port).signIn(api, mine.account());
		String theirCharge = api.get("/accounts/" + theirs.account() + "/charges").json().path("data").get(0).path("id").asString();
		String theirCard = api.get("/accounts/" + theirs.account() + "/payment-methods").json().path("data").get(0).path("id").asString();

		assertThat(session.post("/portal/charges/" + theirCharge + "/dispute", Map.of("reason", "UNRECOGNIZED")).status()).isEqualTo(404);
		assertThat(session.post("/portal/cards/" + theirCard + "/remove", Map.of()).status()).isEqualTo(404);
		assertThat(api.get("/accounts/" + theirs.account() + "/payment-methods").json().path("data").size()).isEqualTo(1);
	}
}
