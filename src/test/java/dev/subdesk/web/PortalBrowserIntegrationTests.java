package dev.subdesk.web;

import static dev.subdesk.web.PortalBrowser.assertAccessible;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import tools.jackson.databind.JsonNode;

/** What a customer does in a real browser, with an axe-core scan of every page on the way. */
@SubdeskIntegrationTest
class PortalBrowserIntegrationTests extends PortalTestSupport {

	WebDriver browser;

	@AfterEach
	void tearDown() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void cancellingWithoutSigningInInGermanEndsTheContractAtTheEndOfTheTermAndShowsWhatWasSent() {
		Customer c = customerWith("antivirus-annual");
		String subscription = c.subscription();
		String order = c.orderNumber();
		browser = PortalBrowser.start("de-DE,de");

		browser.get(url("/support"));
		assertAccessible(browser);
		// the stylesheet is a file of the origin (the policy allows no inline style), and it applies
		assertThat(((org.openqa.selenium.JavascriptExecutor) browser)
			.executeScript("return getComputedStyle(document.querySelector('header.site')).backgroundColor;"))
			.isEqualTo("rgb(11, 46, 89)");
		browser.findElement(By.linkText("Verträge hier kündigen")).click();
		waitForEnd("/cancel");
		browser.get(url("/cancel?order=" + order));
		assertAccessible(browser);
		assertThat(browser.findElement(By.id("orderNumber")).getAttribute("value")).isEqualTo(order);
		assertThat(browser.findElement(By.id("timing-earliest")).isSelected()).isTrue();
		browser.findElement(By.id("name")).sendKeys("Erika Mustermann");
		browser.findElement(By.id("email")).sendKeys(c.email().toUpperCase());
		browser.findElement(By.id("confirmationEmail")).sendKeys(c.email());
		PortalBrowser.screenshot(browser, "cancel-contracts-here-de");
		var button = browser.findElement(By.id("cancel-now"));
		assertThat(button.getText()).isEqualTo("jetzt kündigen");
		button.click();
		waitForPath("/cancel/received/");

		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Wir haben Ihre Kündigung erhalten");
		assertAccessible(browser);
		JsonNode sub = fixtures.subscription(subscription).json();
		assertThat(sub.path("autoRenew").asBoolean()).isFalse();
		assertThat(sub.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(browser.findElement(By.id("received-at")).getText()).contains("UTC");
		assertThat(browser.getPageSource()).contains("Erika Mustermann").contains(order);
		assertThat(browser.findElement(By.id("download")).getAttribute("href")).contains("/text");
		assertThat(noticeTypes(c.account())).contains("CANCELLATION_CONFIRMATION", "CANCELLATION_REQUEST_RECEIVED");
	}

	@Test
	void signingInWithTheEmailedCodeThenCancellingImmediatelyShowsTheRefundAndTheConfirmationNumber() {
		Customer c = customerWith("antivirus-annual");
		String account = c.account();
		String subscription = c.subscription();
		String addOn = fixtures.addOn(account, "identity-addon-annual", subscription);
		String email = c.email();
		browser = PortalBrowser.start("en-US,en");

		browser.get(url("/"));
		assertAccessible(browser);
		browser.get(url("/portal"));
		assertThat(browser.getCurrentUrl()).endsWith("/portal/sign-in");
		assertAccessible(browser);
		browser.findElement(By.id("email")).sendKeys(email);
		browser.findElement(By.id("send-code")).click();
		waitForEnd("/portal/sign-in/code");
		assertAccessible(browser);
		browser.findElement(By.id("code")).sendKeys(PortalSession.latestCode(api, account));
		browser.findElement(By.id("sign-in")).click();

		waitForEnd("/portal");
		assertAccessible(browser);
		assertThat(browser.findElement(By.id("sub-" + subscription)).getText()).contains("Acme Antivirus, yearly")
			.contains("$59.99 on");
		assertThat(browser.findElement(By.id("sub-" + addOn)).getText()).contains("Identity Guard");
		PortalBrowser.screenshot(browser, "my-subscriptions");
		browser.findElement(By.cssSelector("#sub-" + subscription + " > div > p > a.cancel")).click();
		waitForPath("/portal/subscriptions/");

		assertAccessible(browser);
		assertThat(browser.findElement(By.id("offer")).isDisplayed()).isTrue();
		PortalBrowser.screenshot(browser, "cancel-with-offer-beside");
		assertThat(browser.findElement(By.id("cancel-now")).isDisplayed()).isTrue();
		assertThat(browser.findElement(By.id("also-ends")).getText()).contains("Identity Guard");
		assertThat(browser.findElement(By.cssSelector("label[for=mode-now]")).getText()).contains("$89.98");
		browser.findElement(By.id("mode-now")).click();
		browser.findElement(By.id("cancel-now")).click();

		waitForPath("/portal/cancellations/");
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Cancellation confirmed");
		assertAccessible(browser);
		String number = browser.findElement(By.id("confirmation-number")).getText();
		assertThat(number).matches("CXL-.{4}-.{4}");
		assertThat(browser.findElement(By.id("refund")).getText()).contains("$89.98");
		PortalBrowser.screenshot(browser, "cancellation-confirmed");
		assertThat(api.get("/cancellations/" + number).json().path("channel").asString()).isEqualTo("PORTAL");
		assertThat(fixtures.subscription(subscription).text("status")).isEqualTo("CANCELLED");

		browser.findElement(By.id("receipt")).click();
		waitForEnd("/receipt");
		assertAccessible(browser);
		assertThat(browser.findElement(By.id("confirmation-number")).getText()).isEqualTo(number);
		assertThat(browser.findElement(By.id("signature")).getText()).isNotBlank();
		PortalBrowser.screenshot(browser, "receipt");

		browser.get(url("/portal/subscriptions/sub_not_mine/cancel"));
		assertAccessible(browser);
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Something went wrong");
	}

	@Test
	void aKeyboardAloneSignsInCancelsAtTheEndOfTheTermAndResumes() {
		Customer c = customerWith("antivirus-monthly");
		fixtures.advance("PT1S");
		api.post("/accounts/" + c.account() + "/devices",
				java.util.Map.of("name", "Laptop", "platform", "LINUX", "subscriptionId", c.subscription()));
		browser = PortalBrowser.start("en-US,en");

		browser.get(url("/portal/sign-in"));
		tabTo(e -> "email".equals(e.getAttribute("id"))).sendKeys(c.email() + Keys.ENTER);
		waitForEnd("/portal/sign-in/code");
		tabTo(e -> "code".equals(e.getAttribute("id"))).sendKeys(PortalSession.latestCode(api, c.account()) + Keys.ENTER);
		waitForEnd("/portal");
		assertThat(browser.findElement(By.id("sub-" + c.subscription())).getText()).contains("$6.99 on");
		tabTo(e -> String.valueOf(e.getAttribute("href")).endsWith("/portal/subscriptions/" + c.subscription() + "/cancel"))
			.sendKeys(Keys.ENTER);
		waitForPath("/portal/subscriptions/");
		assertThat(browser.findElement(By.id("mode-end")).isSelected()).isTrue();
		tabTo(e -> "cancel-now".equals(e.getAttribute("id"))).sendKeys(Keys.ENTER);
		waitForPath("/portal/cancellations/");
		assertThat(fixtures.subscription(c.subscription()).json().path("autoRenew").asBoolean()).isFalse();

		browser.get(url("/portal"));
		assertAccessible(browser);
		assertThat(browser.findElement(By.id("sub-" + c.subscription())).getText()).contains("Ends on");
		tabTo(e -> String.valueOf(e.getAttribute("class")).contains("resume")).sendKeys(Keys.ENTER);
		PortalBrowser.waitForText(browser, "Auto-renewal is on again");
		assertThat(fixtures.subscription(c.subscription()).json().path("autoRenew").asBoolean()).isTrue();
	}

	@Test
	void onA1280By800ScreenCancelNowIsVisibleWithoutScrollingWithTheOfferBesideIt() {
		Customer c = customerWith("antivirus-annual");
		fixtures.addOn(c.account(), "identity-addon-annual", c.subscription());
		fixtures.advance("PT1S");
		api.post("/accounts/" + c.account() + "/devices",
				java.util.Map.of("name", "Laptop", "platform", "LINUX", "subscriptionId", c.subscription()));
		browser = PortalBrowser.start("en-US,en");
		PortalBrowser.viewport(browser, 1280, 800, false);
		browser.get(url("/portal/sign-in"));
		browser.findElement(By.id("email")).sendKeys(c.email());
		browser.findElement(By.id("send-code")).click();
		waitForEnd("/portal/sign-in/code");
		browser.findElement(By.id("code")).sendKeys(PortalSession.latestCode(api, c.account()));
		browser.findElement(By.id("sign-in")).click();
		waitForEnd("/portal");

		browser.get(url("/portal/subscriptions/" + c.subscription() + "/cancel"));

		org.openqa.selenium.Rectangle button = browser.findElement(By.id("cancel-now")).getRect();
		org.openqa.selenium.Rectangle offer = browser.findElement(By.id("offer")).getRect();
		org.openqa.selenium.Rectangle form = browser.findElement(By.cssSelector("main form")).getRect();
		assertThat(button.getY() + button.getHeight()).as("bottom of Cancel now").isLessThanOrEqualTo(800);
		assertThat(offer.getX()).as("the offer is beside the form, not above it").isGreaterThanOrEqualTo(form.getX() + form.getWidth());
		assertThat(offer.getY()).as("the offer starts no higher than the form").isGreaterThanOrEqualTo(form.getY());
		assertThat(browser.findElement(By.id("mode-end")).isSelected()).isTrue();
		assertAccessible(browser);
		PortalBrowser.screenshot(browser, "cancel-with-offer-beside");
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
