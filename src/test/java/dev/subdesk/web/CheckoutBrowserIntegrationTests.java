package dev.subdesk.web;

import static dev.subdesk.web.PortalBrowser.assertAccessible;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The hosted checkout in a real browser (issue 12): a purchase with an axe-core scan of every page on the way, a
 * purchase with the keyboard alone, and the page on a 375 px phone.
 */
@SubdeskIntegrationTest
class CheckoutBrowserIntegrationTests extends PortalTestSupport {

	WebDriver browser;

	@AfterEach
	void tearDown() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void aNewCustomerInCaliforniaOpensAnAccountReadsTheTermsTicksTheBoxAndSubscribes() {
		String email = Fixtures.uniqueEmail();
		startWithNewAccount("en-US,en", "/checkout/antivirus-annual", email, "Casey Browser");
		new Select(browser.findElement(By.id("new-country"))).selectByValue("US");
		browser.findElement(By.id("new-region")).sendKeys("CA");
		String account = openAccountAndSignIn(email, "/checkout/antivirus-annual");

		assertAccessible(browser);
		WebElement button = browser.findElement(By.id("subscribe"));
		assertThat(button.getText()).isEqualTo("Subscribe — renews automatically at $59.99 a year until you cancel");
		WebElement box = browser.findElement(By.id("agree"));
		assertThat(box.isSelected()).as("the consent box starts unticked").isFalse();
		assertThat(browser.findElement(By.id("terms")).getText()).contains("$59.99 today", "until you cancel",
				"To stop the next charge, cancel before");
		assertThat(browser.findElement(By.id("terms")).isDisplayed()).isTrue();
		PortalBrowser.screenshot(browser, "checkout-california");
		button.click();
		PortalBrowser.waitForText(browser, "Tick the box");
		assertAccessible(browser);
		browser.findElement(By.id("agree")).click();
		browser.findElement(By.id("subscribe")).click();
		waitForPath("/checkout/thanks/");
		assertAccessible(browser);
		assertThat(browser.findElement(By.id("order")).getText()).contains("ORD-");
		assertThat(api.get("/accounts/" + account + "/consents").json().path("data").get(0).path("channel").asString())
			.isEqualTo("CHECKOUT");
	}

