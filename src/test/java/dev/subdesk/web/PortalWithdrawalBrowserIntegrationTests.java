package dev.subdesk.web;

import static dev.subdesk.web.PortalBrowser.assertAccessible;
import static dev.subdesk.web.PortalBrowser.screenshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The EU withdrawal, the devices and account pages and the public pages in a real browser, with an axe-core scan
 * of every page on the way and the screenshots of docs/screenshots.
 */
@SubdeskIntegrationTest
class PortalWithdrawalBrowserIntegrationTests extends PortalTestSupport {

	@Autowired
	Accounts accounts;

	WebDriver browser;

	@AfterEach
	void tearDown() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void withdrawingWithoutSigningInInGermanEndsTheContractWithEverythingRefundedAndAnAcknowledgement() {
		Customer c = customerWith("antivirus-annual");
		fixtures.advance("P3D");
		browser = PortalBrowser.start("de-DE,de");

		browser.get(url("/support"));
		browser.findElement(By.linkText("Vertrag widerrufen")).click();
		waitFor("/withdraw");
		assertAccessible(browser);
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Vertrag widerrufen");
		browser.findElement(By.id("name")).sendKeys("Erika Mustermann");
		browser.findElement(By.id("orderNumber")).sendKeys(c.orderNumber());
		browser.findElement(By.id("email")).sendKeys(c.email());
		screenshot(browser, "withdraw-de");
		var confirm = browser.findElement(By.id("confirm-withdrawal"));
		assertThat(confirm.getText()).isEqualTo("Widerruf bestätigen");
		confirm.click();
		waitFor("/withdraw/received/");

		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Wir haben Ihren Widerruf erhalten");
		assertAccessible(browser);
		assertThat(browser.findElement(By.id("received-at")).getText()).contains("UTC");
		assertThat(browser.findElement(By.tagName("main")).getText()).contains("Erika Mustermann").contains(c.orderNumber());
		screenshot(browser, "withdrawal-received-de");
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("CANCELLED");
		JsonNode charge = api.get("/accounts/" + c.account() + "/charges").json().path("data").get(0);
		assertThat(charge.path("refundedAmount").asLong()).isEqualTo(charge.path("amount").asLong()).isEqualTo(5999);
		assertThat(noticeTypes(c.account())).contains("WITHDRAWAL_ACKNOWLEDGEMENT", "REFUND_ISSUED")
			.doesNotContain("CANCELLATION_CONFIRMATION");
	}

	@Test
	void aSignedInCustomerWithdrawsFromMySubscriptionsAndSeesTheFullRefundThenTheDevicesAndAccountPages() {
		Customer c = customerWith("antivirus-annual");
		String device = api.post("/accounts/" + c.account() + "/devices",
				Map.of("name", "Family laptop", "platform", "WINDOWS", "subscriptionId", c.subscription())).id();
		String vpn = fixtures.subscribe(c.account(), "vpn-annual");
		api.post("/accounts/" + c.account() + "/devices", Map.of("name", "Phone", "platform", "ANDROID", "subscriptionId", vpn));
		browser = PortalBrowser.start("en-US,en");
		signIn(c);

		browser.get(url("/portal/devices"));
		assertAccessible(browser);
		assertThat(browser.findElement(By.id("device-" + device)).getText()).contains("Family laptop").contains("Active");
		screenshot(browser, "devices");
		browser.get(url("/portal/account"));
		assertAccessible(browser);
		screenshot(browser, "account");
		browser.findElement(By.id("billingPostcode")).sendKeys("D02 X285");
		browser.findElement(By.cssSelector("form[action$='/portal/cards'] button")).click();
		PortalBrowser.waitForText(browser, "The card was added.");
		assertThat(accounts.billingPostcodes(c.account())).containsExactly("D02 X285");

		browser.get(url("/portal"));
		browser.findElement(By.cssSelector("#sub-" + c.subscription() + " a.withdraw")).click();
		waitFor("/withdraw");
		assertAccessible(browser);
		assertThat(browser.findElement(By.tagName("main")).getText()).contains("$59.99");
		assertThat(browser.findElement(By.id("orderNumber")).getAttribute("value")).isEqualTo(c.orderNumber());
		assertThat(browser.findElement(By.id("name")).getAttribute("value")).isEqualTo("Test Customer");
		screenshot(browser, "withdraw-portal");
		browser.findElement(By.id("confirm-withdrawal")).click();
		waitFor("/portal/withdrawals/WDR-");

		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Withdrawal received");
		assertAccessible(browser);
		String reference = browser.findElement(By.id("withdrawal-reference")).getText();
		assertThat(reference).matches("WDR-.{4}-.{4}");
		assertThat(browser.findElement(By.id("refund")).getText()).contains("$59.99").contains("no fee");
		screenshot(browser, "withdrawal-confirmed");
		assertThat(fixtures.subscription(c.subscription()).text("status")).isEqualTo("CANCELLED");
		assertThat(fixtures.subscription(vpn).text("status")).isEqualTo("ACTIVE");
		assertThat(noticeTypes(c.account())).contains("WITHDRAWAL_ACKNOWLEDGEMENT");

		browser.get(url("/portal/devices"));
		assertThat(browser.findElement(By.id("device-" + device)).getText()).contains("Deactivated");
		browser.findElement(By.cssSelector("button.deactivate")).click();
		PortalBrowser.waitForText(browser, "Deactivated: Phone");
		assertAccessible(browser);
	}

	@Test
	void thePublicPagesInEnglishPassTheAccessibilityScan() {
		browser = PortalBrowser.start("en-US,en");
		for (var page : Map.of("/cancel", "cancel-contracts-here-en", "/support", "support", "/portal/sign-in", "sign-in",
				"/withdraw", "withdraw-en").entrySet()) {
			browser.get(url(page.getKey()));
			assertAccessible(browser);
			screenshot(browser, page.getValue());
		}
		assertThat(browser.findElement(By.linkText("Withdraw from contract here")).getAttribute("href")).endsWith("/withdraw");
		assertThat(browser.findElement(By.linkText("Cancel contracts here")).getAttribute("href")).endsWith("/cancel");
	}

	private void signIn(Customer c) {
		browser.get(url("/portal/sign-in"));
		browser.findElement(By.id("email")).sendKeys(c.email());
		browser.findElement(By.id("send-code")).click();
		waitFor("/portal/sign-in/code");
		browser.findElement(By.id("code")).sendKeys(PortalSession.latestCode(api, c.account()));
		browser.findElement(By.id("sign-in")).click();
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(ExpectedConditions.urlMatches("/portal$"));
	}

	private void waitFor(String part) {
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(ExpectedConditions.urlContains(part));
	}
}
