package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Error codes live in one catalogue per module (an enum implementing {@link ErrorCode}, named after the module),
 * and nowhere else: no code is spelled as a string where an error is raised, every code the API description
 * promises is in a catalogue, and every catalogued code is either in the description or one of the few that only
 * pages raise.
 */
class ErrorCodeCatalogueTests {

	private static final Path MAIN = Path.of("src/main/java/dev/subdesk");

	/** Raised by the agent console, its support desk and the public forms only: no API handler answers them. */
	private static final Set<String> PAGES_ONLY = Set.of("APPROVAL_DECIDED", "CALLER_NOT_VERIFIED",
			"CASE_NOT_ESCALATABLE", "CASE_NOT_OPEN", "CASE_NOT_REOPENABLE", "CASE_NOT_YOURS", "CASE_OWNED",
			"CASE_RESOLVED", "NOTHING_TO_REFUND", "NOTICE_ERASED", "NOT_WITHDRAWABLE", "OWN_ACCOUNT", "OWN_REQUEST",
			"STEP_UP_REQUIRED", "USERNAME_TAKEN");

	private static final Pattern LITERAL_CODE = Pattern
		.compile("SubdeskException\\.conflict\\(\\s*\"|new SubdeskException\\(\\s*\\d{3}\\s*,\\s*\"");

	@Test
	void noErrorIsRaisedWithACodeSpelledAsAString() throws IOException {
		List<String> spelled = new ArrayList<>();
		for (Path file : sources()) {
			Matcher m = LITERAL_CODE.matcher(Files.readString(file));
			while (m.find()) {
				spelled.add(MAIN.relativize(file) + ": " + m.group());
			}
		}
		assertThat(spelled).as("raise errors with a code of the module's catalogue").isEmpty();
	}

	@Test
	void eachModuleHasAtMostOneCatalogueNamedAfterIt() throws Exception {
		Map<String, List<String>> byModule = new HashMap<>();
		for (Path file : sources()) {
			String name = file.getFileName().toString();
			if (name.endsWith("ErrorCode.java") && !name.equals("ErrorCode.java")) {
				String module = MAIN.relativize(file).getName(0).toString();
				byModule.computeIfAbsent(module, m -> new ArrayList<>()).add(name);
			}
		}
		assertThat(byModule).isNotEmpty();
		byModule.forEach((module, names) -> assertThat(names).as(module)
			.containsExactly(module.equals("shared") ? "CommonErrorCode.java"
					: Character.toUpperCase(module.charAt(0)) + module.substring(1) + "ErrorCode.java"));
		for (String cls : catalogueClasses()) {
			assertThat(ErrorCode.class.isAssignableFrom(Class.forName(cls))).as(cls).isTrue();
		}
	}

	@Test
	void theApiDescriptionNamesExactlyTheCataloguedCodesThatAnApiHandlerCanAnswer() throws Exception {
		Set<String> catalogued = new TreeSet<>();
		for (String cls : catalogueClasses()) {
			for (Object code : Class.forName(cls).getEnumConstants()) {
				ErrorCode error = (ErrorCode) code;
				assertThat(error.status()).as(cls + "." + error.name()).isBetween(400, 599);
				catalogued.add(error.name());
			}
		}
		JsonNode description = JsonMapper.builder()
			.build()
			.readTree(Files.readString(Path.of("src/main/resources/openapi/openapi.json")));
		Set<String> documented = new TreeSet<>();
		description.path("components").path("schemas").path("Problem").path("properties").path("code").path("enum")
			.forEach(code -> documented.add(code.asString()));
		assertThat(documented).as("documented codes").isNotEmpty();
		assertThat(catalogued).as("every documented code is raised somewhere").containsAll(documented);
		Set<String> undocumented = new TreeSet<>(catalogued);
		undocumented.removeAll(documented);
		assertThat(undocumented).as("catalogued codes the API description does not name").isSubsetOf(PAGES_ONLY);
	}

	private static List<Path> sources() throws IOException {
		try (Stream<Path> walk = Files.walk(MAIN)) {
			return walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
		}
	}

	private static List<String> catalogueClasses() throws IOException {
		return sources().stream()
			.map(p -> MAIN.relativize(p).toString().replace('\\', '/'))
			.filter(p -> p.endsWith("ErrorCode.java") && !p.endsWith("/ErrorCode.java"))
			.map(p -> "dev.subdesk." + p.replace(".java", "").replace('/', '.'))
			.toList();
	}
}
