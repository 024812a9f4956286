package dev.subdesk.testing;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API description ({@code src/main/resources/openapi/openapi.json}) as a test oracle: finds the operation a
 * request reached and checks that the answer's status is declared for it and that its body matches the declared
 * schema (JSON Schema 2020-12, as OpenAPI 3.1 uses, with every {@code $ref} resolved in the document).
 */
public final class OpenApiContract {

	/** Where the document is on the class path (the server serves the same bytes at {@code /api/v1/openapi.json}). */
	public static final String RESOURCE = "openapi/openapi.json";

	private static final String IRI = "https://subdesk.test/openapi.json";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final OpenApiContract INSTANCE = new OpenApiContract();

	private final String text;
	private final JsonNode document;
	private final SchemaRegistry registry;
	private final List<Template> templates = new ArrayList<>();
	private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
	private final java.util.Set<String> exercised = ConcurrentHashMap.newKeySet();

	private OpenApiContract() {
		try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
			if (in == null) {
				throw new IllegalStateException(RESOURCE + " is not on the class path");
			}
			text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		document = JSON.readTree(text);
		registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(), builder -> builder.schemas(Map.of(IRI, text)));
		document.path("paths").propertyNames().forEach(path -> templates.add(new Template(path)));
	}

	public static OpenApiContract get() {
		return INSTANCE;
	}

	/** The document's text, as it is in the repository. */
	public String text() {
		return text;
	}

	public JsonNode document() {
		return document;
	}

	/** Every operation of the document as {@code "GET /api/v1/accounts/{id}"}. */
	public List<String> operations() {
		List<String> operations = new ArrayList<>();
		document.path("paths").properties().forEach(path -> path.getValue().propertyNames()
			.forEach(method -> operations.add(method.toUpperCase(Locale.ROOT) + " /api/v1" + path.getKey())));
		return operations;
	}

	/** The path template of the document that a concrete path under {@code /api/v1} matches (without the prefix). */
	public Optional<String> template(String method, String path) {
		String bare = path.replaceFirst("\\?.*$", "").replaceFirst("^/api/v1", "");
		return templates.stream()
			.filter(t -> t.pattern.matcher(bare).matches())
			.filter(t -> document.path("paths").path(t.path).has(method.toLowerCase(Locale.ROOT)))
			.map(t -> t.path)
			.findFirst();
	}

	/**
	 * What is wrong with an answer to {@code method path} (a path under {@code /api/v1}, query allowed): an empty list
	 * when the status is declared for the operation and the body matches its schema. An operation the document does
	 * not have is itself a violation.
	 */
	public List<String> violations(String method, String path, int status, String contentType, String body) {
		Optional<String> template = template(method, path);
		String what = method + " " + path + " answered " + status;
		if (template.isEmpty()) {
			return outsideTheDocument(what, method, status, contentType, body);
		}
		String pointer = "/paths/" + escape(template.get()) + "/" + method.toLowerCase(Locale.ROOT) + "/responses/" + status;
		JsonNode response = resolve(document.at(pointer));
		if (response.isMissingNode()) {
			return List.of(what + ": status " + status + " is not declared for " + method + " " + template.get()
					+ " (body " + abbreviate(body) + ")");
		}
		JsonNode content = response.path("content");
		if (content.isMissingNode() || content.isEmpty()) {
			if (body.isEmpty()) {
				exercised.add(method.toUpperCase(Locale.ROOT) + " /api/v1" + template.get() + " " + status);
				return List.of();
			}
			return List.of(what + ": declared without a body, but one came: " + abbreviate(body));
		}
		String mediaType = contentType.replaceFirst(";.*$", "").trim().toLowerCase(Locale.ROOT);
		if (!content.has(mediaType)) {
			return List.of(what + ": content type '" + contentType + "' is not declared (" + content.propertyNames() + ")");
		}
		JsonNode instance;
		try {
			instance = JSON.readTree(body);
		}
		catch (RuntimeException e) {
			return List.of(what + ": the body is not JSON: " + abbreviate(body));
		}
		String schemaPointer = responsePointer(pointer, document.at(pointer)) + "/content/" + escape(mediaType) + "/schema";
		List<Error> errors = schema(schemaPointer).validate(instance);
		if (errors.isEmpty()) {
			exercised.add(method.toUpperCase(Locale.ROOT) + " /api/v1" + template.get() + " " + status);
		}
		return errors.stream()
			.map(e -> what + ": " + e.getInstanceLocation() + " " + e.getMessage() + " (schema " + e.getSchemaLocation() + ")")
			.toList();
	}

	/**
	 * An answer to a method and path the document has no operation for: the document's description says what it is,
	 * a problem+json {@code 401 UNAUTHORIZED} (authentication is checked first), {@code 404 NOT_FOUND} (an unknown
	 * path), {@code 405 METHOD_NOT_ALLOWED} (a known path with another method) or, for a path not in normal form,
	 * {@code 400 VALIDATION_FAILED}; its body a {@code Problem}.
	 */
	private List<String> outsideTheDocument(String what, String method, int status, String contentType, String body) {
		String code = switch (status) {
			case 400 -> "VALIDATION_FAILED";
			case 401 -> "UNAUTHORIZED";
			case 404 -> "NOT_FOUND";
			case 405 -> "METHOD_NOT_ALLOWED";
			default -> null;
		};
		if (code == null) {
			return List.of(what + ": the document has no operation " + method + " for this path, and " + status
					+ " is not an answer the document gives to such a request");
		}
		if (!contentType.replaceFirst(";.*$", "").trim().equalsIgnoreCase("application/problem+json")) {
			return List.of(what + ": content type '" + contentType + "' where the document promises application/problem+json");
		}
		JsonNode instance;
		try {
			instance = JSON.readTree(body);
		}
		catch (RuntimeException e) {
			return List.of(what + ": the body is not JSON: " + abbreviate(body));
		}
		List<String> violations = new ArrayList<>(schema("/components/schemas/Problem").validate(instance)
			.stream()
			.map(e -> what + ": " + e.getInstanceLocation() + " " + e.getMessage() + " (schema " + e.getSchemaLocation() + ")")
			.toList());
		if (!code.equals(instance.path("code").asString())) {
			violations.add(what + ": code " + instance.path("code") + " where the document says " + code);
		}
		return violations;
	}

	/** Throws an {@link AssertionError} listing the violations, if any. */
	public void check(String method, String path, int status, String contentType, String body) {
		List<String> violations = violations(method, path, status, contentType, body);
		if (!violations.isEmpty()) {
			throw new AssertionError("The answer breaks the API description (openapi.json):\n  "
					+ String.join("\n  ", violations) + "\nbody: " + abbreviate(body));
		}
	}

	private Schema schema(String pointer) {
		return schemas.computeIfAbsent(pointer, p -> registry.getSchema(SchemaLocation.of(IRI + "#" + encodeFragment(p))));
	}

	/** A response object given as {@code $ref} is followed (to {@code #/components/responses/...}). */
	private JsonNode resolve(JsonNode node) {
		JsonNode ref = node.path("$ref");
		return ref.isString() ? document.at(ref.asString().substring(1)) : node;
	}

	private String responsePointer(String pointer, JsonNode node) {
		JsonNode ref = node.path("$ref");
		return ref.isString() ? ref.asString().substring(1) : pointer;
	}

	private static String escape(String segment) {
		return segment.replace("~", "~0").replace("/", "~1");
	}

	/** A JSON pointer in a URI fragment: characters a URI does not allow there are percent-encoded. */
	private static String encodeFragment(String pointer) {
		StringBuilder out = new StringBuilder();
		for (byte b : pointer.getBytes(StandardCharsets.UTF_8)) {
			char c = (char) (b & 0xff);
			if (Character.isLetterOrDigit(c) && c < 128 || "/~-._+".indexOf(c) >= 0) {
				out.append(c);
			}
			else {
				out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
			}
		}
		return out.toString();
	}

	private static String abbreviate(String body) {
		return body.length() <= 600 ? body : body.substring(0, 600) + "...";
	}

	/** A path of the document with its variables as a pattern of one segment each. */
	private static final class Template {

		final String path;
		final Pattern pattern;

		Template(String path) {
			this.path = path;
			this.pattern = Pattern.compile(
					java.util.Arrays.stream(path.split("/", -1))
						.map(segment -> segment.matches("\\{[^}]+}") ? "[^/]+" : Pattern.quote(segment))
						.reduce((a, b) -> a + "/" + b)
						.orElse(""));
		}
	}

	/** Every {@code "GET /api/v1/accounts/{id} 200"} that a checked answer has matched so far in this JVM. */
	public java.util.Set<String> exercised() {
		return java.util.Set.copyOf(exercised);
	}

	/** Compiles one schema of the document, resolving its {@code $ref}s; throws if one does not resolve. */
	public void compile(String pointer) {
		schema(pointer).initializeValidators();
	}

	/** The statuses the document declares per operation, for a test that wants to list them. */
	public Map<String, List<String>> declaredStatuses() {
		Map<String, List<String>> statuses = new LinkedHashMap<>();
		document.path("paths").properties().forEach(path -> path.getValue().properties()
			.forEach(op -> statuses.put(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(),
					op.getValue().path("responses").propertyNames().stream().toList())));
		return statuses;
	}
}
