package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** "My subscriptions" and the cancel page at the HTTP level: what the customer is shown before acting. */
@SubdeskIntegrationTest
class PortalSubscriptionsIntegrationTests extends PortalTestSupport {

	@org.springframework.beans.factory.annotation.Autowired
	org.springframework.jdbc.core.simple.JdbcClient jdbc;

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
	void aGermanCustomerReadsTheStoresStepsAndTheOrderEmailInGermanWhileTheApiStaysEnglish() {
		String account = fixtures.account("DE", null);
		var apple = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "vpn-annual", "channel", "APP_STORE"));
		var google = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "utilities-annual", "channel", "GOOGLE_PLAY"));
		assertThat(google.status()).as(google.toString()).isEqualTo(201);
		PortalSession session = new PortalSession(port).signIn(api, account);

		String page = session.get("/portal").body();

		String appleSection = section(page, apple.id());
		assertThat(appleSection).contains("Öffnen Sie den App Store auf dem Gerät")
			.contains("„Abonnement kündigen“")
			.contains("Der App Store rechnet sie ab und beendet sie.")
			.contains("https://apps.apple.com/account/subscriptions")
			.doesNotContain("Choose Subscriptions");
		assertThat(section(page, google.id())).contains("Öffnen Sie Google Play auf dem Gerät")
			.contains("„Abo kündigen“")
			.doesNotContain("Choose Cancel subscription");
		// integrators read the API's steps in English, whoever the customer is
		var quote = api.post("/subscriptions/" + apple.id() + "/cancellation-quote", Map.of());
		assertThat(quote.json().path("channelInstructions").path("steps").get(0).asString())
			.startsWith("Open the App Store on the device");
		// and the order email names the store in German
		assertThat(noticeBodies(account)).anyMatch(body -> body.contains("Dieses Abonnement rechnet der App Store ab"))
			.anyMatch(body -> body.contains("Dieses Abonnement rechnet Google Play ab"))
			.noneMatch(body -> body.contains("the App Store"));
	}

	private static String section(String page, String subscription) {
		String from = page.substring(page.indexOf("id=\"sub-" + subscription + "\""));
		return from.substring(0, from.indexOf("</section>"));
	}

	private java.util.List<String> noticeBodies(String account) {
		return api.get("/accounts/" + account + "/notices?limit=50").json().path("data").values().stream()
			.map(n -> n.path("body").asString())
			.toList();
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

	/**
	 * An offer id that is not the subscription's open offer (another customer's, on a subscription the customer never
	 * asked to cancel) is not found, and makes no offer on the customer's subscription (nobody was shown one) nor
	 * answers the other customer's.
	 */
	@Test
	void acceptingAnOfferIdThatIsNotTheSubscriptionsOpenOfferMakesNoOfferAndChangesNothing() {
		Customer c = customerWith("antivirus-annual");
		Customer other = customerWith("antivirus-annual");
		String othersOffer = api.post("/subscriptions/" + other.subscription() + "/cancellation-quote", Map.of()).json()
			.path("offer").path("id").asString();
		assertThat(othersOffer).startsWith("off_");
		PortalSession session = new PortalSession(port).signIn(api, c.account());

		PortalSession.Page refused = session.post("/portal/subscriptions/" + c.subscription() + "/offer",
				Map.of("offerId", othersOffer));

		assertThat(refused.status()).isEqualTo(404);
		assertThat(jdbc.sql("SELECT count(*) FROM offers WHERE subscription_id = :s").param("s", c.subscription())
			.query(Long.class).single()).as("no offer made").isZero();
		assertThat(jdbc.sql("SELECT status FROM offers WHERE id = :id").param("id", othersOffer).query(String.class)
			.single()).isEqualTo("OPEN");
		assertThat(fixtures.subscription(c.subscription()).json().path("price").path("amount").asLong()).isEqualTo(5999);
	}

	/**
	 * Invariant 5: an offer is accepted only as the customer saw it. When its terms change between the cancel page and the
	 * click (here the plan's retention percent, so its price), nothing is accepted: the offer stays open and the renewal
	 * price stays, and the customer is back on the cancel page, told that the offer changed, with the offer as it stands.
	 */
	@Test
	void anOfferWhoseTermsChangedSinceTheCancelPageIsNotAcceptedAndTheCancelPageShowsItAsItStands() {
		String plan = fixtures.plan("portal-offer-terms", "P1Y", 1000);
		String account = accountWithVisa();
		String subscription = fixtures.subscribe(account, plan);
		PortalSession session = new PortalSession(port).signIn(api, account);
		String cancelPage = session.get("/portal/subscriptions/" + subscription + "/cancel").body();
		assertThat(cancelPage).contains("costs $7.50 instead of $10.00 (25% off)");
		Matcher offer = Pattern.compile("name=\"offerId\" value=\"([^\"]+)\"").matcher(cancelPage);
		assertThat(offer.find()).isTrue();
		var changed = api.patch("/plans/" + plan, Map.of("retentionOffer", Map.of("percentOff", 40)));
		assertThat(changed.status()).as(changed.toString()).isEqualTo(200);

		PortalSession.Page refused = session.post("/portal/subscriptions/" + subscription + "/offer",
				Map.of("offerId", offer.group(1)));

		assertThat(refused.status()).as(refused.body()).isEqualTo(302);
		assertThat(refused.location()).endsWith("/portal/subscriptions/" + subscription + "/cancel");
		assertThat(jdbc.sql("SELECT status FROM offers WHERE id = :id").param("id", offer.group(1)).query(String.class)
			.single()).as("not accepted").isEqualTo("OPEN");
		assertThat(fixtures.subscription(subscription).json().path("price").path("amount").asLong())
			.as("no discount applied").isEqualTo(1000);
		String shownAgain = session.get("/portal/subscriptions/" + subscription + "/cancel").body();
		assertThat(shownAgain).contains("This offer changed since you saw it, so it was not accepted")
			.contains("costs $6.00 instead of $10.00 (40% off)")
			.doesNotContain("$7.50");
		assertThat(jdbc.sql("SELECT status FROM offers WHERE id = :id").param("id", offer.group(1)).query(String.class)
			.single()).isEqualTo("OPEN");
		assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200);
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

	/**
	 * R-DE-7: for a customer in Germany, retention content sits beside the cancellation, never before it, in place of
	 * it or in its way: the portal's cancel page shows the whole cancel form, "Cancel now" included, and after it an
	 * {@code <aside>} with the offer, a form of its own; the public "Verträge hier kündigen" form shows no offer at all.
	 */
	@Test
	void aGermanCustomersOfferSitsBesideTheCancelFormNotBeforeItAndThePublicFormShowsNone() {
		String account = fixtures.account("DE", null);
		fixtures.card(account, "tok_visa");
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		String order = fixtures.subscription(subscription).text("orderNumber");
		PortalSession session = new PortalSession(port).signIn(api, account);

		String cancelPage = session.get("/portal/subscriptions/" + subscription + "/cancel").body();

		String cancelForm = "action=\"/portal/subscriptions/" + subscription + "/cancel\"";
		int form = cancelPage.indexOf(cancelForm);
		int cancelNow = cancelPage.indexOf("id=\"cancel-now\"");
		int formEnd = cancelPage.indexOf("</form>", cancelNow);
		Matcher aside = Pattern.compile("<aside[^>]*id=\"offer\"[^>]*>(.*?)</aside>", Pattern.DOTALL).matcher(cancelPage);
		assertThat(form).as("the cancel form").isPositive();
		assertThat(cancelNow).as("its \"Cancel now\" button").isGreaterThan(form);
		assertThat(aside.find()).as("an offer, in an aside of its own").isTrue();
		assertThat(aside.start()).as("beside the cancel form, after the whole of it: not before it, not inside it")
			.isGreaterThan(formEnd);
		assertThat(cancelPage.substring(0, form)).as("no offer before the cancel form").doesNotContain("/offer");
		assertThat(aside.group(1)).contains("/portal/subscriptions/" + subscription + "/offer")
			.doesNotContain(cancelForm);
		Matcher description = Pattern.compile("<p>([^<]+)</p>").matcher(aside.group(1));
		assertThat(description.find()).as("the offer's description").isTrue();

		PortalSession.Page publicForm = new PortalSession(port).get("/cancel?order=" + order);

		assertThat(publicForm.status()).isEqualTo(200);
		assertThat(publicForm.body()).contains("action=\"/cancel\"")
			.doesNotContain("id=\"offer\"")
			.doesNotContain("/offer")
			.doesNotContain("<aside")
			.doesNotContain(description.group(1));
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