	@Test
	void aKeyboardAloneSignsInWithTheEmailedCodeAndSubscribes() {
		String account = fixtures.account("US", "NY");
		String email = email(account);
		browser = PortalBrowser.start("en-US,en");
		browser.get(url("/checkout/vpn-annual"));
		tabTo(e -> "signin-email".equals(e.getAttribute("id"))).sendKeys(email + Keys.ENTER);
		waitForEnd("/portal/sign-in/code");
		tabTo(e -> "code".equals(e.getAttribute("id"))).sendKeys(PortalSession.latestCode(api, account) + Keys.ENTER);
		waitForEnd("/checkout/vpn-annual");
		tabTo(e -> "card-0".equals(e.getAttribute("id")));
		WebElement subscribe = tabTo(e -> "subscribe".equals(e.getAttribute("id")));
		assertThat(subscribe.getText()).isEqualTo("Subscribe — renews automatically at $49.99 a year until you cancel");
		subscribe.sendKeys(Keys.ENTER);
		waitForPath("/checkout/thanks/");
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").get(0).path("planCode")
			.asString()).isEqualTo("vpn-annual");
		assertThat(api.get("/accounts/" + account + "/consents").json().path("data").get(0).path("method").asString())
			.isEqualTo("BUTTON");
	}

	@Test
	void aNewCustomerInGermanyOpensAnAccountReadsTheGermanTermsAndOrdersWithTheButtonTheLawNames() {
		String email = Fixtures.uniqueEmail();
		startWithNewAccount("de-DE,de", "/checkout/total-annual", email, "Greta Browser");
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Acme Total Security, jährlich abonnieren");
		new Select(browser.findElement(By.id("new-country"))).selectByVisibleText("Deutschland");
		String account = openAccountAndSignIn(email, "/checkout/total-annual");

		assertAccessible(browser);
		WebElement button = browser.findElement(By.id("subscribe"));
		assertThat(button.getText()).isEqualTo("Zahlungspflichtig bestellen");
		assertThat(browser.findElement(By.id("subscribe-note")).getText())
			.isEqualTo("Das Abonnement verlängert sich automatisch für 119,99 $ pro Jahr, bis Sie kündigen.");
		String shown = browser.findElement(By.id("terms"))
			.findElements(By.tagName("p"))
			.stream()
			.map(WebElement::getText)
			.collect(java.util.stream.Collectors.joining("\n"));
		assertThat(shown).contains("Widerrufsrecht", "119,99", "Um die nächste Abbuchung zu verhindern");
		PortalBrowser.screenshot(browser, "checkout-germany");
		button.click();
		waitForPath("/checkout/thanks/");
		assertAccessible(browser);
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Vielen Dank");
		String recorded = api.get("/accounts/" + account + "/consents").json().path("data").get(0).path("text").asString();
		assertThat(recorded.replace('\u00a0', ' ')).as("the recorded text is the German text the page showed")
			.isEqualTo(shown.replace('\u00a0', ' '));
	}

	@Test
	void theTermsComeBeforeThePaymentChoiceInDocumentOrder() {
		String account = fixtures.account("US", "NY");
		browser = PortalBrowser.start("en-US,en");
		browser.get(url("/checkout/vpn-annual"));
		browser.findElement(By.id("signin-email")).sendKeys(email(account));
		browser.findElement(By.id("send-code")).click();
		waitForEnd("/portal/sign-in/code");
		browser.findElement(By.id("code")).sendKeys(PortalSession.latestCode(api, account));
		browser.findElement(By.id("sign-in")).click();
		waitForEnd("/checkout/vpn-annual");

		WebElement terms = browser.findElement(By.id("terms"));
		WebElement payWith = browser.findElement(By.id("card-0")).findElement(By.xpath("ancestor::fieldset"));
		Object order = ((org.openqa.selenium.JavascriptExecutor) browser)
			.executeScript("return arguments[0].compareDocumentPosition(arguments[1]);", terms, payWith);
		assertThat(((Number) order).intValue() & 4)
			.as("R-US-1: the terms are shown before the payment details are taken (DOCUMENT_POSITION_FOLLOWING)")
			.isEqualTo(4);
		assertThat(terms.isDisplayed()).isTrue();
		assertAccessible(browser);
	}

	@Test
	void theCheckoutFitsA375PixelPhone() {
		String account = fixtures.account("US", "CA");
		browser = PortalBrowser.start("en-US,en");
		PortalBrowser.viewport(browser, 375, 812, true);
		browser.get(url("/checkout/total-annual"));
		assertFits("checkout-start");
		browser.findElement(By.id("signin-email")).sendKeys(email(account));
		browser.findElement(By.id("send-code")).click();
		waitForEnd("/portal/sign-in/code");
		browser.findElement(By.id("code")).sendKeys(PortalSession.latestCode(api, account));
		browser.findElement(By.id("sign-in")).click();
		waitForEnd("/checkout/total-annual");
		assertFits("checkout");
	}

	/** A browser in {@code languages} on a checkout page (scanned by axe-core), with the new account's email and name typed. */
	private void startWithNewAccount(String languages, String checkout, String email, String name) {
		browser = PortalBrowser.start(languages);
		browser.get(url(checkout));
		assertAccessible(browser);
		browser.findElement(By.id("new-email")).sendKeys(email);
		browser.findElement(By.id("new-name")).sendKeys(name);
	}

	/** Sends the filled account form, signs in with the emailed code and waits for the checkout page: the account. */
	private String openAccountAndSignIn(String email, String checkout) {
		browser.findElement(By.id("open-account")).click();
		waitForEnd("/portal/sign-in/code");
		assertThat(api.get("/accounts?email=" + email).json().path("data").size()).as("opened once the code is entered")
			.isZero();
		browser.findElement(By.id("code")).sendKeys(PortalSession.latestCodeTo(api, email));
		browser.findElement(By.id("sign-in")).click();
		waitForEnd(checkout);
		return api.get("/accounts?email=" + email).json().path("data").get(0).path("id").asString();
	}

	private void assertFits(String name) {
		assertThat(PortalBrowser.widths(browser))
			.as("%s is wider than 375 px; sticking out: %s", browser.getCurrentUrl(), PortalBrowser.overflowing(browser, 375))
			.allMatch(width -> width <= 375);
		assertAccessible(browser);
		PortalBrowser.fullPageScreenshot(browser, "phone-" + name);
	}

	private WebElement tabTo(java.util.function.Predicate<WebElement> wanted) {
		return PortalBrowser.tabTo(browser, wanted);
	}

	private void waitForEnd(String suffix) {
		PortalBrowser.waitForEnd(browser, suffix);
	}

	private void waitForPath(String part) {
		PortalBrowser.waitForPath(browser, part);
	}
}
