package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.subdesk.support.ApiIntegrationTest;
import dev.subdesk.support.Support;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.springframework.beans.factory.annotation.Autowired;

/** An agent's phone calls, in headless Chromium: skipped where Chromium or its driver is not installed. */
class ConsoleBrowserIntegrationTests extends ApiIntegrationTest {

	private static final File CHROMIUM = new File("/usr/bin/chromium");

	private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

	@Autowired
	Support support;

	private WebDriver browser;

	private Path profile;

	@BeforeEach
	void openBrowser() throws IOException {
		assumeTrue(CHROMIUM.canExecute() && CHROMEDRIVER.canExecute(), "Chromium and chromedriver are not installed");
		profile = Files.createTempDirectory("console-chromium");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--user-data-dir=" + profile);
		browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER).build(), options);
		browser.manage().timeouts().implicitlyWait(Duration.ofSeconds(2));
	}

	@AfterEach
	void closeBrowser() throws IOException {
		if (browser != null) {
			browser.quit();
		}
		if (profile != null) {
			try (var files = Files.walk(profile)) {
				files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
			}
			catch (UncheckedIOException ignored) {
				// a profile left in the temporary directory is harmless
			}
		}
	}

	@Test
	void anAgentVerifiesACallerWithTwoFactorsAndCancelsWithARefund() {
		String account = fixtures.account("US", "MN"); // no retention offer in Minnesota
		fixtures.card(account, "tok_visa");
		String subscription = fixtures.subscribe(account, "vpn-annual");
		String email = api.get("/accounts/" + account).text("email");

		signInAndVerify(email);
		browser.findElement(By.xpath("//button[text()='Cancel subscription…']")).click();

		assertThat(browser.findElement(By.id("quote-refund")).getText()).isEqualTo("$49.99");
		assertThat(browser.findElements(By.id("offer"))).isEmpty();
		browser.findElement(By.id("cancel-now")).click();

		String confirmation = browser.findElement(By.id("confirmation-number")).getText();
		assertThat(confirmation).startsWith("CXL-");
		assertThat(browser.findElement(By.id("refund")).getText()).isEqualTo("$49.99");
		assertThat(fixtures.subscription(subscription).text("status")).isEqualTo("CANCELLED");
		assertThat(api.get("/cancellations/" + confirmation).text("channel")).isEqualTo("AGENT");
	}

	@Test
	void theOfferDeclinedTheCancellationIsCompletedInOneAction() {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "vpn-annual");
		String email = api.get("/accounts/" + account).text("email");

		signInAndVerify(email);
		String caseNumber = browser.findElement(By.id("case-link")).getText();
		browser.findElement(By.xpath("//button[text()='Cancel subscription…']")).click();
		assertThat(browser.findElement(By.id("offer")).getText()).contains("25% off");
		browser.findElement(By.xpath("//button[text()='Customer declines — cancel now']")).click();

		assertThat(browser.findElement(By.id("confirmation-number")).getText()).startsWith("CXL-");
		assertThat(fixtures.subscription(subscription).text("status")).isEqualTo("CANCELLED");
		assertThat(support.timeline(caseNumber)).extracting(Support.TimelineEntry::text)
			.anyMatch(text -> text.startsWith("OFFER_PRESENTED"))
			.anyMatch(text -> text.startsWith("OFFER_DECLINED"))
			.anyMatch(text -> text.startsWith("CANCEL:"));
	}

	private void signInAndVerify(String email) {
		browser.get("http://localhost:" + port + "/console");
		assertThat(browser.getCurrentUrl()).endsWith("/console/sign-in");
		browser.findElement(By.id("username")).sendKeys("agent");
		browser.findElement(By.id("password")).sendKeys(ConsoleClient.PASSWORD);
		browser.findElement(By.xpath("//button[text()='Sign in']")).click();

		browser.findElement(By.id("q")).sendKeys(email);
		browser.findElement(By.xpath("//button[text()='Search']")).click();
		assertThat(browser.findElement(By.tagName("table")).getText()).contains("VISA ••4242").doesNotContain(email);
		browser.findElement(By.partialLinkText("Open")).click();

		assertThat(browser.getPageSource()).contains("We never ask for a full card number, CVC or password.");
		browser.findElement(By.id("email-claim")).sendKeys(email);
		browser.findElement(By.id("card-claim")).sendKeys("4242");
		browser.findElement(By.xpath("//button[text()='Verify caller']")).click();

		assertThat(browser.findElement(By.cssSelector("p.notice[role=status]")).getText()).isEqualTo("Caller verified.");
		assertThat(browser.findElement(By.id("email")).getText()).isEqualTo(email);
	}
}
