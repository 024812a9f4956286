package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.subdesk.support.Support;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Mailbox;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
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
		browser.findElement(By.id("immediate-" + subscription)).click(); // the caller asks to cancel now
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

		String confirmation = browser.findElement(By.id("confirmation-number")).getText();
		assertThat(confirmation).startsWith("CXL-");
		// the console's default, as everywhere: the end of the term
		assertThat(api.get("/cancellations/" + confirmation).text("mode")).isEqualTo("END_OF_TERM");
		assertThat(fixtures.subscription(subscription).json().path("autoRenew").asBoolean()).isFalse();
		assertThat(support.timeline(caseNumber)).extracting(Support.TimelineEntry::text)
			.anyMatch(text -> text.startsWith("OFFER_PRESENTED"))
			.anyMatch(text -> text.startsWith("OFFER_DECLINED"))
			.anyMatch(text -> text.startsWith("CANCEL:"));
	}

	@Test
	void closingTheAccountIsRefusedUntilTheCallerReadsBackTheEmailedCode() {
		Callers callers = new Callers(api);
		Callers.Caller caller = callers.withVpn("80331");
		signIn("agent");
		openAndVerify(caller.email(), caller.email(), "80 331");
		String accountPage = browser.getCurrentUrl();

		submit(By.id("close-account"));
		assertThat(browser.findElement(By.id("error")).getText()).contains("STEP_UP_REQUIRED");
		assertThat(api.get("/accounts/" + caller.account()).text("status")).isEqualTo("ACTIVE");

		browser.get(accountPage);
		submit(By.id("step-up-close-account"));
		assertThat(message()).startsWith("A six-digit code for closing the account was sent to the email on file.");
		browser.findElement(By.id("step-up-code")).sendKeys(callers.emailedCode(caller.account()));
		submit(By.xpath("//button[text()='Confirm code']"));
		assertThat(message()).startsWith("Code confirmed");
		submit(By.id("close-account"));

		assertThat(message()).startsWith("Account closed: 1 cancellation(s)");
		assertThat(browser.getPageSource()).contains("This account is closed.");
		assertThat(api.get("/accounts/" + caller.account()).text("status")).isEqualTo("CLOSED");
		assertThat(fixtures.subscription(caller.subscription()).text("status")).isEqualTo("CANCELLED");
		String confirmation = callers.latestRelatedId(caller.account(), "CANCELLATION_CONFIRMATION");
		assertThat(api.get("/cancellations/" + confirmation).text("channel")).isEqualTo("AGENT");
	}

	/**
	 * The change of email end to end on the account page: a code for that change to the email on file, read back; a
	 * code to the new address, read back from there; then the change, which the previous address is told of.
	 */
	@Test
	void anAgentChangesTheEmailOnlyWithTheCodeForThatChangeAndTheCodeFromTheNewAddress() {
		Callers callers = new Callers(api);
		Callers.Caller caller = callers.withVpn("80331");
		String newEmail = dev.subdesk.testing.Fixtures.uniqueEmail();
		signIn("agent");
		openAndVerify(caller.email(), caller.email(), "80331");
		String accountPage = browser.getCurrentUrl();

		browser.findElement(By.id("new-email")).sendKeys(newEmail);
		submit(By.id("new-email-send"));
		assertThat(browser.findElement(By.id("error")).getText()).contains("STEP_UP_REQUIRED");
		assertThat(callers.notices(caller.account(), "VERIFICATION_CODE")).isZero();
		browser.get(accountPage);

		browser.findElement(By.id("new-email")).sendKeys(newEmail);
		submit(By.id("step-up-change-email"));
		assertThat(message()).startsWith("A six-digit code for changing the email to");
		assertThat(Mailbox.latestBody(api, caller.account(), "VERIFICATION_CODE")).contains("c***@e***.com")
			.as("the address the caller dictated, masked").doesNotContain(newEmail);
		browser.findElement(By.id("step-up-code")).sendKeys(callers.emailedCode(caller.account()));
		submit(By.xpath("//button[text()='Confirm code']"));
		assertThat(message()).startsWith("Code confirmed for CHANGE_EMAIL");

		browser.findElement(By.id("new-email")).sendKeys(newEmail);
		submit(By.xpath("//button[text()='Change email']"));
		assertThat(message()).startsWith("Email not changed: send a code to the new address");
		browser.findElement(By.id("new-email")).sendKeys(newEmail);
		submit(By.id("new-email-send"));
		assertThat(message()).startsWith("A six-digit code was sent to the new address");
		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(caller.email());

		browser.findElement(By.id("new-email")).sendKeys(newEmail);
		browser.findElement(By.id("new-email-code")).sendKeys(callers.codeSentTo(newEmail));
		submit(By.xpath("//button[text()='Change email']"));

		assertThat(message()).isEqualTo("Email changed; the previous address was told.");
		assertThat(api.get("/accounts/" + caller.account()).text("email")).isEqualTo(newEmail);
		assertThat(callers.notices(caller.account(), "EMAIL_CHANGED")).isOne();
	}

	@Test
	void fiveFailedVerificationsLockTheAccount() {
		Callers.Caller caller = new Callers(api).withVpn("80331");
		signIn("agent");
		search(caller.email());

		for (int attempt = 1; attempt <= 5; attempt++) {
			browser.findElement(By.id("email-claim")).sendKeys("someone-else@example.com");
			browser.findElement(By.id("postcode-claim")).sendKeys("99999");
			submit(By.xpath("//button[text()='Verify caller']"));
			if (attempt < 5) {
				assertThat(message()).endsWith("Attempts left: " + (5 - attempt) + ".");
			}
		}
		assertThat(message()).startsWith("Verification is locked until").contains("security case CASE-");

		browser.findElement(By.id("email-claim")).sendKeys(caller.email());
		browser.findElement(By.id("postcode-claim")).sendKeys("80331");
		submit(By.xpath("//button[text()='Verify caller']"));
		assertThat(message()).startsWith("Verification is locked until");
		assertThat(browser.findElement(By.id("email")).getText()).isNotEqualTo(caller.email());
		assertThat(browser.findElements(By.id("close-account"))).isEmpty();
	}

	@Test
	void aSupervisorApprovesTheRefundOutsideThePolicyThatAnAgentAskedFor() {
		Callers callers = new Callers(api);
		Callers.Caller caller = callers.withVpn("80331");
		fixtures.advance("P61D"); // past the 60-day money-back window
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		signIn("agent");
		openAndVerify(caller.email(), caller.email(), "80331");
		browser.findElement(By.id("goodwill-amount-" + charge)).sendKeys("20.00");
		submit(By.id("step-up-refund-" + charge));
		assertThat(message()).startsWith("A six-digit code for a refund of $20.00 of charge " + charge + " was sent");
		assertThat(Mailbox.latestBody(api, caller.account(), "VERIFICATION_CODE"))
			.contains("eine Kulanzerstattung von 20").contains("Um ein Abonnement zu kündigen, braucht Acme ihn nie");
		browser.findElement(By.id("step-up-code")).sendKeys(callers.emailedCode(caller.account()));
		submit(By.xpath("//button[text()='Confirm code']"));
		assertThat(message()).startsWith("Code confirmed for REFUND");

		browser.findElement(By.id("goodwill-amount-" + charge)).sendKeys("20.00");
		browser.findElement(By.id("goodwill-reason-" + charge)).sendKeys("VPN outage for a week");
		submit(By.xpath("//button[text()='Request goodwill refund']"));
		assertThat(message()).startsWith("Refund of $20.00 requested; it waits for a supervisor's approval");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isZero();
		submit(By.xpath("//button[text()='Sign out']"));

		signIn("supervisor");
		submit(By.linkText("Refund approvals"));
		WebElement row = browser.findElement(By.xpath("//tr[td[text()='" + charge + "']]"));
		assertThat(row.getText()).contains("$20.00", "VPN outage for a week", "agent");
		submit(By.id("approve-" + row.getDomAttribute("id").substring("approval-".length())));

		assertThat(message()).startsWith("Approved: $20.00 refunded");
		assertThat(callers.firstCharge(caller.account()).path("refundedAmount").asLong()).isEqualTo(2000);
		assertThat(callers.notices(caller.account(), "REFUND_ISSUED")).isOne();
	}

	/**
	 * Under the console's Content-Security-Policy its own stylesheet still applies, while a script that got into a page
	 * (here one added to the page, as a name or note that escaped its escaping would add it) does not run.
	 */
	@Test
	void theConsoleKeepsItsStylesheetAndRunsNoInjectedScript() {
		signIn("agent");
		assertThat(browser.getCurrentUrl()).endsWith("/console");
		org.openqa.selenium.JavascriptExecutor js = (org.openqa.selenium.JavascriptExecutor) browser;
		assertThat(js.executeScript("return getComputedStyle(document.querySelector('header')).backgroundColor;"))
			.isEqualTo("rgb(35, 57, 93)");

		Object ran = js.executeScript("""
				const s = document.createElement('script');
				s.textContent = 'document.body.dataset.injected = "ran";';
				document.body.appendChild(s);
				return document.body.dataset.injected || 'blocked';""");

		assertThat(ran).isEqualTo("blocked");
	}

	@Test
	void anAgentFindsTheCallerByNameAndTheCardsLastFourDigits() {
		Callers.Caller caller = new Callers(api).withVpn("80331");
		signIn("agent");
		browser.findElement(By.id("q")).sendKeys(caller.name().toLowerCase().substring(8));
		browser.findElement(By.id("last4")).sendKeys("4242");
		submit(By.xpath("//button[text()='Search']"));

		String results = browser.findElement(By.tagName("table")).getText();
		assertThat(results).contains("Q*** ", "VISA card").doesNotContain(caller.name(), caller.email(), "4242");
		submit(By.linkText("Open " + caller.account()));
		assertThat(browser.getCurrentUrl()).endsWith("/console/accounts/" + caller.account());
	}

	/** Issue 15: the card's last four digits, a verification factor, are shown only once the caller is verified. */
	@Test
	void theCardsLastFourDigitsAreShownOnlyAfterTheCallerIsVerified() {
		Callers.Caller caller = new Callers(api).withVpn("80331");
		signIn("agent");
		search(caller.email());
		assertThat(browser.findElement(By.tagName("main")).getText()).contains("VISA card").doesNotContain("4242");

		browser.findElement(By.id("email-claim")).sendKeys(caller.email());
		browser.findElement(By.id("postcode-claim")).sendKeys("80331");
		submit(By.xpath("//button[text()='Verify caller']"));

		assertThat(message()).isEqualTo("Caller verified.");
		assertThat(browser.findElement(By.tagName("main")).getText()).contains("VISA ••4242");
	}

	/**
	 * Issue 15: a right answer alone is counted and explained and uses no attempt; a wrong one uses an attempt and
	 * is explained without saying which factor was wrong.
	 */
	@Test
	void aPartialAnswerIsCountedAndExplainedAndOnlyAWrongOneUsesAnAttempt() {
		Callers.Caller caller = new Callers(api).withVpn("80331");
		signIn("agent");
		search(caller.email());

		browser.findElement(By.id("email-claim")).sendKeys(caller.email());
		submit(By.xpath("//button[text()='Verify caller']"));
		assertThat(message()).isEqualTo(
				"Not verified yet: 1 of 2 factors matched; ask for one more. Attempts left: 5 (a right answer uses none).");

		browser.findElement(By.id("email-claim")).sendKeys(caller.email());
		browser.findElement(By.id("card-claim")).sendKeys("1111");
		submit(By.xpath("//button[text()='Verify caller']"));
		assertThat(message()).isEqualTo("Not verified. Attempts left: 4.");

		browser.findElement(By.id("email-claim")).sendKeys(caller.email());
		browser.findElement(By.id("postcode-claim")).sendKeys("80331");
		submit(By.xpath("//button[text()='Verify caller']"));
		assertThat(message()).isEqualTo("Caller verified.");
	}

	/**
	 * Issue 15: the account page starts at the end of the term, as the portal does, and its radio buttons are at
	 * least 24 by 24 CSS pixels (WCAG 2.2 target size).
	 */
	@Test
	void theConsoleStartsAtTheEndOfTheTermWithRadioButtonsAtLeast24PixelsSquare() {
		Callers.Caller caller = new Callers(api).withVpn("80331");
		signIn("agent");
		openAndVerify(caller.email(), caller.email(), "80331");

		WebElement endOfTerm = browser.findElement(By.id("end-" + caller.subscription()));
		WebElement now = browser.findElement(By.id("immediate-" + caller.subscription()));
		assertThat(endOfTerm.isSelected()).isTrue();
		assertThat(now.isSelected()).isFalse();
		for (WebElement radio : browser.findElements(By.cssSelector("input[type=radio]"))) {
			assertThat(radio.getSize().getWidth()).as(radio.getAttribute("id")).isGreaterThanOrEqualTo(24);
			assertThat(radio.getSize().getHeight()).as(radio.getAttribute("id")).isGreaterThanOrEqualTo(24);
		}
		submit(By.xpath("//button[text()='Cancel subscription…']"));
		assertThat(browser.findElement(By.id("quote")).getText()).startsWith("Cancel at the end of the term");
	}

	/**
	 * Issue 15: the contact's case is the agent's from the verification on, and after the cancellation the agent
	 * resolves it with the note the console wrote, or leaves it open in their name.
	 */
	@Test
	void theContactsCaseIsTheAgentsAndIsResolvedOrLeftOpenAtTheEndOfTheCancellation() {
		Callers callers = new Callers(api);
		Callers.Caller caller = callers.withVpn("80331");
		signIn("agent");
		openAndVerify(caller.email(), caller.email(), "80331");
		String caseNumber = browser.findElement(By.id("case-link")).getText();
		assertThat(support.find(caseNumber).orElseThrow().owner()).isEqualTo("agent");
		assertThat(browser.findElement(By.id("case-choice")).getText()).contains("The case is yours.");

		submit(By.xpath("//button[text()='Cancel subscription…']"));
		submit(By.id("cancel-now"));
		String confirmation = browser.findElement(By.id("confirmation-number")).getText();
		assertThat(browser.findElement(By.id("case-resolution")).getAttribute("value"))
			.contains(confirmation).contains("at the end of the term");
		submit(By.id("resolve-contact-case"));

		assertThat(message()).isEqualTo("Resolved; the customer has been told by email.");
		assertThat(support.find(caseNumber).orElseThrow().status()).isEqualTo(dev.subdesk.support.SupportCase.Status.RESOLVED);
		assertThat(support.timeline(caseNumber)).extracting(Support.TimelineEntry::text)
			.anyMatch(t -> t.startsWith("Resolved: Cancelled ") && t.contains(confirmation));

		Callers.Caller another = callers.withVpn("10115");
		browser.get("http://localhost:" + port + "/console");
		openAndVerify(another.email(), another.email(), "10115");
		String openCase = browser.findElement(By.id("case-link")).getText();
		submit(By.id("leave-case-open"));
		assertThat(support.find(openCase).orElseThrow().status()).isEqualTo(dev.subdesk.support.SupportCase.Status.OPEN);
		assertThat(support.find(openCase).orElseThrow().owner()).isEqualTo("agent");
	}

	private void signInAndVerify(String email) {
		signIn("agent");
		openAndVerify(email, email, null);
	}

	private void signIn(String user) {
		browser.get("http://localhost:" + port + "/console");
		assertThat(browser.getCurrentUrl()).endsWith("/console/sign-in");
		browser.findElement(By.id("username")).sendKeys(user);
		browser.findElement(By.id("password")).sendKeys(ConsoleClient.PASSWORD);
		submit(By.xpath("//button[text()='Sign in']"));
	}

	private void search(String query) {
		browser.findElement(By.id("q")).sendKeys(query);
		submit(By.xpath("//button[text()='Search']"));
		assertThat(browser.findElement(By.tagName("table")).getText()).contains("VISA card").doesNotContain(query, "4242");
		submit(By.partialLinkText("Open"));
		assertThat(browser.getPageSource()).contains("We never ask for a full card number, CVC or password.");
	}

	/** Verifies by the email and, when given, the billing postcode, else the card's last four digits. */
	private void openAndVerify(String query, String email, @Nullable String postcode) {
		search(query);
		browser.findElement(By.id("email-claim")).sendKeys(email);
		if (postcode == null) {
			browser.findElement(By.id("card-claim")).sendKeys("4242");
		}
		else {
			browser.findElement(By.id("postcode-claim")).sendKeys(postcode);
		}
		submit(By.xpath("//button[text()='Verify caller']"));

		assertThat(message()).isEqualTo("Caller verified.");
		assertThat(browser.findElement(By.id("email")).getText()).isEqualTo(email);
	}

	/** Clicks a button or link and waits for the page it leads to. */
	private void submit(By control) {
		WebElement page = browser.findElement(By.tagName("html"));
		browser.findElement(control).click();
		new WebDriverWait(browser, Duration.ofSeconds(10)).ignoring(WebDriverException.class).until(d -> {
			try {
				page.isEnabled();
				return false;
			}
			catch (StaleElementReferenceException gone) {
				return true;
			}
		});
	}

	private String message() {
		return browser.findElement(By.cssSelector("p.notice[role=status]")).getText();
	}
}
