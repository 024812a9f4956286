package dev.subdesk.api;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.shared.StorableText;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.shared.SubdeskException.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A request body read field by field, collecting every problem before answering one {@code 400
 * VALIDATION_FAILED} that lists them all. An empty body counts as {@code {}}. Text anywhere in the body must be
 * storable: U+0000 (which PostgreSQL text cannot hold) and unpaired surrogates (which have no UTF-8 form) are a
 * {@code 400} on their field, never a failure or a silent change on the way to the database.
 */
final class JsonBody {

	private final JsonNode node;
	private final List<FieldError> errors = new ArrayList<>();
	private Runnable pathCheck = () -> {
	};

	private JsonBody(JsonNode node) {
		this.node = node;
	}

	/**
	 * Parses a body whose path ids are checked only when the body is bad: the happy path saves a look-up while
	 * an unknown path id still answers 404 before any 400 (the contract's order of checks).
	 */
	static JsonBody parse(@Nullable String raw, JsonMapper json, Runnable pathCheck) {
		try {
			JsonBody body = parse(raw, json);
			body.pathCheck = pathCheck;
			return body;
		}
		catch (SubdeskException e) {
			pathCheck.run();
			throw e;
		}
	}

	static JsonBody parse(@Nullable String raw, JsonMapper json) {
		if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes current
				&& current.getRequest().getAttribute(RequestBodyFilter.NOT_UTF8) != null) {
			throw SubdeskException.invalid("", "the body is not valid UTF-8");
		}
		if (raw == null || raw.isBlank()) {
			return new JsonBody(JsonNodeFactory.instance.objectNode());
		}
		JsonNode node;
		try {
			// a name twice in one object is refused: readers disagree on which value counts (a receipt would verify
			// with the genuine value while a reader that takes the first one sees another)
			node = json.readerFor(JsonNode.class)
				.with(tools.jackson.databind.DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
				.readValue(raw);
		}
		catch (JacksonException e) {
			throw SubdeskException.invalid("", e.getMessage() != null && e.getMessage().contains("Duplicate property")
					? "the body names a field twice in one object" : "the body is not valid JSON");
		}
		if (node == null || !node.isObject()) {
			throw SubdeskException.invalid("", "the body must be a JSON object");
		}
		JsonBody body = new JsonBody(node);
		body.checkText("", node);
		body.validate();
		return body;
	}

	/** Whether {@code text} can be stored as it is ({@link StorableText}). */
	static boolean storable(String text) {
		return StorableText.storable(text);
	}

	private void checkText(String path, JsonNode value) {
		if (value.isString() && !storable(value.stringValue())) {
			errors.add(new FieldError(path, "must not contain U+0000 or unpaired surrogates"));
		}
		else if (value.isArray()) {
			for (int i = 0; i < value.size(); i++) {
				checkText(path + "[" + i + "]", value.get(i));
			}
		}
		else if (value.isObject()) {
			for (var property : value.properties()) {
				String field = path.isEmpty() ? property.getKey() : path + "." + property.getKey();
				if (!storable(property.getKey())) {
					errors.add(new FieldError(field, "must not contain U+0000 or unpaired surrogates"));
				}
				checkText(field, property.getValue());
			}
		}
	}

	JsonNode node() {
		return node;
	}

	boolean has(String field) {
		return node.has(field) && !node.get(field).isNull();
	}

	/** A string of {@code min}..{@code max} characters; null when absent and not required. */
	@Nullable String text(String field, boolean required, int min, int max) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			if (required) {
				errors.add(new FieldError(field, "is required"));
			}
			return null;
		}
		if (!value.isString()) {
			errors.add(new FieldError(field, "must be a string"));
			return null;
		}
		String text = value.stringValue();
		int length = text.codePointCount(0, text.length());
		if (length < min || length > max) {
			errors.add(new FieldError(field, min == max ? "must be %d characters".formatted(min)
					: "must be %d to %d characters".formatted(min, max)));
			return null;
		}
		return text;
	}

	/** A string that must match {@code pattern}. */
	@Nullable String matching(String field, boolean required, int min, int max, String pattern, String message) {
		String text = text(field, required, min, max);
		if (text != null && !text.matches(pattern)) {
			errors.add(new FieldError(field, message));
			return null;
		}
		return text;
	}

	<E extends Enum<E>> @Nullable E enumValue(String field, boolean required, Class<E> type) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			if (required) {
				errors.add(new FieldError(field, "is required"));
			}
			return null;
		}
		String allowed = String.join(", ", java.util.Arrays.stream(type.getEnumConstants()).map(Enum::name).toList());
		if (!value.isString()) {
			errors.add(new FieldError(field, "must be one of " + allowed));
			return null;
		}
		try {
			return Enum.valueOf(type, value.stringValue());
		}
		catch (IllegalArgumentException e) {
			errors.add(new FieldError(field, "must be one of " + allowed));
			return null;
		}
	}

	@Nullable Boolean bool(String field) {
		JsonNode value = node.get(field);
		if (value == null) {
			return null;
		}
		if (!value.isBoolean()) {
			errors.add(new FieldError(field, "must be true or false"));
			return null;
		}
		return value.booleanValue();
	}

	/** A positive integer (money in minor units); null when absent. */
	@Nullable Long positiveInteger(String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() <= 0) {
			errors.add(new FieldError(field, "must be a positive integer in the currency's minor unit"));
			return null;
		}
		return value.longValue();
	}

	/** Rejects every field not in {@code allowed}. */
	void allowOnly(Set<String> allowed) {
		for (String name : node.propertyNames()) {
			if (!allowed.contains(name)) {
				errors.add(new FieldError(name, "is not a field of this request"));
			}
		}
	}

	void reject(String field, String message) {
		errors.add(new FieldError(field, message));
	}

	boolean hasErrors() {
		return !errors.isEmpty();
	}

	/** Throws the collected problems, if any, as one {@code 400}. */
	void validate() {
		if (!errors.isEmpty()) {
			pathCheck.run();
			throw new SubdeskException(CommonErrorCode.VALIDATION_FAILED, "The request is not valid: " + errors.stream()
				.map(e -> (e.field().isEmpty() ? "body" : e.field()) + " " + e.message())
				.reduce((a, b) -> a + "; " + b)
				.orElse(""), errors);
		}
	}

	static String upper(String value) {
		return value.toUpperCase(Locale.ROOT);
	}
}
