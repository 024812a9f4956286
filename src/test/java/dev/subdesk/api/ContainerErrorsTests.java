package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.shared.SubdeskException;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.HttpMediaTypeNotAcceptableException;

/**
 * A refusal the servlet container or the firewall answers under {@code /api/v1} carries a code shared/API.md names
 * for client errors, whatever the status: never the status's own name ({@code URI_TOO_LONG},
 * {@code EXPECTATION_FAILED}, ...).
 */
class ContainerErrorsTests {

	/** The codes the contract's conventions name for a client error that is no rule of a module. */
	private static final Set<String> CONTRACT_CLIENT_CODES = Set.of("VALIDATION_FAILED", "UNAUTHORIZED", "NOT_FOUND",
			"METHOD_NOT_ALLOWED", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE");

	@Test
	void everyClientErrorStatusKeepsItsStatusWithACodeTheContractNames() {
		int[] statuses = java.util.stream.IntStream.concat(
				Arrays.stream(HttpStatus.values()).filter(HttpStatus::is4xxClientError).mapToInt(HttpStatus::value),
				java.util.stream.IntStream.of(420, 499))
			.toArray();
		for (int status : statuses) {
			SubdeskException problem = ContainerErrors.problem(status);
			assertThat(problem.status()).as("status %d", status).isEqualTo(status);
			assertThat(problem.code()).as("code for %d", status).isIn(CONTRACT_CLIENT_CODES);
			if (problem.code().equals("VALIDATION_FAILED")) {
				assertThat(problem.errors()).as("errors for %d", status).singleElement().satisfies(error -> {
					assertThat(error.field()).isEmpty();
					assertThat(error.message()).isNotBlank();
				});
			}
		}
		assertThat(ContainerErrors.problem(414).errors().getFirst().message()).isEqualTo("the request line is too long");
		assertThat(ContainerErrors.problem(431).errors().getFirst().message())
			.isEqualTo("the request headers are too large");
	}

	@Test
	void anAcceptHeaderNothingAnswersIsNoCodeOfItsOwnUnderTheApi() {
		var handler = new ProblemHandler();
		var e = new HttpMediaTypeNotAcceptableException("no");

		var api = handler.notAcceptable(e, new MockHttpServletRequest("GET", "/api/v1/plans"));
		var actuator = handler.notAcceptable(e, new MockHttpServletRequest("GET", "/actuator/health"));

		assertThat(api.getStatusCode().value()).isEqualTo(406);
		assertThat(api.getBody()).asString().contains("code=VALIDATION_FAILED").contains("field=Accept");
		assertThat(actuator.getBody()).asString().contains("code=NOT_ACCEPTABLE");
	}
}
