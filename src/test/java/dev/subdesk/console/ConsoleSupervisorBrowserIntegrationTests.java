package dev.subdesk.console;

import static dev.subdesk.web.PortalBrowser.assertAccessible;
import static dev.subdesk.web.PortalBrowser.screenshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.web.PortalBrowser;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A call from the first ring to the supervisor's reports in headless Chromium, with an axe-core scan of every
 * console page on the way (no serious or critical violation) and the README's screenshots. Skipped where
 * Chromium or its driver is not installed.
 */
class ConsoleSupervisorBrowserIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Support support;

	@Autowired
	Clock clock;

	private WebDriver browser;

	@AfterEach
	void closeBrowser() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void anEscalatedCallReachesTheQueueIsResolvedByASupervisorAndItsCancellationShowsInTheReports() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		fixtures.subscribe(account, "antivirus-annual");
		String email = api.get("/accounts/" + account).text("email");
		LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
		String reports = "/console/reports?from=" + today.minusDays(1) + "&to=" + today.plusDays(1);
		String before = ConsoleClient.signedIn(port, "supervisor").get(reports).body();
		browser = PortalBrowser.start("en-US,en");

		open("/console");
		waitFor(By.id("username"));
		assertAccessible(browser);
		signIn("agent");
		browser.findElement(By.id("q")).sendKeys(email);
		browser.findElement(By.xpath("//button[text()='Search']")).click();
		waitFor(By.partialLinkText("Open"));
		assertAccessible(browser);
		screenshot(browser, "console-search");

		browser.findElement(By.partialLinkText("Open")).click();
		waitFor(By.id("email-claim")).sendKeys(email);
		assertAccessible(browser);
		browser.findElement(By.id("card-claim")).sendKeys("4242");
		browser.findElement(By.xpath("//button[text()='Verify caller']")).click();
		assertThat(waitFor(By.id("email")).getText()).isEqualTo(email);
		assertAccessible(browser);
		screenshot(browser, "console-account");
		String caseNumber = browser.findElement(By.id("case-link")).getText();

		new org.openqa.selenium.support.ui.Select(browser.findElement(By.cssSelector("select[name=reason]")))
			.selectByValue("SWITCHING");
		browser.findElement(By.xpath("//button[text()='Cancel subscription…']")).click();
		waitFor(By.id("offer"));
		assertAccessible(browser);
		browser.findElement(By.id("cancel-now")).click();
		assertThat(waitFor(By.id("confirmation-number")).getText()).startsWith("CXL-");
		assertAccessible(browser);

		open("/console/cases/" + caseNumber);
		waitFor(By.id("escalation-reason")).sendKeys("Caller asks for a goodwill refund beyond the policy");
		browser.findElement(By.xpath("//button[text()='Escalate to supervisor']")).click();
		waitForText(By.id("case-status"), "ESCALATED");
		assertAccessible(browser);
		signOut();

		signIn("supervisor");
		open("/console/queue");
		WebElement row = waitFor(By.xpath("//a[text()='" + caseNumber + "']/ancestor::tr"));
		assertThat(row.getText()).contains("Caller asks for a goodwill refund beyond the policy", "HIGH");
		assertAccessible(browser);
		screenshot(browser, "console-queue");

		row.findElement(By.linkText(caseNumber)).click();
		waitFor(By.id("resolution"));
		assertAccessible(browser);
		browser.findElement(By.id("resolution")).sendKeys("Explained the money-back policy; the caller agreed");
		browser.findElement(By.id("resolve")).click();
		waitForText(By.id("case-status"), "RESOLVED");
		assertThat(browser.findElement(By.id("timeline")).getText())
			.contains("Resolved: Explained the money-back policy; the caller agreed",
					"CASE_UPDATE sent: Your case " + caseNumber + " has been passed to a supervisor",
					"CASE_UPDATE sent: Your case " + caseNumber + " is resolved");
		assertAccessible(browser);
		screenshot(browser, "console-case");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(SupportCase.Status.RESOLVED);
		open("/console/queue");
		assertThat(waitFor(By.tagName("main")).getText()).doesNotContain(caseNumber);

		open(reports);
		waitFor(By.id("by-channel"));
		String after = browser.getPageSource();
		assertThat(ConsoleReportsIntegrationTests.cell(after, "by-channel", "AGENT"))
			.isEqualTo(ConsoleReportsIntegrationTests.cell(before, "by-channel", "AGENT") + 1);
		assertThat(ConsoleReportsIntegrationTests.cell(after, "by-reason", "Switching"))
			.isEqualTo(ConsoleReportsIntegrationTests.cell(before, "by-reason", "Switching") + 1);
		assertThat(ConsoleReportsIntegrationTests.cell(after, "cases", "Resolved"))
			.isEqualTo(ConsoleReportsIntegrationTests.cell(before, "cases", "Resolved") + 1);
		assertThat(browser.findElement(By.id("chart-channel")).getAttribute("role")).isEqualTo("img");
		assertAccessible(browser);
		screenshot(browser, "console-reports");

		open("/console/reports?from=2026-02-30&to=2026-03-01");
		assertThat(waitFor(By.id("range-error")).getText()).startsWith("Enter both dates as YYYY-MM-DD");
		assertAccessible(browser);
		open("/console/audit?target=" + account);
		waitFor(By.id("chain"));
		assertAccessible(browser);
		signOut();

		signIn("admin");
		open("/console/staff");
		waitFor(By.id("new-username"));
		assertAccessible(browser);
		screenshot(browser, "console-staff");
		open("/console/cases/CASE-000000");
		assertThat(waitFor(By.id("error")).getText()).contains("does not exist");
		assertAccessible(browser);
	}

	private void open(String path) {
		browser.get("http://localhost:" + port + path);
	}

	private void signIn(String username) {
		open("/console/sign-in");
		waitFor(By.id("username")).sendKeys(username);
		browser.findElement(By.id("password")).sendKeys(ConsoleClient.PASSWORD);
		browser.findElement(By.xpath("//button[text()='Sign in']")).click();
		waitFor(By.id("q"));
	}

	private void signOut() {
		browser.findElement(By.xpath("//button[text()='Sign out']")).click();
		waitFor(By.id("username"));
	}

	private WebElement waitFor(By by) {
		return new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(ExpectedConditions.visibilityOfElementLocated(by));
	}

	/**
	 * Waits for the element to show this text: after a form is posted the old page may still show the element with
	 * its old text (or the element goes stale while the new page loads), so reading it once would race the load.
	 */
	private void waitForText(By by, String text) {
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(ExpectedConditions.textToBe(by, text));
	}
}
