package dev.subdesk.api;

import static dev.subdesk.testing.ProblemAssertions.assertDocumentedProblem;
import static dev.subdesk.testing.ProblemAssertions.assertValidationFailed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * shared/API.md, Official channels (1.1), over HTTP and without the API key: the list of the vendor's channels and
 * the check of a phone number, web address or email sender, with the table of tricky inputs; what is not a number,
 * an address or a sender is problem+json {@code 400}, never a 5xx; the paths beside the public ones still need the
 * key. All with the demo vendor's defaults (one line); several lines: {@link OfficialChannelsSeveralLinesIntegrationTests}.
 */
class OfficialChannelsIntegrationTests extends ApiIntegrationTest {

	@Value("${subdesk.notices.from}")
	String noticesFrom;

	/** A caller without the key: the endpoints are public. */
	private Api anyone() {
		return api.with("Authorization", null);
	}

	@Test
	void anyoneCanListTheOfficialChannelsWithoutAKey() {
		for (Api caller : List.of(anyone(), api.with("Authorization", "Bearer not-the-key"), api)) {
			Api.Response answer = caller.get("/official-channels");
			assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
			JsonNode body = answer.json();
			assertThat(body.propertyNames()).containsExactlyInAnyOrder("phones", "domains", "emailDomains");
			assertThat(body.path("phones").get(0).propertyNames()).containsExactlyInAnyOrder("number", "label");
		}
	}

	/**
	 * API.md: "The demo vendor Acme lists the domains {@code acme.example} and the fictional support line
	 * {@code +1 202-555-0142}": the demo's defaults are exactly these, one phone line in E.164 with its label
	 * (the tests that need a second line configure it: OfficialChannelsSeveralLinesIntegrationTests).
	 */
	@Test
	void theDemoVendorListsExactlyTheChannelsOfTheContract() {
		Api.Response answer = anyone().get("/official-channels");
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		assertThat(answer.json()).isEqualTo(JsonMapper.builder().build().readTree("""
				{"phones": [{"number": "+12025550142", "label": "Acme support (US and Canada)"}],
				 "domains": ["acme.example"], "emailDomains": ["acme.example"]}"""));
	}

