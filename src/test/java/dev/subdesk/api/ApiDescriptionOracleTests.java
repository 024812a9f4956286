package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.OpenApiContract;
import org.junit.jupiter.api.Test;

/**
 * The check behind {@link ApiDescriptionConformanceIntegrationTests} has teeth: answers that differ from the
 * document in a field, a type, a status, a code or a content type are reported, and a faithful one is not.
 */
class ApiDescriptionOracleTests {

	private static final OpenApiContract CONTRACT = OpenApiContract.get();

	private static final String ACCOUNT = """
			{"id":"acct_1a2b3c","email":"a@b.example","name":"A","country":"DE","region":null,"status":"ACTIVE",
			"createdAt":"2026-11-28T10:00:00Z"}""";

	private static final String NOT_FOUND = """
			{"type":"https://subdesk.dev/problems/not-found","title":"Not Found","status":404,"detail":"No such account",
			"code":"NOT_FOUND"}""";

	@Test
	void aFaithfulAnswerPasses() {
		assertThat(CONTRACT.violations("GET", "/accounts/acct_1a2b3c", 200, "application/json", ACCOUNT)).isEmpty();
		assertThat(CONTRACT.violations("GET", "/accounts/acct_x", 404, "application/problem+json", NOT_FOUND)).isEmpty();
		assertThat(CONTRACT.violations("DELETE", "/accounts/acct_x/devices/dev_y", 204, "", "")).isEmpty();
	}

	@Test
	void aMissingFieldAnExtraFieldOrAWrongTypeIsReported() {
		assertThat(CONTRACT.violations("GET", "/accounts/acct_1", 200, "application/json",
				ACCOUNT.replace("\"region\":null,", ""))).singleElement().asString().contains("region");
		assertThat(CONTRACT.violations("GET", "/accounts/acct_1", 200, "application/json",
				ACCOUNT.replace("{", "{\"nickname\":\"x\","))).isNotEmpty();
		assertThat(CONTRACT.violations("GET", "/accounts/acct_1", 200, "application/json",
				ACCOUNT.replace("\"DE\"", "42"))).isNotEmpty();
		assertThat(CONTRACT.violations("GET", "/accounts/acct_1", 200, "application/json",
				ACCOUNT.replace("10:00:00Z", "10:00:00.123Z"))).as("an instant with fractions of a second").isNotEmpty();
	}

	@Test
	void aReferencedSchemaIsCheckedToo() {
		String list = "{\"data\":[" + ACCOUNT.replace("\"ACTIVE\"", "\"DORMANT\"") + "],\"nextCursor\":null}";
		assertThat(CONTRACT.violations("GET", "/accounts?email=a@b.example", 200, "application/json", list)).isNotEmpty();
	}

	@Test
	void anUndeclaredStatusCodeOrContentTypeIsReported() {
		assertThat(CONTRACT.violations("GET", "/accounts/acct_1", 418, "application/json", "{}")).singleElement()
			.asString()
			.contains("not declared");
		assertThat(CONTRACT.violations("GET", "/accounts/acct_1", 404, "application/problem+json",
				NOT_FOUND.replace("\"NOT_FOUND\"", "\"EMAIL_TAKEN\""))).isNotEmpty();
		assertThat(CONTRACT.violations("POST", "/accounts", 409, "application/problem+json", NOT_FOUND
			.replace("404", "409")
			.replace("\"NOT_FOUND\"", "\"ALREADY_CANCELLED\""))).as("a code this operation cannot answer").isNotEmpty();
		assertThat(CONTRACT.violations("GET", "/accounts/acct_1", 200, "text/html", ACCOUNT)).isNotEmpty();
		assertThat(CONTRACT.violations("DELETE", "/accounts/acct_x/devices/dev_y", 204, "application/json", "{}"))
			.isNotEmpty();
	}

	@Test
	void aBadRequestWithoutItsErrorsIsReported() {
		String problem = """
				{"type":"https://subdesk.dev/problems/validation-failed","title":"Bad Request","status":400,
				"detail":"Invalid","code":"VALIDATION_FAILED"}""";
		assertThat(CONTRACT.violations("POST", "/accounts", 400, "application/problem+json", problem)).isNotEmpty();
		assertThat(CONTRACT.violations("POST", "/accounts", 400, "application/problem+json",
				problem.replace("}", ",\"errors\":[{\"field\":\"email\",\"message\":\"is required\"}]}"))).isEmpty();
	}

	@Test
	void anOperationTheDocumentDoesNotHaveIsReported() {
		assertThat(CONTRACT.violations("PUT", "/accounts/acct_1", 200, "application/json", ACCOUNT)).singleElement()
			.asString()
			.contains("no operation");
		assertThat(CONTRACT.violations("GET", "/webhook-endpoints", 200, "application/json", "{}")).isNotEmpty();
	}
}
