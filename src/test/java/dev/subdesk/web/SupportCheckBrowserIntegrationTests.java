package dev.subdesk.web;

import static dev.subdesk.web.PortalBrowser.assertAccessible;
import static dev.subdesk.web.PortalBrowser.screenshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SecondSupportLine;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * "Is this really Acme?" in a real browser: reached from the footer, answered on the page the form posts to,
 * accessible; with a second line for the UK and Ireland (the demo's defaults have one).
 */
@SubdeskIntegrationTest
@SecondSupportLine
class SupportCheckBrowserIntegrationTests extends PortalTestSupport {

	WebDriver browser;

	@AfterEach
	void tearDown() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	void aPersonChecksALookAlikeLinkFromTheFooterAndIsToldItIsNotAcme() {
		browser = PortalBrowser.start("en-US,en");
		browser.get(url("/"));
		browser.findElement(By.cssSelector("#official-channels a[href='/support/check']")).click();
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class).until(ExpectedConditions.urlContains("/support/check"));
		assertAccessible(browser);
		browser.findElement(By.id("kind-URL")).click();
		browser.findElement(By.id("value")).sendKeys("https://acme.example.evil.test/sign-in");
		browser.findElement(By.id("check")).click();
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class)
			.until(ExpectedConditions.presenceOfElementLocated(By.id("verdict")));
		assertThat(browser.findElement(By.id("verdict-title")).getText()).isEqualTo("No, this is not Acme.");
		assertThat(browser.findElement(By.id("normalized")).getText()).isEqualTo("acme.example.evil.test");
		assertThat(browser.findElement(By.id("kind-URL")).isSelected()).as("the choice is kept").isTrue();
		assertAccessible(browser);
		screenshot(browser, "support-check-not-acme");
	}

	@Test
	void inGermanTheOfficialNumberIsConfirmedWithItsLine() {
		browser = PortalBrowser.start("de-DE,de");
		browser.get(url("/support/check"));
		browser.findElement(By.id("value")).sendKeys("+44 (0)20 7946 0321");
		browser.findElement(By.id("check")).click();
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class)
			.until(ExpectedConditions.presenceOfElementLocated(By.id("verdict")));
		assertThat(browser.findElement(By.id("verdict-title")).getText())
			.isEqualTo("Ja, das ist ein offizieller Kontaktweg von Acme.");
		assertThat(browser.findElement(By.id("label")).getText()).isEqualTo("Acme support (UK and Ireland)");
		assertAccessible(browser);
		screenshot(browser, "support-check-official-de");
	}
}