	@ParameterizedTest(name = "{0}={1} ({2}) -> official={3} as {4}")
	@CsvSource(delimiter = '|', nullValues = "-", textBlock = """
			phone | +1 202-555-0142                     | -  | true  | +12025550142            | Acme support (US and Canada)
			phone | (202) 555-0142                      | -  | true  | +12025550142            | Acme support (US and Canada)
			phone | 1-202-555-0142                      | -  | true  | +12025550142            | Acme support (US and Canada)
			phone | 001 202 555 0142                    | DE | true  | +12025550142            | Acme support (US and Canada)
			phone | +44 (0)20 7946 0321                 | -  | false | +442079460321           | -
			phone | +1 202-555-0143                     | -  | false | +12025550143            | -
			phone | 202-555-0142                        | GB | false | +442025550142           | -
			url   | https://acme.example/cancel         | -  | true  | acme.example            | -
			url   | acme.example                        | -  | true  | acme.example            | -
			url   | HTTPS://WWW.ACME.EXAMPLE:8443/x     | -  | true  | www.acme.example        | -
			url   | https://acme.example.evil.test/     | -  | false | acme.example.evil.test  | -
			url   | https://acme-example.test           | -  | false | acme-example.test       | -
			url   | https://аcme.example                | -  | false | xn--cme-5cd.example     | -
			url   | https://xn--cme-5cd.example         | -  | false | xn--cme-5cd.example     | -
			url   | https://acme.example@evil.test/     | -  | false | evil.test               | -
			url   | acme.example@evil.test              | -  | false | evil.test               | -
			url   | https://acme%2Eexample.evil.test/   | -  | false | acme.example.evil.test  | -
			email | support@ACME.example                | -  | true  | support@acme.example    | -
			email | "Acme" <billing@mail.acme.example>  | -  | true  | billing@mail.acme.example | -
			email | "Acme Support" <help@acme-support.test> | - | false | help@acme-support.test | -
			email | "support@acme.example" <x@evil.test> | - | false | x@evil.test            | -
			""")
	void theCheckAnswersWhetherAPhoneNumberAddressOrSenderIsOfficial(String field, String value,
			@Nullable String country, boolean official, String normalized, @Nullable String label) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put(field, value);
		if (country != null) {
			body.put("country", country);
		}
		Api.Response answer = anyone().post("/official-channels/check", body);
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		JsonNode verdict = answer.json();
		assertThat(verdict.propertyNames()).containsExactlyInAnyOrder("official", "kind", "normalized", "label", "advice");
		assertThat(verdict.path("official").isBoolean()).isTrue();
		assertThat(verdict.path("official").asBoolean()).as(answer.toString()).isEqualTo(official);
		assertThat(verdict.path("kind").asString()).isEqualTo(field.toUpperCase(java.util.Locale.ROOT));
		assertThat(verdict.path("normalized").asString()).isEqualTo(normalized);
		if (label == null) {
			assertThat(verdict.path("label").isNull()).as(answer.toString()).isTrue();
		}
		else {
			assertThat(verdict.path("label").asString()).isEqualTo(label);
		}
		assertThat(verdict.path("advice").asString()).isNotBlank();
	}

	@Test
	void theAdviceSaysWhatToDo() {
		assertThat(anyone().post("/official-channels/check", Map.of("phone", "+1 202-555-0199")).text("advice"))
			.contains("not Acme's").contains("Do not call it");
		assertThat(anyone().post("/official-channels/check", Map.of("url", "https://acme.example@evil.test")).text("advice"))
			.contains("user name");
		assertThat(anyone().post("/official-channels/check", Map.of("email", "\"Acme\" <a@evil.test>")).text("advice"))
			.contains("only the address counts");
	}

	@ParameterizedTest(name = "{0} is a 400 on ''{1}''")
	@CsvSource(delimiter = '|', textBlock = """
			{"phone": "hello"}                                  | phone
			{"phone": "020 7946 0321"}                          | phone
			{"phone": "+1 202 555 0142", "country": "ZZ"}       | country
			{"phone": 12025550142}                              | phone
			{"url": "javascript:alert(1)"}                      | url
			{"url": "ftp://acme.example"}                       | url
			{"url": "https://"}                                 | url
			{"url": "https://acme.example:80x/"}                | url
			{"url": "https://acme.example%00.evil.test/"}       | url
			{"email": "not an address"}                         | email
			{"email": "a@evil.test, support@acme.example"}      | email
			{"email": ""}                                       | email
			{}                                                  | phone
			{"phone": "+12025550142", "url": "acme.example"}    | ''
			{"url": "acme.example", "country": "US"}            | country
			{"url": "acme.example", "path": "/"}                | path
			{"phone": null}                                     | phone
			""")
	void whatIsNotANumberAddressOrSenderIsAProblemJson400(String body, String field) {
		Api.Response answer = anyone().send("POST", "/official-channels/check", body, "application/json");
		assertValidationFailed(answer, field);
		assertDocumentedProblem(answer);
	}

	@Test
	void junkBodiesAreProblemJson400sAndNeverA5xx() {
		String longUrl = "https://acme.example/" + "a".repeat(3000);
		for (String body : List.of("not json", "[]", "\"acme.example\"", "{\"url\": [\"acme.example\"]}",
				"{\"url\": \"" + longUrl + "\"}", "{\"email\": {\"address\": \"support@acme.example\"}}",
				"{\"phone\": \"" + "9".repeat(300) + "\"}", "{\"url\": \"https://\\u0000acme.example\"}",
				"{\"url\": \"https://" + "a.".repeat(200) + "example\"}")) {
			Api.Response answer = anyone().send("POST", "/official-channels/check", body, "application/json");
			assertThat(answer.status()).as(body + " -> " + answer).isEqualTo(400);
			assertDocumentedProblem(answer);
		}
	}

	@Test
	void theNoticesSenderIsAnOfficialSender() {
		Api.Response answer = anyone().post("/official-channels/check", Map.of("email", noticesFrom));
		assertThat(answer.json().path("official").asBoolean()).as(noticesFrom + ": " + answer).isTrue();
	}

	@Test
	void thePathsBesideThePublicOnesStillNeedTheKey() {
		RawHttp http = new RawHttp(port);
		String account = fixtures.accountWithVisa();
		for (String[] call : new String[][] { { "GET", "/api/v1/official-channels/../accounts/" + account },
				{ "GET", "/api/v1/official-channels/%2E%2E/accounts/" + account },
				{ "GET", "/api/v1/official-channels/..;/accounts/" + account },
				{ "GET", "/api/v1/official-channels/check/../../accounts/" + account },
				{ "GET", "/api/v1/official-channels/check" }, { "POST", "/api/v1/official-channels" },
				{ "GET", "/api/v1/official-channels/other" }, { "POST", "/api/v1/official-channels/check/more" },
				{ "GET", "/api/v1/official-channels/%2e%2e/accounts/" + account } }) {
			RawHttp.Answer answer = http.send(call[0], call[1], Map.of(), call[0].equals("POST") ? "{}" : null);
			assertThat(answer.status()).as(call[0] + " " + call[1] + ": " + answer).isIn(400, 401, 404);
			assertThat(answer.contentType()).as(call[1]).startsWith("application/problem+json");
			assertThat(answer.body()).as(call[1]).doesNotContain(account).doesNotContain("@");
		}
		RawHttp.Answer accounts = http.send("GET", "/api/v1/accounts/" + account, Map.of(), null);
		assertThat(accounts.status()).isEqualTo(401);
		RawHttp.Answer listed = http.send("GET", "/api/v1/official-channels", Map.of(), null);
		assertThat(listed.status()).isEqualTo(200);
	}
}
