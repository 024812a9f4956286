package dev.subdesk.api;

import static dev.subdesk.testing.ProblemAssertions.assertDocumentedProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.OpenApiContract;
import dev.subdesk.testing.PathTemplates;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hostile input for every operation of the API description, generated from the document itself
 * ({@code openapi.json}), beside the hand-written cases of {@link BadInputIntegrationTests}: ids in the path that
 * name nothing (long, encoded, control characters, injection), every declared query and header parameter set to
 * values of the wrong kind, bodies that are not JSON, not an object, nested too deep, and every property of the
 * request's schema given a value of the wrong type. Each answer must be described by the document for its operation
 * (status and body: {@link Api} checks it) and, when it refuses, be a documented problem (never a 5xx); and the
 * operation's requests together leave no audit entry and no domain event behind.
 * <p>
 * The shared application's data must not change: ids in the path name nothing, so an operation with a path parameter
 * finds nothing to act on; an operation without one is sent only what cannot be a valid request (no empty object, no
 * value a lenient reader could turn into a valid one), and one without a request body is not sent at all unless it
 * only reads.
 */
@SubdeskIntegrationTest
class GeneratedBadInputIntegrationTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

	/** Ids that name nothing, as they stand in the request's path (percent-encoded where they must be). */
	private static final List<String> PATH_VALUES = List.of("nope", "0", "-1", "99999999999999999999999",
			"sub_" + "X".repeat(2000), "%00", "%0A%0D", "..%2F..%2Fetc%2Fpasswd", "%C3%BC%E2%80%AE%F0%9F%92%A5",
			"%27%20OR%201%3D1--", "%7B%7D", "%25", "%FF%FE", "CXL-0000-0000%00");

	/** Values of a query or header parameter of the wrong kind, or at the edges of every kind. */
	private static final List<String> PARAMETER_VALUES = List.of("", "-1", "0", "abc", "99999999999999999999999",
			"1e309", "NaN", "2026-13-45T25:61:00Z", "%00", "%FF", "x".repeat(5000), "true", "null", "%7B%22a%22%3A1%7D",
			"%27%3B%20DROP%20TABLE%20accounts%3B--");

	private static final List<String> HEADER_VALUES = List.of("", "-1", "abc", "x".repeat(5000), "null",
			"\u00fc\u00e9", "' OR 1=1 --", "{\"a\":1}");

	/** Bodies that no operation accepts: not JSON, or JSON of the wrong shape. */
	private static final List<String> BROKEN_BODIES = List.of("{", "{\"a\":", "[]", "null", "\"text\"", "123",
			"true", "{\"a\":1}}", "\u0000", "{'single': 'quotes'}", "[".repeat(5000) + "]".repeat(5000),
			"{\"a\":" + "[".repeat(3000) + "]".repeat(3000) + "}", "{\"a\":1e999999999}",
			"{\"a\":\"\\ud800\"}");

	/** Values that no property of any type accepts as another type (no lenient reading makes them valid). */
	private static final List<JsonNode> UNCOERCIBLE = List.of(NODES.arrayNode().add(1), NODES.objectNode().put("a", 1));

	/** Further values for a property of a schema, each sent only where the operation has an id in its path. */
	private static final List<JsonNode> ODD = List.of(NODES.nullNode(), NODES.numberNode(-1),
			NODES.numberNode(new java.math.BigInteger("9223372036854775808")), NODES.numberNode(1.5),
			NODES.booleanNode(true), NODES.stringNode(""), NODES.stringNode("x".repeat(20_000)),
			NODES.stringNode("\u0000\u202e"), NODES.stringNode("1e309"), NODES.numberNode(1e300));

	/** Operations that act on the whole system whatever they are sent: never called here. */
	private static final Set<String> NEVER = Set.of("POST /test-clock/advance", "POST /renewals/run",
			"POST /entitlement-keys/rotation");

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient database;

	/** One client for all the calls (each client has threads of its own). */
	private @Nullable Api api;

	@TestFactory
	Stream<DynamicTest> everyOperationRefusesHostileInputWithADocumentedProblem() {
		JsonNode document = document();
		List<DynamicTest> tests = new ArrayList<>();
		document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
			String method = operation.getKey().toUpperCase(java.util.Locale.ROOT);
			if (!Set.of("GET", "POST", "PATCH", "PUT", "DELETE").contains(method)) {
				return;
			}
			String name = method + " " + path.getKey();
			tests.add(DynamicTest.dynamicTest(name, () -> {
				List<String> failures = new ArrayList<>();
				List<Long> before = changes();
				for (Request request : requests(document, method, path.getKey(), operation.getValue())) {
					check(request, failures);
				}
				assertThat(failures).as(name).isEmpty();
				assertThat(changes()).as(name + ": audit entries and domain events (a change commits with both)")
					.isEqualTo(before);
			}));
		}));
		assertThat(tests).as("operations in the API description").hasSizeGreaterThan(60);
		return tests.stream();
	}

	/**
	 * How many audit entries and domain events there are: every change made through the API commits with its audit
	 * entry (and a change of the contract's types with its event), so equal counts mean nothing changed.
	 */
	private List<Long> changes() {
		return List.of(database.sql("SELECT count(*) FROM audit_events").query(Long.class).single(),
				database.sql("SELECT count(*) FROM domain_event").query(Long.class).single());
	}

	/** The hostile requests for one operation. */
	static List<Request> requests(JsonNode document, String method, String template, JsonNode operation) {
		if (NEVER.contains(method + " " + template)) {
			return List.of();
		}
		List<JsonNode> parameters = new ArrayList<>();
		operation.path("parameters").values().forEach(p -> parameters.add(resolve(document, p)));
		List<String> pathNames = parameters.stream()
			.filter(p -> "path".equals(p.path("in").asString()))
			.map(p -> p.path("name").asString())
			.toList();
		boolean hasPathId = !pathNames.isEmpty();
		JsonNode body = operation.path("requestBody").path("content").path("application/json").path("schema");
		boolean reads = method.equals("GET");
		if (!hasPathId && !reads && body.isMissingNode()) {
			// nothing to make invalid: any such call would act
			return List.of();
		}
		List<Request> requests = new ArrayList<>();
		// every path parameter in turn set to an id that names nothing, the others to a plain made-up id
		for (String name : pathNames) {
			for (String value : PATH_VALUES) {
				requests.add(new Request(method, PathTemplates.fill(template, name, value), validBody(body, hasPathId), Map.of()));
			}
		}
		String somewhere = PathTemplates.fill(template, null, null);
		for (JsonNode parameter : parameters) {
			String name = parameter.path("name").asString();
			switch (parameter.path("in").asString()) {
				case "query" -> PARAMETER_VALUES.forEach(value -> requests.add(new Request(method,
						somewhere + "?" + name + "=" + value, validBody(body, hasPathId), Map.of())));
				case "header" -> {
					if (hasPathId || reads) {
						HEADER_VALUES.forEach(value -> requests
							.add(new Request(method, somewhere, validBody(body, hasPathId), Map.of(name, value))));
					}
				}
				default -> {
				}
			}
		}
		if (!body.isMissingNode()) {
			BROKEN_BODIES.forEach(text -> requests.add(new Request(method, somewhere, text, Map.of())));
			requests.add(new Request(method, somewhere, "{}", Map.of("Content-Type", "text/plain")));
			requests.add(new Request(method, somewhere, "a=1", Map.of("Content-Type", "application/x-www-form-urlencoded")));
			JsonNode schema = resolve(document, body);
			for (String property : properties(document, schema)) {
				List<JsonNode> values = new ArrayList<>(UNCOERCIBLE);
				if (hasPathId) {
					values.addAll(ODD);
				}
				for (JsonNode value : values) {
					ObjectNode object = NODES.objectNode();
					object.set(property, value);
					requests.add(new Request(method, somewhere, JSON.writeValueAsString(object), Map.of()));
				}
			}
		}
		return requests;
	}

	private void check(Request request, List<String> failures) {
		if (api == null) {
			api = new Api(port);
		}
		Map<String, String> headers = new LinkedHashMap<>(request.headers());
		String contentType = headers.getOrDefault("Content-Type", "application/json");
		headers.remove("Content-Type");
		String label = request.method() + " " + abbreviated(request.path()) + " " + abbreviated(request.body())
				+ (request.headers().isEmpty() ? "" : " " + abbreviated(request.headers().toString()));
		try {
			Api.Response response = api.send(request.method(), request.path(), request.body(), contentType, headers);
			if (response.status() >= 400) {
				assertDocumentedProblem(response);
			}
			else {
				// accepted: only a request that reads may be, or one on an id that names nothing (none is)
				assertThat(request.method()).as("accepted " + response).isEqualTo("GET");
			}
		}
		catch (AssertionError | RuntimeException e) {
			failures.add(label + " -> " + abbreviated(String.valueOf(e.getMessage())));
		}
	}

	/** A body that is valid as far as this test can tell, or nothing: sent beside a bad path or parameter. */
	private static @Nullable String validBody(JsonNode schema, boolean hasPathId) {
		// without an id in the path, an empty object could be a valid request that acts: send none
		return schema.isMissingNode() || !hasPathId ? null : "{}";
	}

	/** The names of the properties of an object schema, through {@code allOf} and {@code $ref}. */
	private static List<String> properties(JsonNode document, JsonNode schema) {
		List<String> names = new ArrayList<>();
		JsonNode resolved = resolve(document, schema);
		resolved.path("properties").propertyNames().forEach(names::add);
		resolved.path("allOf").values().forEach(part -> names.addAll(properties(document, part)));
		resolved.path("oneOf").values().forEach(part -> names.addAll(properties(document, part)));
		resolved.path("anyOf").values().forEach(part -> names.addAll(properties(document, part)));
		return names.stream().distinct().toList();
	}

	private static JsonNode resolve(JsonNode document, JsonNode node) {
		JsonNode current = node;
		while (current.has("$ref")) {
			current = document.at(current.path("$ref").asString().substring(1));
		}
		return current;
	}

	private static String abbreviated(@Nullable String text) {
		if (text == null) {
			return "(no body)";
		}
		return text.length() <= 120 ? text : text.substring(0, 120) + "...(" + text.length() + " chars)";
	}

	private static JsonNode document() {
		try (InputStream in = GeneratedBadInputIntegrationTests.class.getClassLoader()
			.getResourceAsStream(OpenApiContract.RESOURCE)) {
			return JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
		}
		catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	record Request(String method, String path, @Nullable String body, Map<String, String> headers) {

		Request {
			headers = new LinkedHashMap<>(headers);
		}
	}
}
