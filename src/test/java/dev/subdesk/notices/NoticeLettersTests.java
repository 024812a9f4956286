package dev.subdesk.notices;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.shared.Money;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The notices' own bundle (English and German with the same keys and placeholders) and how a letter writes
 * amounts (exact minor units, the locale's currency format) and times (the country's zone, named).
 */
class NoticeLettersTests {

	private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\d+)}");

	private static final String NBSP = "\u00a0";

	private final Letters letters = new Letters();

	@Test
	void theEnglishAndGermanNoticeBundlesHaveTheSameKeys() {
		assertThat(load("notices/notices_de.properties").stringPropertyNames())
			.containsExactlyInAnyOrderElementsOf(load("notices/notices.properties").stringPropertyNames());
	}

	@Test
	void eachGermanNoticeTextHasTheEnglishPlaceholdersAndNoStrayQuote() {
		Properties en = load("notices/notices.properties");
		Properties de = load("notices/notices_de.properties");
		for (String key : en.stringPropertyNames()) {
			assertThat(de.getProperty(key, "")).as(key).isNotBlank();
			assertThat(placeholders(de.getProperty(key, ""))).as(key).isEqualTo(placeholders(en.getProperty(key)));
			// MessageFormat eats a single quote: none of the wording uses one
			assertThat(en.getProperty(key)).as(key).doesNotContain("'");
			assertThat(de.getProperty(key)).as(key).doesNotContain("'");
		}
	}

	@Test
	void germanSpeakingCountriesGetGermanAndTheirZoneOthersEnglish() {
		assertThat(letters.forCountry("DE").locale()).isEqualTo(Locale.GERMAN);
		assertThat(letters.forCountry("AT").zone().getId()).isEqualTo("Europe/Vienna");
		assertThat(letters.forCountry("LI").locale()).isEqualTo(Locale.GERMAN);
		assertThat(letters.forCountry("LI").zone().getId()).isEqualTo("Europe/Vaduz");
		assertThat(letters.forCountry("IE").locale()).isEqualTo(Locale.ENGLISH);
		assertThat(letters.forCountry("US").zone()).isEqualTo(ZoneOffset.UTC);
		assertThat(letters.forCountry("DE").text("signin.subject")).isEqualTo("Ihr Acme-Anmeldecode");
		assertThat(letters.forCountry("US").text("signin.subject")).isEqualTo("Your Acme sign-in code");
	}

	@Test
	void amountsAreExactInTheLocalesCurrencyFormat() {
		Letter german = letters.forCountry("DE");
		assertThat(german.money(Money.of(5999, "USD"))).isEqualTo("59,99" + NBSP + "$");
		assertThat(german.money(Money.of(5999, "EUR"))).isEqualTo("59,99" + NBSP + "€");
		assertThat(german.money(Money.of(123456789, "EUR"))).isEqualTo("1.234.567,89" + NBSP + "€");
		assertThat(german.money(Money.of(1, "EUR"))).isEqualTo("0,01" + NBSP + "€");
		assertThat(german.money(Money.of(5999, "JPY"))).isEqualTo("5.999" + NBSP + "¥");
		// more than a double holds exactly
		assertThat(german.money(Money.of(900719925474099317L, "EUR"))).isEqualTo("9.007.199.254.740.993,17" + NBSP + "€");
		assertThat(letters.forCountry("US").money(Money.of(5999, "USD"))).isEqualTo("$59.99");
	}

	@Test
	void timesAreInTheCountrysZoneWithTheZoneNamed() {
		Instant winter = Instant.parse("2026-12-17T23:00:00Z");
		assertThat(letters.forCountry("DE").dateTime(winter)).isEqualTo("18. Dezember 2026 um 00:00:00 MEZ (Europe/Berlin)");
		assertThat(letters.forCountry("DE").dateTime(Instant.parse("2026-07-01T10:00:00Z")))
			.isEqualTo("1. Juli 2026 um 12:00:00 MESZ (Europe/Berlin)");
		assertThat(letters.forCountry("US").dateTime(winter)).isEqualTo("17 December 2026 at 23:00:00 UTC");
		assertThat(letters.forCountry("FR").dateTime(winter)).isEqualTo("18 December 2026 at 00:00:00 CET (Europe/Paris)");
	}

	private static Properties load(String resource) {
		Properties properties = new Properties();
		try (InputStream in = Objects.requireNonNull(NoticeLettersTests.class.getClassLoader().getResourceAsStream(resource),
				resource); Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
			properties.load(reader);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return properties;
	}

	private static Set<String> placeholders(String text) {
		Set<String> found = new TreeSet<>();
		Matcher m = PLACEHOLDER.matcher(text);
		while (m.find()) {
			found.add(m.group(1));
		}
		return found;
	}
}
