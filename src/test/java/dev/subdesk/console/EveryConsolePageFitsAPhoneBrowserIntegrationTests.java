package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.web.PortalBrowser;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 15: every page of the agent console fits a 375 px wide screen without scrolling sideways and has no
 * axe-core violation of WCAG 2.2 AA (tags wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa); each is kept as a picture of the viewport at 375 × 812 and at 1280 × 800 in
 * {@code target/screenshots} ({@code docs/screenshots/console-*} are copies).
 */
class EveryConsolePageFitsAPhoneBrowserIntegrationTests extends ApiIntegrationTest {

	private static final int PHONE_WIDTH = 375;

	private WebDriver browser;

	@AfterEach
	void tearDown() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void everyConsolePageFitsA375PixelScreen() {
		Callers.Caller caller = new Callers(api).withVpn("80331");
		browser = PortalBrowser.start("en-US,en");
		phone();
		check("/console/sign-in", "sign-in");
		browser.findElement(By.id("username")).sendKeys("admin");
		browser.findElement(By.id("password")).sendKeys(ConsoleClient.PASSWORD);
		browser.findElement(By.xpath("//button[text()='Sign in']")).click();
		waitFor(d -> d.getCurrentUrl().endsWith("/console"));
		checkCurrent("search");

		browser.findElement(By.id("q")).sendKeys(caller.email());
		browser.findElement(By.xpath("//button[text()='Search']")).click();
		waitFor(ExpectedConditions.presenceOfElementLocated(By.id("search-summary")));
		checkCurrent("search-results");
		check("/console/accounts/" + caller.account(), "account-unverified");
		browser.findElement(By.id("email-claim")).sendKeys(caller.email());
		browser.findElement(By.id("postcode-claim")).sendKeys("80331");
		browser.findElement(By.xpath("//button[text()='Verify caller']")).click();
		waitFor(ExpectedConditions.presenceOfElementLocated(By.id("case-choice")));
		checkCurrent("account");
		String caseNumber = browser.findElement(By.id("case-link")).getText();

		browser.findElement(By.xpath("//button[text()='Cancel subscription…']")).click();
		waitFor(ExpectedConditions.presenceOfElementLocated(By.id("quote")));
		checkCurrent("quote");
		browser.findElement(By.id("cancel-now")).click();
		waitFor(ExpectedConditions.presenceOfElementLocated(By.id("confirmation-number")));
		checkCurrent("cancelled");

		check("/console/cases/" + caseNumber, "case");
		check("/console/queue", "queue");
		check("/console/approvals", "approvals");
		check("/console/audit", "audit");
		check("/console/reports", "reports");
		check("/console/staff", "staff");
		check("/console/catalog", "catalog");
		check("/console/cases/CASE-NOPE00", "not-found");
	}

	private void check(String path, String name) {
		browser.get("http://localhost:" + port + path);
		checkCurrent(name);
	}

	private void checkCurrent(String name) {
		List<Long> widths = PortalBrowser.widths(browser);
		assertThat(widths)
			.as("%s is wider than a 375 px screen (scrollWidth, innerWidth); sticking out: %s", browser.getCurrentUrl(),
					PortalBrowser.overflowing(browser, PHONE_WIDTH))
			.allMatch(width -> width <= PHONE_WIDTH);
		PortalBrowser.assertAccessible(browser);
		PortalBrowser.assertNoWcag22AaViolation(browser);
		PortalBrowser.screenshot(browser, "console-phone-" + name);
		PortalBrowser.viewport(browser, 1280, 800, false);
		PortalBrowser.screenshot(browser, "console-desktop-" + name);
		phone();
	}

	private void phone() {
		PortalBrowser.viewport(browser, PHONE_WIDTH, 812, true);
	}

	private <T> void waitFor(java.util.function.Function<WebDriver, T> condition) {
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(condition::apply);
	}
}
