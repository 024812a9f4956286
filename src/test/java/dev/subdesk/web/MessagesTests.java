package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every customer-facing string exists in English and German, with the same placeholders. */
class MessagesTests {

	private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\d+)}");

	private static final Pattern TEMPLATE_KEY = Pattern.compile("#\\{([A-Za-z][A-Za-z0-9_.]*)[}(]");

	@Test
	void englishAndGermanHaveTheSameKeys() {
		assertThat(load("messages_de.properties").stringPropertyNames())
			.containsExactlyInAnyOrderElementsOf(load("messages.properties").stringPropertyNames());
	}

	@Test
	void eachGermanMessageHasTheSamePlaceholdersAsTheEnglishOneAndIsNotEmpty() {
		Properties en = load("messages.properties");
		Properties de = load("messages_de.properties");
		for (String key : en.stringPropertyNames()) {
			assertThat(de.getProperty(key, "")).as(key).isNotBlank();
			assertThat(placeholders(de.getProperty(key, ""))).as(key).isEqualTo(placeholders(en.getProperty(key)));
		}
	}

	@Test
	void everyKeyAPageNamesLiterallyExists() throws IOException {
		Properties en = load("messages.properties");
		Set<String> missing = new TreeSet<>();
		try (Stream<Path> templates = Files.walk(Path.of("src/main/resources/templates"))) {
			for (Path template : templates.filter(p -> p.toString().endsWith(".html")).toList()) {
				Matcher m = TEMPLATE_KEY.matcher(Files.readString(template));
				while (m.find()) {
					if (!en.containsKey(m.group(1))) {
						missing.add(template.getFileName() + ": " + m.group(1));
					}
				}
			}
		}
		assertThat(missing).isEmpty();
	}

	private static Set<String> placeholders(String message) {
		Set<String> found = new TreeSet<>();
		Matcher m = PLACEHOLDER.matcher(message);
		while (m.find()) {
			found.add(m.group(1));
		}
		return found;
	}

	private static Properties load(String name) {
		Properties properties = new Properties();
		try (Reader reader = new InputStreamReader(
				Objects.requireNonNull(MessagesTests.class.getResourceAsStream("/" + name), name), StandardCharsets.UTF_8)) {
			properties.load(reader);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return properties;
	}
}
