package dev.subdesk.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Checks of RFC 9457 problem answers against the conventions of shared/API.md. */
public final class ProblemAssertions {

	/** Every problem code shared/API.md names; an error answer carries no other. */
	public static final Set<String> DOCUMENTED_CODES = Set.of("UNAUTHORIZED", "VALIDATION_FAILED", "NOT_FOUND",
			"METHOD_NOT_ALLOWED", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "PAYMENT_GATEWAY_UNAVAILABLE",
			"IDEMPOTENCY_KEY_REUSED", "EMAIL_TAKEN", "PAYMENT_METHOD_IN_USE", "DEVICE_LIMIT_REACHED", "ACCOUNT_CLOSED",
			"PAYMENT_DECLINED", "CHANNEL_MANAGED", "PARENT_NOT_ACTIVE", "ADD_ON_NOT_ALLOWED", "ADD_ON_EXISTS",
			"ALREADY_CANCELLED", "NOT_SCHEDULED_TO_END", "PARENT_ENDING", "PAYMENT_METHOD_REQUIRED",
			"OFFER_NOT_AVAILABLE", "REFUND_EXCEEDS_CHARGE", "CHARGE_NOT_REFUNDABLE", "CHARGE_NOT_DISPUTABLE",
			// price changes (issue 12; described in the OpenAPI document, the contract leaves them to the project)
			"EFFECTIVE_FROM_TOO_SOON", "PRICE_CHANGE_PENDING", "NO_PRICE_CHANGE_PENDING",
			// the catalog's administration (issue 12; described in openapi.json)
			"PLAN_EXISTS", "PRODUCT_EXISTS", "PLAN_RETIRED", "PRICE_EXISTS");

	private ProblemAssertions() {
	}

	/** A problem+json answer with this status and code, and every member of the problem shape. */
	public static JsonNode assertProblem(Api.Response response, int status, String code) {
		assertThat(response.status()).as(response.toString()).isEqualTo(status);
		assertThat(response.code()).as(response.toString()).isEqualTo(code);
		return assertProblemShape(response);
	}

	/** {@code 400 VALIDATION_FAILED} whose {@code errors} name {@code field}. */
	public static JsonNode assertValidationFailed(Api.Response response, String field) {
		JsonNode problem = assertProblem(response, 400, "VALIDATION_FAILED");
		assertThat(problem.path("errors").values()).as(response.toString())
			.extracting(e -> e.path("field").asString())
			.contains(field);
		return problem;
	}

	/**
	 * An error answer as the contract allows it for anything a client sends: never a 5xx other than 503
	 * {@code PAYMENT_GATEWAY_UNAVAILABLE}, problem+json, a documented code, and every 400 a VALIDATION_FAILED
	 * with field errors.
	 */
	public static JsonNode assertDocumentedProblem(Api.Response response) {
		assertThat(response.status()).as(response.toString()).isBetween(400, 499);
		JsonNode problem = assertProblemShape(response);
		assertThat(DOCUMENTED_CODES).as(response.toString()).contains(response.code());
		if (response.status() == 400) {
			assertThat(response.code()).as(response.toString()).isEqualTo("VALIDATION_FAILED");
			assertThat(problem.path("errors").isEmpty()).as(response.toString()).isFalse();
		}
		return problem;
	}

	private static JsonNode assertProblemShape(Api.Response response) {
		assertThat(response.contentType()).as(response.toString()).startsWith("application/problem+json");
		JsonNode problem = response.json();
		assertThat(problem.path("type").isString()).as(response.toString()).isTrue();
		assertThat(problem.path("title").asString()).as(response.toString()).isNotBlank();
		assertThat(problem.path("status").isInt()).as(response.toString()).isTrue();
		assertThat(problem.path("status").asInt()).as(response.toString()).isEqualTo(response.status());
		assertThat(problem.path("detail").asString()).as(response.toString()).isNotBlank();
		assertThat(problem.path("code").asString()).as(response.toString()).matches("[A-Z]+(_[A-Z]+)*");
		if (problem.has("errors")) {
			assertThat(problem.path("errors").values()).as(response.toString()).allSatisfy(error -> {
				assertThat(error.path("field").isString()).isTrue();
				assertThat(error.path("message").asString()).isNotBlank();
			});
		}
		return problem;
	}
}
