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
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
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

	private static String describe(Rule rule) {
		return rule.getImpact() + " " + rule.getId() + ": " + rule.getHelp() + " "
				+ rule.getNodes().stream().map(n -> String.valueOf(n.getTarget())).toList();
	}
}
