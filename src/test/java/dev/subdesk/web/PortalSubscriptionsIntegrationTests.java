package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.SubdeskIntegrationTest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** "My subscriptions" and the cancel page at the HTTP level: what the customer is shown before acting. */
@SubdeskIntegrationTest
class PortalSubscriptionsIntegrationTests extends PortalTestSupport {

	@Test
	void aStoreBilledSubscriptionShowsWhereToCancelItAndNoCancelButton() {
		Customer c = customerWith("antivirus-annual");
		var store = api.post("/subscriptions",
				Map.of("accountId", c.account(), "planCode", "vpn-annual", "channel", "APP_STORE"));
		assertThat(store.status()).as(store.toString()).isEqualTo(201);
		PortalSession session = new PortalSession(port).signIn(api, c.account());

		String page = session.get("/portal").body();

		String storeSection = page.substring(page.indexOf("id=\"sub-" + store.id() + "\""));
		assertThat(storeSection).contains("Billed by the App Store").contains("https://apps.apple.com/account/subscriptions");
		assertThat(storeSection.substring(0, storeSection.indexOf("</section>")))
			.doesNotContain("/portal/subscriptions/" + store.id() + "/cancel");
		assertThat(session.get("/portal/subscriptions/" + store.id() + "/cancel").location()).endsWith("/portal");
	}

	@Test
	void addOnsAreListedUnderTheirBaseWithTheNextChargeAsACalendarDateAndAmount() {
		Customer c = customerWith("antivirus-annual");
		String addOn = fixtures.addOn(c.account(), "identity-addon-annual", c.subscription());
		PortalSession session = new PortalSession(port).signIn(api, c.account());

		String page = session.get("/portal").body();

		String base = page.substring(page.indexOf("id=\"sub-" + c.subscription() + "\""));
		assertThat(base.substring(0, base.indexOf("</section>"))).contains("id=\"sub-" + addOn + "\"")
			.contains("$59.99 on ")
			.contains("$29.99 on ");
		assertThat(page).containsPattern("\\$59\\.99 on \\d{1,2} [A-Z][a-z]+ \\d{4}");
	}

	@Test
	void acceptingTheOfferKeepsTheSubscriptionAtTheDiscountedRenewalPriceWithoutCancelling() {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, c.account());
		String cancelPage = session.get("/portal/subscriptions/" + c.subscription() + "/cancel").body();
		assertThat(cancelPage).contains("id=\"cancel-now\"").contains("id=\"offer\"");
		Matcher offer = Pattern.compile("name=\"offerId\" value=\"([^\"]+)\"").matcher(cancelPage);
		assertThat(offer.find()).isTrue();

		PortalSession.Page accepted = session.post("/portal/subscriptions/" + c.subscription() + "/offer",
				Map.of("offerId", offer.group(1)));

		assertThat(accepted.location()).endsWith("/portal");
		var subscription = fixtures.subscription(c.subscription()).json();
		assertThat(subscription.path("autoRenew").asBoolean()).isTrue();
		assertThat(subscription.path("price").path("amount").asLong()).isEqualTo(4499);
	}

	@Test
	void noOfferIsShownToACustomerInMinnesotaButTheCancelButtonIs() {
		String account = fixtures.account("US", "MN");
		fixtures.card(account, "tok_visa");
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, account);

		String cancelPage = session.get("/portal/subscriptions/" + subscription + "/cancel").body();

		assertThat(cancelPage).contains("id=\"cancel-now\"").doesNotContain("id=\"offer\"");
	}

	@Test
	void cancellingAtOnceFromTwoTabsEndsItOnceWithOneRefundAndBothShowTheSameConfirmation() throws Exception {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, c.account());
		session.get("/portal/subscriptions/" + c.subscription() + "/cancel");

		var pages = PortalWithdrawalEdgesIntegrationTests.atOnce(
				() -> session.post("/portal/subscriptions/" + c.subscription() + "/cancel", Map.of("mode", "IMMEDIATE")));

		assertThat(pages).extracting(PortalSession.Page::status).containsOnly(302);
		assertThat(pages.get(0).location()).contains("/portal/cancellations/CXL-").isEqualTo(pages.get(1).location());
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("CANCELLED");
		assertThat(api.get("/accounts/" + c.account() + "/charges").json().path("data").get(0).path("refundedAmount")
			.asLong()).isEqualTo(5999);
		assertThat(noticeTypes(c.account()).stream().filter("CANCELLATION_CONFIRMATION"::equals)).hasSize(1);
		assertThat(noticeTypes(c.account()).stream().filter("REFUND_ISSUED"::equals)).hasSize(1);
	}
}
