package dev.subdesk.web;

import static dev.subdesk.web.PortalBrowser.assertAccessible;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

/**
 * A free trial ends with one click in the portal, in a real browser: at once or at the trial's end, as the customer
 * chooses, and nothing is charged either way.
 */
@SubdeskIntegrationTest
class PortalTrialBrowserIntegrationTests extends PortalTestSupport {

	WebDriver browser;

	@AfterEach
	void tearDown() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void oneClickEndsAFreeTrialAtOnceOrAtItsEndAndNothingIsCharged() {
		Customer c = customerWith("vpn-monthly-trial");
		String second = fixtures.subscribe(c.account(), "vpn-monthly-trial");
		browser = PortalBrowser.start("en-US,en");
		browser.get(url("/portal/sign-in"));
		browser.findElement(By.id("email")).sendKeys(c.email());
		browser.findElement(By.id("send-code")).click();
		waitFor(ExpectedConditions.urlMatches("/portal/sign-in/code$"));
		browser.findElement(By.id("code")).sendKeys(PortalSession.latestCode(api, c.account()));
		browser.findElement(By.id("sign-in")).click();
		waitFor(ExpectedConditions.urlMatches("/portal$"));

		String row = browser.findElement(By.id("sub-" + c.subscription())).getText();
		assertThat(row).contains("Free trial, nothing charged yet", "nothing has been charged", "$4.99 on");
		assertAccessible(browser);
		PortalBrowser.screenshot(browser, "portal-trial");

		browser.findElement(By.cssSelector("#sub-" + c.subscription() + " .end-trial-now")).click();
		waitFor(ExpectedConditions.urlContains("/portal/cancellations/CXL-"));
		JsonNode now = fixtures.subscription(c.subscription()).json();
		assertThat(now.path("status").asString()).as("one click ended it").isEqualTo("CANCELLED");
		String number = browser.getCurrentUrl().replaceAll(".*/portal/cancellations/", "");
		JsonNode cancellation = api.get("/cancellations/" + number).json();
		assertThat(cancellation.path("channel").asString()).isEqualTo("PORTAL");
		assertThat(cancellation.path("mode").asString()).isEqualTo("IMMEDIATE");
		assertThat(cancellation.path("refundTotal").path("amount").asLong()).isZero();

		browser.get(url("/portal"));
		browser.findElement(By.cssSelector("#sub-" + second + " .end-trial-later")).click();
		waitFor(ExpectedConditions.urlContains("/portal/cancellations/CXL-"));
		JsonNode later = fixtures.subscription(second).json();
		assertThat(later.path("status").asString()).as("the trial runs on until its end").isEqualTo("TRIALING");
		assertThat(later.path("autoRenew").asBoolean()).isFalse();
		assertThat(later.path("cancelAt").asString()).isEqualTo(later.path("currentPeriodEnd").asString());
		assertThat(api.get("/accounts/" + c.account() + "/charges").json().path("data").size()).as("nothing charged").isZero();
	}

	private void waitFor(org.openqa.selenium.support.ui.ExpectedCondition<Boolean> condition) {
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(condition);
	}
}
