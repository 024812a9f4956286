package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.SecondSupportLine;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A vendor with several official phone lines, each for its countries (the demo's defaults have one): the list names
 * every line in the configured order, the check knows each by its own label, national spellings read in the
 * country given, and every notice names every line.
 */
@SecondSupportLine
class OfficialChannelsSeveralLinesIntegrationTests extends ApiIntegrationTest {

	@Test
	void theListNamesEveryLineInTheConfiguredOrder() {
		Api.Response answer = api.with("Authorization", null).get("/official-channels");
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		assertThat(answer.json()).isEqualTo(JsonMapper.builder().build().readTree("""
				{"phones": [{"number": "+12025550142", "label": "Acme support (US and Canada)"},
				            {"number": "+442079460321", "label": "Acme support (UK and Ireland)"}],
				 "domains": ["acme.example"], "emailDomains": ["acme.example"]}"""));
	}

	@ParameterizedTest(name = "{0} ({1}) -> official={2} as {4}")
	@CsvSource(delimiter = '|', nullValues = "-", textBlock = """
			+1 202-555-0142           | -  | true  | +12025550142  | Acme support (US and Canada)
			(202) 555-0142            | -  | true  | +12025550142  | Acme support (US and Canada)
			020 7946 0321             | GB | true  | +442079460321 | Acme support (UK and Ireland)
			020 7946 0321             | gb | true  | +442079460321 | Acme support (UK and Ireland)
			+44 (0)20 7946 0321       | -  | true  | +442079460321 | Acme support (UK and Ireland)
			0044 20 7946 0321         | DE | true  | +442079460321 | Acme support (UK and Ireland)
			+44 20 7946 0312          | -  | false | +442079460312 | -
			202-555-0142              | GB | false | +442025550142 | -
			""")
	void eachLineIsOfficialUnderItsOwnLabel(String phone, @Nullable String country, boolean official,
			String normalized, @Nullable String label) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("phone", phone);
		if (country != null) {
			body.put("country", country);
		}
		Api.Response answer = api.with("Authorization", null).post("/official-channels/check", body);
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		JsonNode verdict = answer.json();
		assertThat(verdict.path("official").asBoolean()).as(answer.toString()).isEqualTo(official);
		assertThat(verdict.path("kind").asString()).isEqualTo("PHONE");
		assertThat(verdict.path("normalized").asString()).isEqualTo(normalized);
		if (label == null) {
			assertThat(verdict.path("label").isNull()).as(answer.toString()).isTrue();
		}
		else {
			assertThat(verdict.path("label").asString()).isEqualTo(label);
		}
	}

	@Test
	void everyNoticeNamesEveryLineInEnglishAndInGerman() {
		assertThat(welcome(fixtures.account("IE", null))).contains(
				"by phone Acme support (US and Canada) +1 202-555-0142, Acme support (UK and Ireland) +44 20 7946 0321;");
		assertThat(welcome(fixtures.account("DE", null))).contains(
				"telefonisch Acme support (US and Canada) +1 202-555-0142, Acme support (UK and Ireland) +44 20 7946 0321;");
	}

	private String welcome(String account) {
		return api.get("/accounts/" + account + "/notices?limit=50").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals("WELCOME"))
			.findFirst()
			.orElseThrow()
			.path("body")
			.asString();
	}
}
