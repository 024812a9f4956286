package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.Fixtures;
import dev.subdesk.support.Mailbox;
import dev.subdesk.support.SubdeskIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The hosted checkout {@code /checkout/{planCode}} at the HTTP level (issue 12): the terms next to the button, the
 * button's words, the separate unticked box for California, consent recorded with channel CHECKOUT, and the order
 * confirmation repeating the terms and how to cancel.
 */
@SubdeskIntegrationTest
class CheckoutPageIntegrationTests extends PortalTestSupport {

	private String accountIn(String country, String region) {
		String account = fixtures.account(country, region);
		fixtures.card(account, "tok_visa");
		return account;
	}

	private static String disclosureId(String body) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"disclosureId\" value=\"(dsc_[^\"]+)\"")
			.matcher(body);
		assertThat(m.find()).as(body).isTrue();
		return m.group(1);
	}

	@Test
	void signedOutTheBuyerMaySignInOrOpenAnAccountAndUnknownOrAddOnPlansAreNotFound() {
		PortalSession browser = new PortalSession(port);
		PortalSession.Page start = browser.get("/checkout/antivirus-annual");
		assertThat(start.status()).isEqualTo(200);
		assertThat(start.body()).contains("Subscribe to Acme Antivirus, yearly", "$59.99 a year", "Email me a code",
				"Open my account and email me a code");
		assertThat(browser.get("/checkout/no-such-plan").status()).isEqualTo(404);
		assertThat(browser.get("/checkout/identity-addon-annual").status()).isEqualTo(404);
		assertThat(browser.post("/checkout/antivirus-annual", Map.of("disclosureId", "dsc_x", "card", "tok_visa"))
			.location()).endsWith("/checkout/antivirus-annual");
	}

	@Test
	void aCalifornianOpensAnAccountOnThePageAndBuysOnlyAfterTickingTheSeparateBox() {
		String email = Fixtures.uniqueEmail();
		PortalSession browser = new PortalSession(port);
		browser.get("/checkout/antivirus-annual");
		PortalSession.Page opened = browser.post("/checkout/antivirus-annual/account",
				Map.of("email", email, "name", "Casey Checkout", "country", "US", "region", "ca"));
		assertThat(opened.location()).endsWith("/portal/sign-in/code");
		String account = api.get("/accounts?email=" + email).json().path("data").get(0).path("id").asString();
		assertThat(api.get("/accounts/" + account).text("region")).isEqualTo("CA");
		browser.get("/portal/sign-in/code");
		PortalSession.Page signedIn = browser.post("/portal/sign-in/code",
				Map.of("code", PortalSession.latestCode(api, account)));
		assertThat(signedIn.location()).as("back to the checkout").endsWith("/checkout/antivirus-annual");

		PortalSession.Page page = browser.get("/checkout/antivirus-annual");
		String body = page.body();
		assertThat(body).contains("Subscribe — renews automatically at $59.99 a year until you cancel", "What you agree to",
				"To stop the next charge, cancel before", "type=\"checkbox\" id=\"agree\"")
			.doesNotContain("checked=\"checked\" id=\"agree\"");
		assertThat(body.indexOf("What you agree to")).as("the terms come right before the box and the button")
			.isLessThan(body.indexOf("id=\"agree\""))
			.isLessThan(body.indexOf("id=\"subscribe\""));

		PortalSession.Page unticked = browser.post("/checkout/antivirus-annual",
				Map.of("disclosureId", disclosureId(body), "card", "tok_visa"));
		assertThat(unticked.status()).isEqualTo(400);
		assertThat(unticked.body()).contains("Tick the box");
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isZero();

		PortalSession.Page bought = browser.post("/checkout/antivirus-annual",
				Map.of("disclosureId", disclosureId(unticked.body()), "card", "tok_visa", "agree", "yes"));
		assertThat(bought.location()).as(bought.body()).contains("/checkout/thanks/sub_");
		String sub = bought.location().substring(bought.location().lastIndexOf('/') + 1);
		PortalSession.Page thanks = browser.get("/checkout/thanks/" + sub);
		assertThat(thanks.body()).contains("Thank you", "renews automatically on", "$59.99", "how to cancel");

		JsonNode consent = api.get("/subscriptions/" + sub + "/consents").json().path("data").get(0);
		assertThat(consent.path("channel").asString()).isEqualTo("CHECKOUT");
		assertThat(consent.path("method").asString()).isEqualTo("CHECKBOX");
		assertThat(consent.path("text").asString()).contains("$59.99 today");
		String confirmation = Mailbox.latestBody(api, account, "ORDER_CONFIRMATION");
		assertThat(confirmation).contains("renews automatically every year at $59.99 until you cancel",
				"Money-back guarantee", "cancel at any time, online");

		assertThat(new PortalSession(port).get("/checkout/thanks/" + sub).status()).as("not someone else's").isEqualTo(404);
	}

	@Test
	void aBuyerInAStateWithoutTheBoxAgreesByTheButtonAndADeclinedCardBuysNothing() {
		String account = accountIn("US", "TX");
		PortalSession browser = new PortalSession(port).signIn(api, account);
		PortalSession.Page page = browser.get("/checkout/vpn-annual");
		assertThat(page.body()).contains("Subscribe — renews automatically at $49.99 a year until you cancel")
			.doesNotContain("id=\"agree\"");

		PortalSession.Page declined = browser.post("/checkout/vpn-annual",
				Map.of("disclosureId", disclosureId(page.body()), "card", "tok_chargeDeclined"));
		assertThat(declined.status()).isEqualTo(402);
		assertThat(declined.body()).contains("Your card was declined. Nothing was charged");
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isZero();

		String savedCard = api.get("/accounts/" + account + "/payment-methods").json().path("data").values().stream()
			.filter(pm -> pm.path("last4").asString().equals("4242"))
			.findFirst()
			.orElseThrow()
			.path("id")
			.asString();
		PortalSession.Page bought = browser.post("/checkout/vpn-annual",
				Map.of("disclosureId", disclosureId(declined.body()), "card", savedCard));
		assertThat(bought.location()).contains("/checkout/thanks/");
		JsonNode consent = api.get("/accounts/" + account + "/consents").json().path("data").get(0);
		assertThat(consent.path("method").asString()).isEqualTo("BUTTON");
		assertThat(consent.path("channel").asString()).isEqualTo("CHECKOUT");
	}

	@Test
	void aDisclosureOfAnotherAccountIsNotAcceptedOnThePage() {
		String mine = accountIn("DE", null);
		String theirs = fixtures.disclosure(accountIn("US", "CA"), "antivirus-annual", null);
		PortalSession browser = new PortalSession(port).signIn(api, mine);
		browser.get("/checkout/antivirus-annual");
		PortalSession.Page refused = browser.post("/checkout/antivirus-annual",
				Map.of("disclosureId", theirs, "card", "tok_visa"));
		assertThat(refused.status()).isEqualTo(400);
		assertThat(api.get("/accounts/" + mine + "/subscriptions").json().path("data").size()).isZero();
	}
}
