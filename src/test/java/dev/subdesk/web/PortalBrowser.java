package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Debian Chromium driven by its own chromedriver (no driver download), in a fresh profile. Without
 * the browser installed the browser tests are skipped, not failed.
 */
public final class PortalBrowser {

	static final String CHROMIUM = "/usr/bin/chromium";

	static final String CHROMEDRIVER = "/usr/bin/chromedriver";

	private PortalBrowser() {
	}

	/** A browser whose Accept-Language is {@code languages}, for example {@code "de-DE,de"}. */
	public static WebDriver start(String languages) {
		Assumptions.assumeTrue(Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER)),
				"Browser tests skipped: install Chromium and its driver first (apt-get install -y chromium chromium-driver), "
						+ "they must be at " + CHROMIUM + " and " + CHROMEDRIVER);
		Path profile;
		try {
			profile = Files.createTempDirectory("subdesk-chromium-");
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--user-data-dir=" + profile, "--lang=" + languages.split(",")[0], "--window-size=1280,900");
		options.setExperimentalOption("prefs", Map.of("intl.accept_languages", languages));
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(CHROMEDRIVER))
			.usingAnyFreePort()
			.build();
		ChromeDriver driver = new ChromeDriver(service, options);
		driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
		return driver;
	}

	/** Runs axe-core on the current page: no serious or critical violation. */
	public static void assertAccessible(WebDriver driver) {
		Results results = new AxeBuilder().analyze(driver);
		List<String> bad = results.getViolations()
			.stream()
			.filter(rule -> "serious".equals(rule.getImpact()) || "critical".equals(rule.getImpact()))
			.map(PortalBrowser::describe)
			.toList();
		assertThat(bad).as("axe-core violations on " + driver.getCurrentUrl()).isEmpty();
	}

	/** The axe-core tags of WCAG 2.2 level AA (with 2.0 and 2.1 A and AA, which it includes). */
	public static final List<String> WCAG_22_AA = List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa");

	/** Runs axe-core with the WCAG 2.2 AA rules on the current page: no violation at all, whatever its impact. */
	public static void assertNoWcag22AaViolation(WebDriver driver) {
		Results results = new AxeBuilder().withTags(WCAG_22_AA).analyze(driver);
		assertThat(results.getViolations().stream().map(PortalBrowser::describe).toList())
			.as("axe-core WCAG 2.2 AA violations on " + driver.getCurrentUrl())
			.isEmpty();
	}

	/** Keeps a picture of the current page in {@code target/screenshots} (the README's come from there). */
	public static void screenshot(WebDriver driver, String name) {
		try {
			Path dir = Files.createDirectories(Path.of("target", "screenshots"));
			byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
			Files.write(dir.resolve(name + ".png"), png);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * Makes the page {@code width} × {@code height} CSS pixels, as a phone ({@code mobile}: the page's viewport
	 * meta tag counts) or a desktop window would show it.
	 */
	public static void viewport(WebDriver driver, int width, int height, boolean mobile) {
		((ChromeDriver) driver).executeCdpCommand("Emulation.setDeviceMetricsOverride",
				Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
	}

	/**
	 * {@code document.documentElement.scrollWidth} and {@code window.innerWidth}. On an emulated phone a page wider
	 * than the screen makes the browser zoom out, which widens {@code innerWidth} too: compare both with the
	 * screen's width.
	 */
	@SuppressWarnings("unchecked")
	public static List<Long> widths(WebDriver driver) {
		return ((List<Number>) ((JavascriptExecutor) driver)
			.executeScript("return [document.documentElement.scrollWidth, window.innerWidth];")).stream()
			.map(Number::longValue)
			.toList();
	}

	/** The elements that stick out to the right of {@code width}, to say what overflows. */
	@SuppressWarnings("unchecked")
	public static List<String> overflowing(WebDriver driver, int width) {
		return (List<String>) ((JavascriptExecutor) driver).executeScript("""
				const out = [];
				for (const e of document.querySelectorAll('body *')) {
				  const r = e.getBoundingClientRect();
				  if (r.right > arguments[0] + 0.5) {
				    out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')
				        + ' right=' + Math.round(r.right));
				  }
				}
				return out.slice(0, 12);
				""", width);
	}

	/** A picture of the whole page, not only the visible part, in {@code target/screenshots/name.png}. */
	public static void fullPageScreenshot(WebDriver driver, String name) {
		@SuppressWarnings("unchecked")
		List<Number> size = (List<Number>) ((JavascriptExecutor) driver).executeScript(
				"return [window.innerWidth, Math.max(document.documentElement.scrollHeight, window.innerHeight)];");
		Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", size.get(0), "height", size.get(1), "scale", 1);
		Map<String, Object> shot = ((ChromeDriver) driver).executeCdpCommand("Page.captureScreenshot",
				Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
		try {
			Path dir = Files.createDirectories(Path.of("target", "screenshots"));
			Files.write(dir.resolve(name + ".png"), java.util.Base64.getDecoder().decode((String) shot.get("data")));
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static String describe(Rule rule) {
		return rule.getImpact() + " " + rule.getId() + ": " + rule.getHelp() + " "
				+ rule.getNodes().stream().map(n -> String.valueOf(n.getTarget())).toList();
	}

	/** Presses Tab until the focused element is the one wanted; a page that traps focus fails the test. */
	public static WebElement tabTo(WebDriver driver, java.util.function.Predicate<WebElement> wanted) {
		for (int i = 0; i < 60; i++) {
			driver.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.TAB);
			WebElement focused = driver.switchTo().activeElement();
			if (wanted.test(focused)) {
				return focused;
			}
		}
		throw new AssertionError("Tab never reached the element on " + driver.getCurrentUrl());
	}

	/** Waits until the address ends with {@code suffix}. */
	public static void waitForEnd(WebDriver driver, String suffix) {
		new org.openqa.selenium.support.ui.WebDriverWait(driver, java.time.Duration.ofSeconds(10)).until(
				org.openqa.selenium.support.ui.ExpectedConditions.urlMatches(java.util.regex.Pattern.quote(suffix) + "$"));
	}

	/** Waits until the address contains {@code part}. */
	public static void waitForPath(WebDriver driver, String part) {
		new org.openqa.selenium.support.ui.WebDriverWait(driver, java.time.Duration.ofSeconds(10))
			.until(org.openqa.selenium.support.ui.ExpectedConditions.urlContains(part));
	}

	/**
	 * Waits until the page's {@code main} shows {@code text}, as after a form is sent. While the browser replaces the
	 * page, Chromium may answer a read of the old page's element with "Node with given id does not belong to the
	 * document" (a plain WebDriverException, not a stale element): such answers are asked again, not failures.
	 */
	public static void waitForText(WebDriver driver, String text) {
		new org.openqa.selenium.support.ui.WebDriverWait(driver, java.time.Duration.ofSeconds(10))
			.ignoring(org.openqa.selenium.WebDriverException.class)
			.until(org.openqa.selenium.support.ui.ExpectedConditions
				.textToBePresentInElementLocated(org.openqa.selenium.By.tagName("main"), text));
	}
}
