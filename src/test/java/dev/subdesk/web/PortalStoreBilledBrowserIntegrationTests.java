package dev.subdesk.web;

import static dev.subdesk.web.PortalBrowser.assertAccessible;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.stores.AppStorePurchase;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * My subscriptions in a real browser for a subscription the App Store bills, kept by the store's notifications: its
 * real state, the store's own steps to cancel with no cancel button of ours and no phone number, and a store refund
 * shown as one.
 */
@SubdeskIntegrationTest
class PortalStoreBilledBrowserIntegrationTests extends PortalTestSupport {

	@Autowired
	Clock clock;

	WebDriver browser;

	@AfterEach
	void tearDown() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void myStoreBilledSubscriptionShowsTheStoresStateItsStepsToCancelAndThenItsRefund() {
		String account = fixtures.account("IE", null);
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		AppStorePurchase purchase = AppStorePurchase.by(api, account, now);
		assertThat(purchase.notify("SUBSCRIBED", "INITIAL_BUY", now)).isEqualTo("APPLIED");
		assertThat(purchase.notify("DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", now.plusSeconds(1)))
			.isEqualTo("APPLIED");
		String id = purchase.subscription().path("id").asString();

		browser = PortalBrowser.start("en-US,en");
		signIn(account);
		String card = browser.findElement(By.id("sub-" + id)).getText();
		assertThat(card).contains("Auto-renewal is off in the store: service until the end of the term")
			.contains("Billed by the App Store: cancel it there")
			.contains("Acme cannot cancel or refund this subscription for you: only the App Store can")
			.contains("Choose Cancel subscription and confirm");
		assertThat(browser.findElements(By.cssSelector("#sub-" + id + " a.cancel"))).as("no cancel button of ours").isEmpty();
		assertThat(browser.findElements(By.cssSelector("#sub-" + id + " a[href^='tel:']"))).isEmpty();
		assertThat(browser.findElement(By.cssSelector("#sub-" + id + " .store a")).getAttribute("href"))
			.isEqualTo("https://apps.apple.com/account/subscriptions");
		assertAccessible(browser);
		PortalBrowser.screenshot(browser, "my-subscriptions-app-store");

		purchase.revokedAt(now.plusSeconds(60));
		assertThat(purchase.notify("REFUND", null, now.plus(Duration.ofMinutes(2)))).isEqualTo("APPLIED");
		browser.navigate().refresh();
		String refunded = browser.findElement(By.id("sub-" + id)).getText();
		assertThat(refunded).contains("Refunded by the store").contains("Refunded by the App Store on");
		assertThat(refunded).doesNotContain("Choose Cancel subscription");
		assertAccessible(browser);
	}

	private void signIn(String account) {
		browser.get(url("/portal/sign-in"));
		browser.findElement(By.id("email")).sendKeys(email(account));
		browser.findElement(By.id("send-code")).click();
		wait(ExpectedConditions.urlMatches("/portal/sign-in/code$"));
		browser.findElement(By.id("code")).sendKeys(PortalSession.latestCode(api, account));
		browser.findElement(By.id("sign-in")).click();
		wait(ExpectedConditions.urlMatches("/portal$"));
	}

	private void wait(org.openqa.selenium.support.ui.ExpectedCondition<Boolean> condition) {
		new WebDriverWait(browser, Duration.ofSeconds(20))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(condition);
	}
}
