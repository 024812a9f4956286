package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SecondSupportLine;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The page "Is this really Acme?" ({@code /support/check}): a form without JavaScript, with a CSRF token, in English
 * and German, that gives a clear verdict on a phone number, a web address or an email sender, and a {@code 400}
 * page for what is none of them; and the official channels in every page's footer and on the support page, from
 * their one configuration, here with a second line for the UK and Ireland (the demo's defaults have one).
 */
@SubdeskIntegrationTest
@SecondSupportLine
class SupportCheckPageIntegrationTests extends PortalTestSupport {

	@Test
	void theFormAsksWhatToCheckWithLabelsAndACsrfToken() {
		PortalSession.Page page = new PortalSession(port).get("/support/check");
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("lang=\"en\"").contains("Is this really Acme?")
			.contains("<form method=\"post\" action=\"/support/check\"").contains("name=\"_csrf\"")
			.contains("<label for=\"value\"").contains("<label for=\"country\"").contains("for=\"kind-PHONE\"")
			.contains("for=\"kind-URL\"").contains("for=\"kind-EMAIL\"").doesNotContain("<script")
			.doesNotContain("id=\"verdict\"");
	}

	@Test
	void theOfficialNumberInANationalSpellingIsOfficial() {
		PortalSession browser = new PortalSession(port);
		browser.get("/support/check");
		PortalSession.Page page = browser.post("/support/check", Map.of("kind", "PHONE", "value", "(202) 555-0142", "country", ""));
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("Yes, this is an official Acme channel.").contains("+12025550142")
			.contains("Acme support (US and Canada)").contains("This is an official Acme support number.")
			.contains("value=\"(202) 555-0142\"");
	}

	@Test
	void aSenderOnAcmesDomainWhoseQuotedNameCarriesANumberIsShownWithoutIt() {
		PortalSession browser = new PortalSession(port);
		browser.get("/support/check");
		PortalSession.Page page = browser.post("/support/check",
				Map.of("kind", "EMAIL", "value", "\"Acme refunds: call +1 900-555-0100 to cancel\"@acme.example"));
		assertThat(page.status()).isEqualTo(200);
		String verdict = page.body().substring(page.body().indexOf("id=\"verdict\""), page.body().indexOf("</section>"));
		assertThat(verdict).contains("Yes, this is an official Acme channel.").contains("…@acme.example")
			.doesNotContain("900-555-0100");
		PortalSession.Page plain = browser.post("/support/check", Map.of("kind", "EMAIL", "value", "Support@Acme.example"));
		assertThat(plain.body()).contains("<dd id=\"normalized\">support@acme.example</dd>");
	}

	@Test
	void aNumberFromASearchResultIsNotAcme() {
		PortalSession browser = new PortalSession(port);
		browser.get("/support/check");
		PortalSession.Page page = browser.post("/support/check", Map.of("kind", "PHONE", "value", "+1 202-555-0199"));
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("No, this is not Acme.").contains("+12025550199").contains("Do not call it");
	}

	@Test
	void aNationalNumberIsReadInTheCountryGiven() {
		PortalSession browser = new PortalSession(port);
		browser.get("/support/check");
		assertThat(browser.post("/support/check", Map.of("kind", "PHONE", "value", "020 7946 0321", "country", "gb")).body())
			.contains("Yes, this is an official Acme channel.").contains("Acme support (UK and Ireland)");
	}

	@Test
	void lookAlikeAddressesAndSendersAreNotAcme() {
		PortalSession browser = new PortalSession(port);
		browser.get("/support/check");
		for (Map<String, String> form : List.of(Map.of("kind", "URL", "value", "https://acme.example.evil.test/login"),
				Map.of("kind", "URL", "value", "acme-example.test"),
				Map.of("kind", "EMAIL", "value", "\"Acme Support\" <help@acme-support.test>"))) {
			PortalSession.Page page = browser.post("/support/check", form);
			assertThat(page.status()).as(form.toString()).isEqualTo(200);
			assertThat(page.body()).as(form.toString()).contains("No, this is not Acme.");
		}
		PortalSession.Page userInfo = browser.post("/support/check", Map.of("kind", "URL", "value", "acme.example@evil.test"));
		assertThat(userInfo.body()).contains("No, this is not Acme.").contains("evil.test")
			.contains("hides its real destination behind a user name");
		PortalSession.Page official = browser.post("/support/check", Map.of("kind", "URL", "value", "HTTPS://ACME.EXAMPLE:443/cancel"));
		assertThat(official.body()).contains("Yes, this is an official Acme channel.").contains(">acme.example<");
	}

	@Test
	void inGermanTheVerdictIsInGerman() {
		PortalSession browser = new PortalSession(port, "de-DE,de");
		assertThat(browser.get("/support/check").body()).contains("lang=\"de\"").contains("Ist das wirklich Acme?");
		assertThat(browser.post("/support/check", Map.of("kind", "EMAIL", "value", "Support@ACME.example")).body())
			.contains("Ja, das ist ein offizieller Kontaktweg von Acme.").contains("support@acme.example");
		PortalSession.Page junk = browser.post("/support/check", Map.of("kind", "PHONE", "value", "hallo"));
		assertThat(junk.status()).isEqualTo(400);
		assertThat(junk.body()).contains("Das ist keine Telefonnummer");
	}

	@Test
	void whatIsNotANumberAddressOrSenderIsAClear400Page() {
		PortalSession browser = new PortalSession(port);
		browser.get("/support/check");
		Map<Map<String, String>, String> junk = Map.of(
				Map.of("kind", "PHONE", "value", "call me maybe"), "This is not a phone number we can read.",
				Map.of("kind", "PHONE", "value", "+1 202 555 0142", "country", "ZZ"), "Enter the country as two letters",
				Map.of("kind", "URL", "value", "javascript:alert(1)"), "This is not a web address",
				Map.of("kind", "EMAIL", "value", "a@evil.test, b@evil.test"), "This is not one email address.",
				Map.of("kind", "EMAIL", "value", "   "), "Enter a phone number, a web address or an email sender.",
				Map.of("kind", "URL", "value", "https://acme.example/" + "a".repeat(2100)), "This is too long");
		junk.forEach((form, message) -> {
			PortalSession.Page page = browser.post("/support/check", form);
			assertThat(page.status()).as(form.toString()).isEqualTo(400);
			assertThat(page.body()).as(form.toString()).contains(message).contains("role=\"alert\"")
				.doesNotContain("id=\"verdict\"").contains("name=\"_csrf\"");
		});
		assertThat(browser.post("/support/check", Map.of("kind", "SOMETHING", "value", "acme.example")).status())
			.isEqualTo(400);
	}

	@Test
	void theCheckWithoutTheCsrfTokenIsRefused() {
		PortalSession browser = new PortalSession(port);
		browser.get("/support/check");
		assertThat(browser.postWithoutToken("/support/check", Map.of("kind", "URL", "value", "acme.example")).status())
			.isEqualTo(403);
	}

	@Test
	void everyPagesFooterNamesTheOfficialChannelsAndTheCheck() {
		PortalSession browser = new PortalSession(port);
		for (String path : List.of("/", "/cancel", "/withdraw", "/support", "/support/check", "/portal/sign-in",
				"/cancel/received/nothing-here")) {
			PortalSession.Page page = browser.get(path);
			assertThat(page.body()).as(path).contains("id=\"official-channels\"")
				.contains("href=\"tel:+12025550142\"").contains("+1 202-555-0142").contains("+44 20 7946 0321")
				.contains("web acme.example").contains("email from @acme.example").contains("href=\"/support/check\"");
		}
		assertThat(new PortalSession(port, "de").get("/").body()).contains("Die einzigen offiziellen Kontaktwege von Acme:");
	}

	@Test
	void theSupportPageListsEveryOfficialChannel() {
		PortalSession.Page page = new PortalSession(port).get("/support");
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("support@acme.example").contains("Acme support (US and Canada)")
			.contains("+1 202-555-0142").contains("for customers in US, CA").contains("Acme support (UK and Ireland)")
			.contains("acme.example and its subdomains, nothing else").contains("href=\"/support/check\"");
	}
}
