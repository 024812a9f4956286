package dev.subdesk.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/** A small HTTP client for the public API, as an integrator would call it. */
public final class Api {

	public static final String TEST_KEY = "test-api-key";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
	private final String base;
	private final Map<String, String> headers = new LinkedHashMap<>();

	/** Every answer is checked against the API description unless a test asks for a client that does not check. */
	private boolean described = true;

	public Api(int port) {
		this("http://localhost:" + port);
	}

	public Api(String base) {
		this.base = base;
		headers.put("Authorization", "Bearer " + TEST_KEY);
	}

	/**
	 * This client: every answer is checked against the API description ({@link OpenApiContract}) by default (the
	 * operation exists, the status is declared for it, and the body matches the declared schema; else the call throws
	 * an {@link AssertionError}). Kept for the tests that say so.
	 */
	public Api checkedAgainstTheDescription() {
		return this;
	}

	/**
	 * A copy of this client that does not check its answers against the API description: for the few tests that
	 * send what no client of the API would (a path outside the API, a made-up method) and assert the answer
	 * themselves.
	 */
	public Api uncheckedAgainstTheDescription() {
		Api copy = with("Authorization", headers.get("Authorization"));
		copy.described = false;
		return copy;
	}

	/** Where this client sends its calls: {@code http://host:port}. */
	public String base() {
		return base;
	}

	/** A copy of this client that sends one more header (or, with a null value, drops it). */
	public Api with(String header, @Nullable String value) {
		Api copy = new Api(base);
		copy.described = described;
		copy.headers.clear();
		copy.headers.putAll(headers);
		if (value == null) {
			copy.headers.remove(header);
		}
		else {
			copy.headers.put(header, value);
		}
		return copy;
	}

	public Response get(String path) {
		return send("GET", path, null, "application/json");
	}

	public Response post(String path, @Nullable Object body) {
		return send("POST", path, body, "application/json");
	}

	public Response post(String path) {
		return send("POST", path, null, "application/json");
	}

	public Response patch(String path, @Nullable Object body) {
		return send("PATCH", path, body, "application/json");
	}

	public Response delete(String path) {
		return send("DELETE", path, null, "application/json");
	}

	/** Sends a raw body (a string is sent as it is, anything else as JSON). */
	public Response send(String method, String path, @Nullable Object body, @Nullable String contentType) {
		return send(method, path, body, contentType, Map.of());
	}

	/** Sends a raw body with more headers for this call only (they replace this client's of the same name). */
	public Response send(String method, String path, @Nullable Object body, @Nullable String contentType,
			Map<String, String> more) {
		String text = body == null ? "" : body instanceof String s ? s : JSON.writeValueAsString(body);
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/v1" + path))
			.timeout(timeout(path))
			.method(method, text.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text));
		Map<String, String> all = new LinkedHashMap<>(headers);
		all.putAll(more);
		all.forEach(request::header);
		if (contentType != null && !text.isEmpty()) {
			request.header("Content-Type", contentType);
		}
		try {
			HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
			Response answer = new Response(response.statusCode(), response.body(),
					response.headers().firstValue("Content-Type").orElse(""));
			if (described) {
				OpenApiContract.get().check(method, path, answer.status(), answer.contentType(), answer.raw());
			}
			return answer;
		}
		catch (IOException e) {
			throw new IllegalStateException(method + " " + path + " failed", e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}

	/**
	 * A minute for a request, ten for one that runs the jobs: a test-clock advance over months on the shared server
	 * renews every subscription earlier test classes left behind, and took over a minute in a loaded CI run. A
	 * client that gave up then left the server advancing the clock under the next test classes, whose callers'
	 * verifications expired mid-test.
	 */
	private static Duration timeout(String path) {
		return path.startsWith("/test-clock/advance") || path.startsWith("/renewals/run") ? Duration.ofMinutes(10)
				: Duration.ofSeconds(60);
	}

	public static JsonNode parse(String json) {
		return JSON.readTree(json);
	}

	/** A status, the raw body and its JSON. */
	public record Response(int status, String raw, String contentType) {

		public JsonNode json() {
			return raw.isBlank() ? MissingNode.getInstance() : JSON.readTree(raw);
		}

		public String text(String field) {
			return json().path(field).asString();
		}

		public String id() {
			return text("id");
		}

		/** The problem code of an error answer. */
		public String code() {
			return text("code");
		}

		@Override
		public String toString() {
			return status + " " + raw;
		}
	}
}
