package dev.subdesk.web;

import static dev.subdesk.web.PortalBrowser.assertAccessible;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

/**
 * A price increase an EU customer must agree to (issue 12), in a real browser: "My subscriptions" says the price
 * changes from X to Y on D, with Accept beside letting it end; accepting records the consent (channel PORTAL) through
 * a CSRF-protected POST, and the renewal is then charged the new price.
 */
@SubdeskIntegrationTest
class PortalPriceChangeBrowserIntegrationTests extends PortalTestSupport {

	private static final String PLAN = "price-test-annual-6";

	WebDriver browser;

	@AfterEach
	void tearDown() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void anEuCustomerAcceptsTheNewPriceInThePortalAndRenewsAtIt() {
		Customer c = customerWith(PLAN);
		Instant renewal = Instant.parse(fixtures.subscription(c.subscription()).text("currentPeriodEnd"));
		Instant now = Instant.parse(api.get("/test-clock").text("now"));
		var scheduled = api.post("/plans/" + PLAN + "/price-changes", Map.of("price", Map.of("amount", 1400, "currency", "USD"),
				"effectiveFrom", now.plus(Duration.ofDays(31)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(),
				"existingSubscribers", "MOVE"));
		assertThat(scheduled.status()).as(scheduled.toString()).isEqualTo(201);
		fixtures.advance(Duration.between(now, renewal.minus(Duration.ofDays(30))).plusSeconds(1));
		assertThat(noticeTypes(c.account())).contains("PRICE_CHANGE");

		PortalSession forged = new PortalSession(port).signIn(api, c.account());
		assertThat(forged.get("/portal").body()).contains("Accept the new price of $14.00");
		assertThat(forged.postWithoutToken("/portal/subscriptions/" + c.subscription() + "/price-change/accept", Map.of())
			.status()).as("no CSRF token, no consent").isEqualTo(403);
		PortalSession stranger = new PortalSession(port).signIn(api, accountWithVisa());
		stranger.get("/portal");
		assertThat(stranger.post("/portal/subscriptions/" + c.subscription() + "/price-change/accept", Map.of()).status())
			.as("another customer's subscription").isEqualTo(404);
		assertThat(new PortalSession(port).postWithoutToken("/portal/subscriptions/" + c.subscription()
				+ "/price-change/accept", Map.of()).status()).as("not signed in").isIn(302, 303, 401, 403);
		assertThat(api.get("/subscriptions/" + c.subscription() + "/price-change").json().path("consentedAt").isNull()).isTrue();

		browser = PortalBrowser.start("en-US,en");
		browser.get(url("/portal/sign-in"));
		browser.findElement(By.id("email")).sendKeys(c.email());
		browser.findElement(By.id("send-code")).click();
		waitFor(ExpectedConditions.urlMatches("/portal/sign-in/code$"));
		browser.findElement(By.id("code")).sendKeys(PortalSession.latestCode(api, c.account()));
		browser.findElement(By.id("sign-in")).click();
		waitFor(ExpectedConditions.urlMatches("/portal$"));

		String section = browser.findElement(By.id("price-change-" + c.subscription())).getText();
		assertThat(section).contains("Your price changes from $10.00 to $14.00 on", "If you do not accept it",
				"Accept the new price of $14.00", "Let it end on");
		assertAccessible(browser);
		PortalBrowser.screenshot(browser, "portal-price-change");

		browser.findElement(By.id("accept-price-" + c.subscription())).click();
		// the page answering the form has the same address as the one it replaces: wait for what it says
		PortalBrowser.waitForText(browser, "you accepted the new price");
		assertThat(browser.findElement(By.tagName("main")).getText()).contains("you accepted the new price",
				"You accepted the new price on");
		JsonNode pending = api.get("/subscriptions/" + c.subscription() + "/price-change").json();
		assertThat(pending.path("consentChannel").asString()).isEqualTo("PORTAL");
		assertThat(pending.path("consentedAt").isNull()).isFalse();

		fixtures.advance(Duration.between(Instant.parse(api.get("/test-clock").text("now")), renewal).plusSeconds(60));
		JsonNode renewed = fixtures.subscription(c.subscription()).json();
		assertThat(renewed.path("status").asString()).isEqualTo("ACTIVE");
		assertThat(renewed.path("price").path("amount").asLong()).isEqualTo(1400);
		assertThat(api.get("/accounts/" + c.account() + "/charges").json().path("data").get(0).path("amount").asLong())
			.as("the renewal at the accepted price").isEqualTo(1400);
	}

	private void waitFor(org.openqa.selenium.support.ui.ExpectedCondition<Boolean> condition) {
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(condition);
	}
}
