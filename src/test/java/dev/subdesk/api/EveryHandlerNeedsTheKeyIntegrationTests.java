package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;

/**
 * DESIGN invariant 10 and shared/API.md Conventions (1.1): no request reaches an API or management handler without
 * the key, whatever the spelling of its path. The test does not list the endpoints: it walks every handler method
 * the application maps under {@code /api} and {@code /actuator}, builds a URL for each with real ids, and proves
 * that each answers {@code 401} without the key (but the public ones), under the plain spelling and under odd ones;
 * an odd spelling is refused ({@code 400}/{@code 401}/{@code 404} problem+json) with or without the key, and never
 * carries the handler's data.
 */
@SubdeskIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EveryHandlerNeedsTheKeyIntegrationTests {

	private static final Pattern VARIABLE = Pattern.compile("\\{\\*?([A-Za-z0-9_]+)(?::[^}]*)?}");

	private static final String KEY = "Bearer " + Api.TEST_KEY;

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

	RawHttp http;

	/** Real ids of one customer's data, so that a handler reached by mistake would have something to show. */
	final Map<String, String> ids = new LinkedHashMap<>();

	String email;

	String name;

	@BeforeAll
	void createTheData() {
		http = new RawHttp(port);
		Api api = new Api(port);
		Fixtures fixtures = new Fixtures(api);
		email = Fixtures.uniqueEmail();
		name = "Keyholder " + UUID.randomUUID().toString().substring(0, 8);
		Api.Response account = api.post("/accounts", Map.of("email", email, "name", name, "country", "DE"));
		assertThat(account.status()).as(account.toString()).isEqualTo(201);
		ids.put("account", account.id());
		ids.put("pm", fixtures.card(account.id(), "tok_visa"));
		String subscription = fixtures.subscribe(account.id(), "antivirus-annual");
		ids.put("subscription", subscription);
		ids.put("storeSubscription", api.post("/subscriptions",
				Map.of("accountId", account.id(), "planCode", "vpn-annual", "channel", "APP_STORE")).id());
		ids.put("order", fixtures.subscription(subscription).text("orderNumber"));
		Api.Response device = api.post("/accounts/" + account.id() + "/devices",
				Map.of("name", "Laptop " + name, "platform", "WINDOWS"));
		ids.put("device", device.status() == 201 ? device.id() : "dev_unknown");
		ids.put("charge",
				api.get("/accounts/" + account.id() + "/charges").json().path("data").get(0).path("id").asString());
		String ending = fixtures.subscribe(account.id(), "vpn-annual");
		ids.put("cancellation", fixtures.cancel(ending, "END_OF_TERM").text("confirmationNumber"));
		assertThat(ids.values()).allSatisfy(id -> assertThat(id).isNotBlank());
	}

	/** One handler method's mapping: an HTTP method and a path pattern. */
	record Route(String method, String pattern) {

		boolean isPublic() {
			return switch (method + " " + pattern) {
				case "GET /api/v1/receipt-keys", "POST /api/v1/receipts/verify", "GET /api/v1/openapi.json",
						"GET /api/v1/official-channels", "POST /api/v1/official-channels/check", "GET /api/v1/entitlement-keys",
						"POST /api/v1/channels/apple/notifications", "POST /api/v1/channels/google/rtdn",
						"GET /actuator/health" -> true;
				default -> method.equals("GET") && pattern.startsWith("/actuator/health/");
			};
		}

		/** Public, but authenticated by a bearer token of its own (Google's), which no caller here has. */
		boolean checksItsOwnBearer() {
			return (method + " " + pattern).equals("POST /api/v1/channels/google/rtdn");
		}

		@Override
		public String toString() {
			return method + " " + pattern;
		}
	}

	/** Every handler method of every request-mapping handler mapping (controllers and actuator endpoints). */
	List<Route> routes() {
		List<Route> routes = new ArrayList<>();
		for (RequestMappingInfoHandlerMapping mapping : context.getBeansOfType(RequestMappingInfoHandlerMapping.class)
			.values()) {
			for (RequestMappingInfo info : mapping.getHandlerMethods().keySet()) {
				Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
				for (String pattern : info.getPatternValues()) {
					if (!(pattern.startsWith("/api") || pattern.startsWith("/actuator"))) {
						continue;
					}
					if (methods.isEmpty()) {
						routes.add(new Route("GET", pattern));
					}
					methods.forEach(method -> routes.add(new Route(method.name(), pattern)));
				}
			}
		}
		return routes.stream().distinct().toList();
	}

	@Test
	void theWalkFindsEveryApiAndManagementHandler() {
		List<String> routes = routes().stream().map(Route::toString).toList();
		assertThat(routes).as("the API handlers").filteredOn(r -> r.contains(" /api/")).hasSizeGreaterThanOrEqualTo(30);
		assertThat(routes).contains("GET /api/v1/accounts", "GET /api/v1/accounts/{id}/notices", "POST /api/v1/accounts",
				"POST /api/v1/test-clock/advance", "GET /api/v1/accounts/{id}/entitlements",
				"POST /api/v1/devices/{id}/entitlement-token", "GET /api/v1/entitlement-keys",
				"POST /api/v1/entitlement-keys/rotation", "GET /actuator/health", "GET /actuator/metrics", "GET /actuator/info",
				"GET /actuator/prometheus");
	}

	@Test
	void everyHandlerAnswers401WithoutTheKeyUnlessItIsPublic() {
		SoftAssertions soft = new SoftAssertions();
		for (Route route : routes()) {
			String path = concrete(route.pattern());
			String target = path + query(route);
			Map<String, Map<String, String>> callers = new LinkedHashMap<>();
			callers.put("no Authorization header", Map.of());
			callers.put("a wrong key", Map.of("Authorization", "Bearer not-" + Api.TEST_KEY));
			callers.put("the key without Bearer", Map.of("Authorization", Api.TEST_KEY));
			callers.put("Bearer and nothing", Map.of("Authorization", "Bearer "));
			callers.put("the key as Basic", Map.of("Authorization",
					"Basic " + Base64.getEncoder().encodeToString(("api:" + Api.TEST_KEY).getBytes(StandardCharsets.UTF_8))));
			callers.put("the key in another header", Map.of("X-Api-Key", Api.TEST_KEY));
			callers.forEach((caller, headers) -> {
				RawHttp.Answer answer = http.send(route.method(), target, headers, body(route));
				String what = route + " as " + target + " with " + caller + ": " + answer;
				if (route.checksItsOwnBearer()) {
					// Pub/Sub's OIDC token is its authentication: refused without one, never for want of the API key
					soft.assertThat(answer.status()).as(what).isEqualTo(401);
					soft.assertThat(answer.body()).as(what).doesNotContain("API key");
				}
				else if (route.isPublic()) {
					soft.assertThat(answer.status()).as(what).isNotEqualTo(401).isLessThan(500);
				}
				else {
					soft.assertThat(answer.status()).as(what).isEqualTo(401);
					soft.assertThat(answer.contentType()).as(what).startsWith("application/problem+json");
					soft.assertThat(answer.body()).as(what).contains("\"code\":\"UNAUTHORIZED\"");
					noData(soft, what, answer);
				}
			});
			if (route.method().equals("GET") && !route.isPublic()) {
				// the Prometheus endpoint answers its text format only
				String accept = path.equals("/actuator/prometheus") ? "text/plain" : "application/json";
				RawHttp.Answer withKey = http.send("GET", target, Map.of("Authorization", KEY, "Accept", accept), null);
				soft.assertThat(withKey.status()).as(route + " with the key (the URL the test built works)")
					.isIn(200, 404);
			}
		}
		soft.assertAll();
	}

	@Test
	void noOddSpellingOfAnyHandlersPathIsServedWithOrWithoutTheKey() {
		SoftAssertions soft = new SoftAssertions();
		int tried = 0;
		for (Route route : routes()) {
			String path = concrete(route.pattern());
			for (Map.Entry<String, UnaryOperator<String>> spelling : spellings().entrySet()) {
				String odd = spelling.getValue().apply(path);
				if (odd.equals(path)) {
					continue;
				}
				String target = odd + query(route);
				for (boolean withKey : List.of(false, true)) {
					RawHttp.Answer answer = http.send(route.method(), target,
							withKey ? Map.of("Authorization", KEY) : Map.of(), body(route));
					tried++;
					String what = route + " spelled " + target + " (" + spelling.getKey() + ")"
							+ (withKey ? " with the key" : " without the key") + ": " + answer;
					if (withKey) {
						soft.assertThat(answer.status()).as(what).isIn(400, 404);
					}
					else {
						soft.assertThat(answer.status()).as(what).isIn(400, 401, 404);
					}
					soft.assertThat(answer.contentType()).as(what).startsWith("application/problem+json");
					soft.assertThat(answer.body()).as(what)
						.containsAnyOf("\"code\":\"VALIDATION_FAILED\"", "\"code\":\"UNAUTHORIZED\"", "\"code\":\"NOT_FOUND\"");
					noData(soft, what, answer);
				}
			}
		}
		assertThat(tried).as("odd spellings tried").isGreaterThan(500);
		soft.assertAll();
	}

	@Test
	void anyLetterCaseOfTheBearerSchemeCarriesTheKey() {
		for (String scheme : List.of("Bearer", "bearer", "BEARER", "bEaReR")) {
			RawHttp.Answer answer = http.send("GET", "/api/v1/accounts/" + ids.get("account"),
					Map.of("Authorization", scheme + " " + Api.TEST_KEY), null);
			assertThat(answer.status()).as(scheme + ": " + answer).isEqualTo(200);
			assertThat(answer.body()).contains(email);
		}
	}

	@Test
	void managementEndpointsOtherThanHealthNeedTheKey() {
		for (String endpoint : List.of("/actuator", "/actuator/info", "/actuator/metrics",
				"/actuator/metrics/jvm.memory.used")) {
			RawHttp.Answer without = http.send("GET", endpoint, Map.of(), null);
			assertThat(without.status()).as(endpoint + " without the key: " + without).isEqualTo(401);
			assertThat(without.body()).as(endpoint).contains("\"code\":\"UNAUTHORIZED\"").doesNotContain("jvm");
			RawHttp.Answer wrong = http.send("GET", endpoint, Map.of("Authorization", "Bearer wrong"), null);
			assertThat(wrong.status()).as(endpoint + " with a wrong key: " + wrong).isEqualTo(401);
			RawHttp.Answer with = http.send("GET", endpoint, Map.of("Authorization", KEY), null);
			assertThat(with.status()).as(endpoint + " with the key: " + with).isEqualTo(200);
		}
		assertThat(http.send("GET", "/actuator/metrics", Map.of("Authorization", KEY), null).body())
			.contains("jvm.memory.used");
	}

	@Test
	void healthAndItsLivenessAndReadinessGroupsArePublic() {
		for (String endpoint : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
			RawHttp.Answer answer = http.send("GET", endpoint, Map.of(), null);
			assertThat(answer.status()).as(endpoint + ": " + answer).isEqualTo(200);
			assertThat(answer.body()).as(endpoint).contains("\"status\":\"UP\"");
		}
	}

	/** Ways to write a path that a lenient server could route to the same handler. */
	private static Map<String, UnaryOperator<String>> spellings() {
		Map<String, UnaryOperator<String>> spellings = new LinkedHashMap<>();
		spellings.put("v1 percent-encoded", p -> p.replaceFirst("^/api/v1", "/api/%76%31"));
		spellings.put("the first segment's first letter percent-encoded", p -> "/%" + hex(p.charAt(1), false) + p.substring(2));
		spellings.put("a letter of the last segment percent-encoded, lower-case hex", p -> encodeLastLetter(p, false));
		spellings.put("a letter of the last segment percent-encoded, upper-case hex", p -> encodeLastLetter(p, true));
		spellings.put("a '.' segment", p -> insertBeforeLast(p, "/."));
		spellings.put("a percent-encoded '.' segment", p -> insertBeforeLast(p, "/%2e"));
		spellings.put("a '..' segment", p -> insertBeforeLast(p, "/x/.."));
		spellings.put("an empty segment after the first", p -> p.replaceFirst("^(/[^/]+)/", "$1//"));
		spellings.put("a leading empty segment", p -> "/" + p);
		spellings.put("a ;jsessionid parameter on the last segment", p -> p + ";jsessionid=x");
		spellings.put("a ;jsessionid parameter on the first segment", p -> p.replaceFirst("^(/[^/]+)", "$1;jsessionid=x"));
		spellings.put("an empty ; parameter", p -> p.replaceFirst("^(/[^/]+)", "$1;"));
		spellings.put("a trailing slash", p -> p + "/");
		return spellings;
	}

	private static String hex(char c, boolean upper) {
		String hex = Integer.toHexString(c);
		return upper ? hex.toUpperCase(Locale.ROOT) : hex;
	}

	/** Percent-encodes a letter of the last segment, preferring one whose code has a hex letter (j-o, z, J-O, Z). */
	private static String encodeLastLetter(String path, boolean upper) {
		int start = path.lastIndexOf('/') + 1;
		int at = -1;
		for (int i = start; i < path.length(); i++) {
			char c = path.charAt(i);
			if (Character.isLetter(c) && c < 128) {
				if (at < 0) {
					at = i;
				}
				if (hex(c, false).matches(".*[a-f].*")) {
					at = i;
					break;
				}
			}
		}
		return at < 0 ? path : path.substring(0, at) + "%" + hex(path.charAt(at), upper) + path.substring(at + 1);
	}

	private static String insertBeforeLast(String path, String insert) {
		int last = path.lastIndexOf('/');
		return path.substring(0, last) + insert + path.substring(last);
	}

	/** The pattern with every path variable filled with a real id of the test's customer. */
	private String concrete(String pattern) {
		String path = pattern.replace("/**", "/liveness");
		Matcher m = VARIABLE.matcher(path);
		StringBuilder out = new StringBuilder();
		while (m.find()) {
			String before = path.substring(0, m.start());
			String value = switch (m.group(1)) {
				case "id" -> {
					if (before.endsWith("/accounts/")) {
						yield ids.get("account");
					}
					if (before.endsWith("/subscriptions/")) {
						yield ids.get(pattern.endsWith("/store-status") ? "storeSubscription" : "subscription");
					}
					if (before.endsWith("/charges/")) {
						yield ids.get("charge");
					}
					if (before.endsWith("/devices/")) {
						yield ids.get("device");
					}
					yield "off_0000000000";
				}
				case "pmId" -> ids.get("pm");
				case "deviceId" -> ids.get("device");
				case "number" -> ids.get("cancellation");
				case "caseNumber" -> "CASE-000000";
				case "requiredMetricName" -> "jvm.memory.used";
				default -> m.group().startsWith("{*") ? "/liveness" : "probe1";
			};
			m.appendReplacement(out, Matcher.quoteReplacement(value));
		}
		m.appendTail(out);
		return out.toString().replace("//liveness", "/liveness");
	}

	private String query(Route route) {
		if (!route.method().equals("GET")) {
			return "";
		}
		return switch (route.pattern()) {
			case "/api/v1/accounts" -> "?email=" + URLEncoder.encode(email, StandardCharsets.UTF_8);
			case "/api/v1/subscriptions" -> "?orderNumber=" + ids.get("order");
			default -> "";
		};
	}

	private static String body(Route route) {
		return switch (route.method()) {
			case "POST", "PATCH", "PUT" -> "{}";
			default -> null;
		};
	}

	/** Nothing of the customer's data: their email, name, card or device. */
	private void noData(SoftAssertions soft, String what, RawHttp.Answer answer) {
		soft.assertThat(answer.body()).as(what).doesNotContain(email).doesNotContain(name).doesNotContain(ids.get("pm"));
	}
}
