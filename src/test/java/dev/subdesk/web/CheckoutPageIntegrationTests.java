package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.Mailbox;
import dev.subdesk.testing.SubdeskIntegrationTest;
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
		assertThat(api.get("/accounts?email=" + email).json().path("data").size()).as("opened once the code proves the email")
			.isZero();
		browser.get("/portal/sign-in/code");
		PortalSession.Page signedIn = browser.post("/portal/sign-in/code",
				Map.of("code", PortalSession.latestCodeTo(api, email)));
		assertThat(signedIn.location()).as("back to the checkout").endsWith("/checkout/antivirus-annual");
		String account = api.get("/accounts?email=" + email).json().path("data").get(0).path("id").asString();
		assertThat(api.get("/accounts/" + account).text("region")).isEqualTo("CA");

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
		assertThat(api.get("/accounts/" + account + "/payment-methods").json().path("data").values())
			.as("the declined card typed for the purchase is not kept").extracting(pm -> pm.path("last4").asString())
			.containsExactly("4242");

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

		// the same form sent again (a second click, the back button) shows what it bought and buys nothing more
		PortalSession.Page again = browser.post("/checkout/vpn-annual",
				Map.of("disclosureId", disclosureId(declined.body()), "card", savedCard));
		assertThat(again.location()).isEqualTo(bought.location());
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isEqualTo(1);
	}

	@Test
	void aUsBuyerWhoseStateIsUnknownGetsTheSeparateUntickedBoxAndTheConsentIsRecordedAsTicked() {
		String account = accountIn("US", null);
		PortalSession browser = new PortalSession(port).signIn(api, account);
		String body = browser.get("/checkout/antivirus-annual").body();
		assertThat(body).as("the state unknown: the strictest state's box (R-CA-1/2)").contains("type=\"checkbox\" id=\"agree\"")
			.doesNotContain("checked=\"checked\" id=\"agree\"");

		PortalSession.Page unticked = browser.post("/checkout/antivirus-annual",
				Map.of("disclosureId", disclosureId(body), "card", "tok_visa"));
		assertThat(unticked.status()).isEqualTo(400);
		assertThat(unticked.body()).contains("Tick the box");
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isZero();

		PortalSession.Page bought = browser.post("/checkout/antivirus-annual",
				Map.of("disclosureId", disclosureId(unticked.body()), "card", "tok_visa", "agree", "yes"));
		assertThat(bought.location()).as(bought.body()).contains("/checkout/thanks/sub_");
		JsonNode consent = api.get("/accounts/" + account + "/consents").json().path("data").get(0);
		assertThat(consent.path("method").asString()).isEqualTo("CHECKBOX");
		assertThat(consent.path("channel").asString()).isEqualTo("CHECKOUT");
	}

	/** The words of the page's separate consent box, as shown. */
	static String boxWords(String body) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("<label for=\"agree\">([^<]*)</label>").matcher(body);
		assertThat(m.find()).as(body).isTrue();
		return org.springframework.web.util.HtmlUtils.htmlUnescape(m.group(1));
	}

	/** The words of the page's order button, as shown. */
	static String buttonWords(String body) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("id=\"subscribe\"[^>]*>([^<]*)</button>").matcher(body);
		assertThat(m.find()).as(body).isTrue();
		return org.springframework.web.util.HtmlUtils.htmlUnescape(m.group(1));
	}

	@Test
	void aTrialAsksForTheSeparateUntickedBoxNamingTheTrialsEndAndFirstChargeWhereverTheBuyerLives() {
		for (String[] where : new String[][] { { "US", "TX" }, { "GB", null }, { "CA", null } }) {
			String account = accountIn(where[0], where[1]);
			PortalSession browser = new PortalSession(port).signIn(api, account);
			String body = browser.get("/checkout/vpn-monthly-trial").body();
			java.util.regex.Matcher end = java.util.regex.Pattern
				.compile("charged automatically to your card on (\\d{1,2} [A-Z][a-z]+ \\d{4}) \\(the end of the trial\\)")
				.matcher(termsShown(body));
			assertThat(end.find()).as(termsShown(body)).isTrue();
			assertThat(body).as("%s: a trial that converts to paid asks separately (R-CARD-1)", where[0])
				.contains("type=\"checkbox\" id=\"agree\"")
				.doesNotContain("checked=\"checked\" id=\"agree\"");
			assertThat(boxWords(body)).as("the box names the trial's end and the first charge")
				.contains("14-day free trial", "ends on " + end.group(1), "first charge", "$4.99");

			PortalSession.Page unticked = browser.post("/checkout/vpn-monthly-trial",
					Map.of("disclosureId", disclosureId(body), "card", "tok_visa"));
			assertThat(unticked.status()).as(where[0]).isEqualTo(400);
			assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isZero();
			PortalSession.Page bought = browser.post("/checkout/vpn-monthly-trial",
					Map.of("disclosureId", disclosureId(unticked.body()), "card", "tok_visa", "agree", "yes"));
			assertThat(bought.location()).as(bought.body()).contains("/checkout/thanks/sub_");
			JsonNode consent = api.get("/accounts/" + account + "/consents").json().path("data").get(0);
			assertThat(consent.path("method").asString()).as(where[0]).isEqualTo("CHECKBOX");
		}
	}

	@Test
	void aTrialBoughtThroughTheApiWithTheButtonIsStillAcceptedAndRecordedAsTheButton() {
		String account = accountIn("US", "TX");
		String disclosure = fixtures.disclosure(account, "vpn-monthly-trial", null);
		Api.Response bought = api.post("/subscriptions", Map.of("accountId", account, "planCode", "vpn-monthly-trial",
				"consent", Map.of("disclosureId", disclosure, "method", "BUTTON")));
		assertThat(bought.status()).as("the contract accepts any method: %s", bought).isEqualTo(201);
		assertThat(api.get("/subscriptions/" + bought.id() + "/consents").json().path("data").get(0).path("method")
			.asString()).as("the record shows the method the vendor's page used").isEqualTo("BUTTON");
	}

	@Test
	void theConsentRecordKeepsTheWordsOfTheBoxAndButtonThePageShowedAndTheApiListsNoNewField(
			@org.springframework.beans.factory.annotation.Autowired org.springframework.jdbc.core.simple.JdbcClient jdbc) {
		String words = "SELECT control_words FROM consents WHERE subscription_id = :s";

		String californian = accountIn("US", "CA");
		PortalSession browser = new PortalSession(port).signIn(api, californian);
		String body = browser.get("/checkout/antivirus-annual").body();
		String bought = browser.post("/checkout/antivirus-annual",
				Map.of("disclosureId", disclosureId(body), "card", "tok_visa", "agree", "yes")).location();
		String sub = bought.substring(bought.lastIndexOf('/') + 1);
		String ticked = boxWords(body) + "\n" + buttonWords(body);
		assertThat(jdbc.sql(words).param("s", sub).query(String.class).single())
			.as("the box ticked, then the button clicked, in the words shown").isEqualTo(ticked);

		String german = accountIn("DE", null);
		browser = new PortalSession(port).signIn(api, german);
		body = browser.get("/checkout/antivirus-annual").body();
		bought = browser.post("/checkout/antivirus-annual", Map.of("disclosureId", disclosureId(body), "card", "tok_visa"))
			.location();
		sub = bought.substring(bought.lastIndexOf('/') + 1);
		assertThat(jdbc.sql(words).param("s", sub).query(String.class).single())
			.as("the note beside the order button, then the button")
			.isEqualTo("Das Abonnement verlängert sich automatisch für 59,99\u00a0$ pro Jahr, bis Sie kündigen.\n"
					+ "Zahlungspflichtig bestellen");

		String texan = accountIn("US", "TX");
		String disclosure = fixtures.disclosure(texan, "vpn-annual", null);
		Api.Response viaApi = api.post("/subscriptions", Map.of("accountId", texan, "planCode", "vpn-annual",
				"consent", Map.of("disclosureId", disclosure, "method", "BUTTON")));
		assertThat(viaApi.status()).as(viaApi.toString()).isEqualTo(201);
		assertThat(jdbc.sql(words).param("s", viaApi.id()).query(String.class).optional())
			.as("the vendor's own page showed its words: not known here").isEmpty();

		JsonNode listed = api.get("/subscriptions/" + sub + "/consents").json().path("data").get(0);
		assertThat(listed.propertyNames()).as("API.md's fields, nothing more")
			.containsExactlyInAnyOrder("id", "subscriptionId", "disclosureId", "text", "textSha256", "method",
					"acceptedAt", "channel");

		assertThat(api.post("/accounts/" + californian + "/close", Map.of()).status()).isEqualTo(200);
		String kept = jdbc.sql("SELECT control_words FROM consents WHERE account_id = :a").param("a", californian)
			.query(String.class).single();
		assertThat(kept).as("kept after closure: the server's words, nothing of the person").isEqualTo(ticked)
			.doesNotContain(email(californian));
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

	/** The disclosure's paragraphs as the page showed them, joined as the text is stored. */
	static String termsShown(String body) {
		String terms = body.substring(body.indexOf("id=\"terms\""), body.indexOf("</section>", body.indexOf("id=\"terms\"")));
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("<p>([^<]*)</p>").matcher(terms);
		java.util.List<String> lines = new java.util.ArrayList<>();
		while (m.find()) {
			lines.add(org.springframework.web.util.HtmlUtils.htmlUnescape(m.group(1)));
		}
		return String.join("\n", lines);
	}

	@Test
	void aCustomerInGermanyBuysOnAGermanPageWithTheOrderButtonTheLawNamesAndTheGermanTextIsWhatIsRecorded() {
		PortalSession signedOut = new PortalSession(port, "de-DE,de");
		assertThat(signedOut.get("/checkout/antivirus-annual").body()).contains("Acme Antivirus, jährlich abonnieren",
				"59,99\u00a0$ pro Jahr", "Code per E-Mail senden", "Konto eröffnen und Code per E-Mail senden",
				"Deutschland");
		PortalSession.Page wrongEmail = signedOut.post("/checkout/antivirus-annual/sign-in", Map.of("email", "nobody"));
		assertThat(wrongEmail.status()).isEqualTo(400);
		assertThat(wrongEmail.body()).contains("Geben Sie die E-Mail-Adresse Ihres Kontos ein.");

		String account = accountIn("DE", null);
		PortalSession browser = new PortalSession(port, "en-US,en").signIn(api, account);
		PortalSession.Page page = browser.get("/checkout/antivirus-annual");
		String body = page.body();
		assertThat(body).as("the account's country decides, as in the portal").contains("lang=\"de\"",
				"Acme Antivirus, jährlich abonnieren", "Dem stimmen Sie zu", "Bezahlen mit",
				">Zahlungspflichtig bestellen</button>",
				"Das Abonnement verlängert sich automatisch für 59,99\u00a0$ pro Jahr, bis Sie kündigen.")
			.doesNotContain("id=\"agree\"", "Subscribe —");
		String shown = termsShown(body);
		assertThat(shown).contains("Acme Antivirus, jährlich: heute (", ") 59,99\u00a0$, danach 59,99\u00a0$ pro Jahr.",
				"Um die nächste Abbuchung zu verhindern, kündigen Sie vor dem ", "Geld-zurück-Garantie",
				"Widerrufsrecht: Sie können diesen Vertrag binnen 14 Tagen ohne Angabe von Gründen widerrufen",
				"/withdraw („Vertrag widerrufen“)", "Die Leistung beginnt sofort")
			.containsPattern("kündigen Sie vor dem \\d{1,2}\\. [A-Z][a-zä]+ \\d{4}\\.")
			.doesNotContain("$59.99", "today", "Right of withdrawal");

		PortalSession.Page noCard = browser.post("/checkout/antivirus-annual",
				Map.of("disclosureId", disclosureId(body), "card", "tok_nothing"));
		assertThat(noCard.status()).isEqualTo(400);
		assertThat(noCard.body()).contains("Wählen Sie die Karte, mit der Sie bezahlen.");

		PortalSession.Page bought = browser.post("/checkout/antivirus-annual",
				Map.of("disclosureId", disclosureId(noCard.body()), "card", "tok_visa"));
		assertThat(bought.location()).as(bought.body()).contains("/checkout/thanks/sub_");
		String sub = bought.location().substring(bought.location().lastIndexOf('/') + 1);
		assertThat(browser.get("/checkout/thanks/" + sub).body()).contains("Vielen Dank", "Ihre Bestellung ORD-",
				"verlängert sich automatisch am", "59,99\u00a0$", "Ihre Abonnements");

		JsonNode consent = api.get("/subscriptions/" + sub + "/consents").json().path("data").get(0);
		String recorded = consent.path("text").asString();
		assertThat(recorded).as("the record keeps the German words the page showed")
			.isEqualTo(termsShown(noCard.body()));
		assertThat(consent.path("textSha256").asString()).isEqualTo(dev.subdesk.checkout.Disclosures.sha256(recorded));
		assertThat(consent.path("method").asString()).isEqualTo("BUTTON");
		assertThat(consent.path("channel").asString()).isEqualTo("CHECKOUT");
	}

	@Test
	void aGermanTrialIsOrderedWithTheSameButtonAfterTickingTheTrialsBoxAndItsTextSaysNothingIsChargedUntilTheTrialEnds() {
		String account = accountIn("AT", null);
		PortalSession browser = new PortalSession(port, "en").signIn(api, account);
		String body = browser.get("/checkout/vpn-monthly-trial").body();
		assertThat(body).contains(">Zahlungspflichtig bestellen</button>",
				"Nach 14 Tagen kostenlosem Test kostenpflichtig: Das Abonnement verlängert sich automatisch für 4,99\u00a0$ pro Monat");
		assertThat(termsShown(body)).contains("14 Tage kostenloser Test, heute (", "wird nichts abgebucht",
				"Um gar nichts zu bezahlen, kündigen Sie vor dem ", "Wir erinnern Sie 7 Tage vor dem Ende des Tests.",
				"Widerrufsrecht");
		assertThat(body).as("a trial that converts to paid asks separately (R-CARD-1)").contains("type=\"checkbox\" id=\"agree\"");
		assertThat(boxWords(body)).contains("14-tägiger kostenloser Test", "erste Abbuchung", "4,99\u00a0$");
		PortalSession.Page bought = browser.post("/checkout/vpn-monthly-trial",
				Map.of("disclosureId", disclosureId(body), "card", "tok_visa", "agree", "yes"));
		String sub = bought.location().substring(bought.location().lastIndexOf('/') + 1);
		assertThat(browser.get("/checkout/thanks/" + sub).body()).contains("Ihr kostenloser Test läuft bis");
		JsonNode consent = api.get("/subscriptions/" + sub + "/consents").json().path("data").get(0);
		assertThat(consent.path("text").asString()).isEqualTo(termsShown(body));
		assertThat(consent.path("method").asString()).isEqualTo("CHECKBOX");
	}

	@Test
	void viewingTheCheckoutPageAgainShowsTheSameDisclosureAndStoresNoNewOne(
			@org.springframework.beans.factory.annotation.Autowired org.springframework.jdbc.core.simple.JdbcClient jdbc) {
		String account = accountIn("US", "TX");
		PortalSession browser = new PortalSession(port).signIn(api, account);
		String first = disclosureId(browser.get("/checkout/vpn-annual").body());
		String again = disclosureId(browser.get("/checkout/vpn-annual").body());
		String other = disclosureId(browser.get("/checkout/antivirus-annual").body());

		assertThat(again).as("a reload shows the disclosure still valid").isEqualTo(first);
		assertThat(other).as("another plan has its own").isNotEqualTo(first);
		assertThat(jdbc.sql("SELECT count(*) FROM disclosures WHERE account_id = :a").param("a", account)
			.query(Long.class).single()).as("one row per plan, not per view").isEqualTo(2);

		PortalSession.Page bought = browser.post("/checkout/vpn-annual", Map.of("disclosureId", first, "card", "tok_visa"));
		assertThat(bought.location()).contains("/checkout/thanks/");
		assertThat(disclosureId(browser.get("/checkout/vpn-annual").body()))
			.as("one that backs a sale is never shown for another").isNotEqualTo(first);
	}

	@Test
	void thePageNeverShowsADisclosureAnIntegratorMadeAndTheIntegratorsPurchaseWithItGoesThroughAfterTheCustomerBought() {
		String account = accountIn("US", "TX");
		Api.Response made = api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", "vpn-annual"));
		assertThat(made.status()).as(made.toString()).isEqualTo(201);
		String integrators = made.id();

		PortalSession browser = new PortalSession(port).signIn(api, account);
		String shown = disclosureId(browser.get("/checkout/vpn-annual").body());
		assertThat(shown).as("the page writes its own disclosure, the integrator's stays the integrator's")
			.isNotEqualTo(integrators);
		assertThat(disclosureId(browser.get("/checkout/vpn-annual").body())).as("a reload still shows the page's own")
			.isEqualTo(shown);

		PortalSession.Page bought = browser.post("/checkout/vpn-annual", Map.of("disclosureId", shown, "card", "tok_visa"));
		assertThat(bought.location()).as(bought.body()).contains("/checkout/thanks/sub_");

		Api.Response purchase = api.post("/subscriptions", Map.of("accountId", account, "planCode", "vpn-annual",
				"consent", Map.of("disclosureId", integrators, "method", "BUTTON")));
		assertThat(purchase.status()).as("the integrator's purchase with its own disclosure: %s", purchase).isEqualTo(201);
		JsonNode consent = api.get("/subscriptions/" + purchase.id() + "/consents").json().path("data").get(0);
		assertThat(consent.path("disclosureId").asString()).isEqualTo(integrators);
		assertThat(consent.path("channel").asString()).isEqualTo("API");
	}

	@Test
	void anIntegratorsDisclosureIsAlwaysANewOneEvenWhileThePageShowsOne() {
		String account = accountIn("US", "TX");
		PortalSession browser = new PortalSession(port).signIn(api, account);
		String shown = disclosureId(browser.get("/checkout/vpn-annual").body());

		Api.Response made = api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", "vpn-annual"));
		assertThat(made.status()).as(made.toString()).isEqualTo(201);
		assertThat(made.id()).as("the API is never handed the page's disclosure").isNotEqualTo(shown);
		Api.Response again = api.post("/checkout/disclosures", Map.of("accountId", account, "planCode", "vpn-annual"));
		assertThat(again.id()).as("each call makes a new one").isNotEqualTo(made.id()).isNotEqualTo(shown);
		assertThat(disclosureId(browser.get("/checkout/vpn-annual").body()))
			.as("nor does the page take up what the API made since").isEqualTo(shown);

		Api.Response purchase = api.post("/subscriptions", Map.of("accountId", account, "planCode", "vpn-annual",
				"consent", Map.of("disclosureId", again.id(), "method", "BUTTON")));
		assertThat(purchase.status()).as(purchase.toString()).isEqualTo(201);
		assertThat(browser.post("/checkout/vpn-annual", Map.of("disclosureId", shown, "card", "tok_visa")).location())
			.as("the page's own still backs the customer's purchase").contains("/checkout/thanks/sub_");
	}
}
