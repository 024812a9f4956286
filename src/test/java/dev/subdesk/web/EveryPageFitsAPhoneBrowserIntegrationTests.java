package dev.subdesk.web;

import static dev.subdesk.web.PortalBrowser.assertAccessible;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Mailbox;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Every page a customer sees, the public forms and their results included, fits a 375 px wide phone without
 * scrolling sideways and has no axe-core violation of WCAG 2.2 AA ({@link PortalBrowser#WCAG_22_AA}). Each is kept as a picture at 375 × 812 and at 1280 × 800 in {@code target/screenshots}
 * ({@code docs/screenshots} holds copies).
 */
@SubdeskIntegrationTest
class EveryPageFitsAPhoneBrowserIntegrationTests extends PortalTestSupport {

	private static final Pattern RECEIPT_LINK = Pattern.compile("Your signed receipt: https?://[^/\\s]+(/receipts/\\S+)");

	private static final int PHONE_WIDTH = 375;

	WebDriver browser;

	@AfterEach
	void tearDown() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void thePublicPagesAndTheirResultsFitA375PixelScreen() {
		Customer c = customerWith("antivirus-annual");
		Customer withdrawing = customerWith("vpn-annual");
		Customer cancelled = customerWith("antivirus-monthly");
		fixtures.cancel(cancelled.subscription(), "IMMEDIATE");
		browser = PortalBrowser.start("en-US,en");
		phone();

		check("/", "home");
		check("/support", "support");
		check("/support/check", "support-check");
		check("/checkout/antivirus-annual", "checkout");
		check("/cancel?order=" + c.orderNumber(), "cancel-contracts-here");
		((JavascriptExecutor) browser).executeScript("document.querySelector('main form').noValidate = true;");
		browser.findElement(By.id("cancel-now")).click();
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class)
			.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("main .error")));
		assertThat(browser.switchTo().activeElement().getAttribute("id")).as("the focus after a refused form")
			.isEqualTo("error-summary");
		checkCurrent("cancel-contracts-here-errors");
		browser.findElement(By.id("name")).sendKeys("Maximilian Alexander Mustermann-Oberhausen");
		browser.findElement(By.id("email")).sendKeys(c.email());
		browser.findElement(By.id("confirmationEmail")).sendKeys(c.email());
		browser.findElement(By.id("cancel-now")).click();
		waitFor("/cancel/received/");
		checkCurrent("cancel-received");

		check("/withdraw?order=" + withdrawing.orderNumber(), "withdraw");
		browser.findElement(By.id("name")).sendKeys("Maximilian Alexander Mustermann-Oberhausen");
		browser.findElement(By.id("email")).sendKeys(withdrawing.email());
		browser.findElement(By.id("confirm-withdrawal")).click();
		waitFor("/withdraw/received/");
		checkCurrent("withdraw-received");

		Matcher link = RECEIPT_LINK.matcher(Mailbox.latestBody(api, cancelled.account(), "CANCELLATION_CONFIRMATION"));
		assertThat(link.find()).isTrue();
		check(link.group(1), "public-receipt");
		assertThat(browser.findElement(By.id("verdict")).getText()).contains("valid");

		check("/portal/sign-in", "sign-in");
		browser.findElement(By.id("email")).sendKeys(c.email());
		browser.findElement(By.id("send-code")).click();
		waitFor("/portal/sign-in/code");
		checkCurrent("sign-in-code");
		Matcher signInLink = java.util.regex.Pattern.compile("(/portal/sign-in/link\\?t=[A-Za-z0-9_-]+)")
			.matcher(Mailbox.latestBody(api, c.account(), "SIGN_IN_CODE"));
		assertThat(signInLink.find()).isTrue();
		check(signInLink.group(1), "sign-in-link");
		check("/portal/sign-in/link?t=unknown", "sign-in-link-unusable");
	}

	@Test
	void thePortalPagesFitA375PixelScreen() {
		Customer c = customerWith("antivirus-annual");
		fixtures.addOn(c.account(), "identity-addon-annual", c.subscription());
		String vpn = fixtures.subscribe(c.account(), "vpn-annual");
		api.post("/accounts/" + c.account() + "/devices",
				Map.of("name", "Family laptop in the living room", "platform", "WINDOWS", "subscriptionId", c.subscription()));
		browser = PortalBrowser.start("en-US,en");
		phone();
		browser.get(url("/portal/sign-in"));
		browser.findElement(By.id("email")).sendKeys(c.email());
		browser.findElement(By.id("send-code")).click();
		waitFor("/portal/sign-in/code");
		browser.findElement(By.id("code")).sendKeys(PortalSession.latestCode(api, c.account()));
		browser.findElement(By.id("sign-in")).click();
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(ExpectedConditions.urlMatches("/portal$"));

		checkCurrent("my-subscriptions");
		check("/checkout/total-annual", "checkout-signed-in");
		check("/portal/devices", "devices");
		check("/portal/account", "account");
		check("/portal/subscriptions/" + c.subscription() + "/cancel", "cancel-with-offer");
		assertThat(browser.findElement(By.id("offer")).isDisplayed()).isTrue();
		browser.findElement(By.id("mode-now")).click();
		browser.findElement(By.id("cancel-now")).click();
		waitFor("/portal/cancellations/");
		checkCurrent("cancellation-confirmed");
		browser.findElement(By.id("receipt")).click();
		waitFor("/receipt");
		checkCurrent("receipt");
		check("/portal/subscriptions/" + vpn + "/withdraw", "withdraw-signed-in");
		browser.findElement(By.id("confirm-withdrawal")).click();
		waitFor("/portal/withdrawals/");
		checkCurrent("withdrawal-received");
		check("/portal/subscriptions/sub_not_mine/cancel", "not-found");
	}

	@Test
	void theFaviconIsASmallIconNotA404() throws Exception {
		var http = java.net.http.HttpClient.newHttpClient();
		var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url("/favicon.ico"))).build(),
				java.net.http.HttpResponse.BodyHandlers.ofByteArray());

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("icon");
		assertThat(response.body()).hasSizeBetween(6, 16_384).startsWith(0, 0, 1, 0);
	}

	/** Each heading that is more than one level below the one before it (h1 then h3), as "h1 → h3 text". */
	@SuppressWarnings("unchecked")
	private java.util.List<String> headingJumps() {
		return (java.util.List<String>) ((JavascriptExecutor) browser).executeScript("""
				const jumps = [];
				let previous = 0;
				for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
				  const level = Number(h.tagName.substring(1));
				  if (level > previous + 1) {
				    jumps.push('h' + previous + ' → ' + h.tagName.toLowerCase() + ' ' + h.textContent.trim());
				  }
				  previous = level;
				}
				return jumps;
				""");
	}

	private void check(String path, String name) {
		browser.get(url(path));
		checkCurrent(name);
	}

	/**
	 * The page in the browser does not scroll sideways on a phone and passes the accessibility scan; its pictures
	 * at both sizes are kept.
	 */
	private void checkCurrent(String name) {
		java.util.List<Long> widths = PortalBrowser.widths(browser);
		assertThat(widths)
			.as("%s is wider than a 375 px screen (scrollWidth, innerWidth); sticking out: %s", browser.getCurrentUrl(),
					PortalBrowser.overflowing(browser, PHONE_WIDTH))
			.allMatch(width -> width <= PHONE_WIDTH);
		assertAccessible(browser);
		PortalBrowser.assertNoWcag22AaViolation(browser);
		assertThat(browser.findElement(By.cssSelector("head meta[name=description]")).getAttribute("content"))
			.as("the meta description of %s", browser.getCurrentUrl())
			.isNotBlank();
		assertThat(browser.findElement(By.cssSelector("head link[rel=icon]")).getAttribute("href")).endsWith("/favicon.ico");
		assertThat(headingJumps()).as("heading levels that skip one on %s", browser.getCurrentUrl()).isEmpty();
		PortalBrowser.fullPageScreenshot(browser, "phone-" + name);
		PortalBrowser.viewport(browser, 1280, 800, false);
		PortalBrowser.fullPageScreenshot(browser, "desktop-" + name);
		phone();
	}

	private void phone() {
		PortalBrowser.viewport(browser, PHONE_WIDTH, 812, true);
	}

	private void waitFor(String part) {
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(ExpectedConditions.urlContains(part));
	}
}
