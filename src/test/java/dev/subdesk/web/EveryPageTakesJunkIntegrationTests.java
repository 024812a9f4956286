package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.Mailbox;
import dev.subdesk.testing.PathTemplates;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.MethodParameter;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Junk for every page and form of the server, found from the handlers Spring MVC routes (so a page added later is
 * covered without being listed here), beside the hand-written cases of the portal's and the console's junk tests:
 * ids in the path that name nothing (encoded, control characters, oversized), every query parameter and every form
 * field a handler reads set to empty, NUL, oversized, undecodable and foreign values, sent by a stranger, a signed-in
 * customer and a console ADMIN with their session's CSRF token. Every answer is a page or a redirect: never a 5xx,
 * never a stack trace or the framework's default error page.
 * <p>
 * Its own application context (and so its own database; the logging property below exists only to make the context
 * differ from the shared one): forms without an id in the path act on the signed-in customer or staff member, and
 * junk must be free to try them without touching the data of the other tests.
 */
@SubdeskIntegrationTest
@TestPropertySource(properties = "logging.level.dev.subdesk.web.junk=WARN")
class EveryPageTakesJunkIntegrationTests {

	/** Ids that name nothing, as they stand in a path (percent-encoded where they must be). */
	private static final List<String> PATH_VALUES = List.of("nope", "-1", "99999999999999999999", "x".repeat(3000),
			"%00", "%0A%0D", "..%2F..%2Fetc", "%C3%BC%E2%80%AE", "%27%20OR%201%3D1--", "%FF%FE", "%25",
			"CXL-0000-0000%00");

	/** Values for a query parameter or a form field, before encoding. */
	private static final List<String> FIELD_VALUES = List.of("", "x\u0000y", "9".repeat(20_000), "-1", "0",
			"99999999999999999999", "1e309", "abc", "2026-13-45", "<script>alert(1)</script>", "\uD83D\uDCA5\u202E",
			"' OR 1=1 --", "CASE-000000", "CXL-0000-0000");

	/** Shorter values for the query string (a browser's and the server's limits on a URL). */
	private static final List<String> QUERY_VALUES = List.of("", "x\u0000y", "9".repeat(3000), "-1", "abc",
			"<script>", "\uD83D\uDCA5", "%");

	/** Values no form field of any kind accepts, for forms that act on the signed-in user (no id in the path). */
	private static final List<String> INVALID_EVERYWHERE = List.of("x\u0000y", "9".repeat(20_000));

	/** Parameter types the framework fills itself, not from the request's fields. */
	private static final Set<String> FRAMEWORK = Set.of("org.springframework.ui.Model",
			"org.springframework.web.servlet.mvc.support.RedirectAttributes", "java.security.Principal",
			"jakarta.servlet.http.HttpServletRequest", "jakarta.servlet.http.HttpServletResponse",
			"jakarta.servlet.http.HttpSession", "java.util.Locale", "org.springframework.security.core.Authentication",
			"org.springframework.validation.BindingResult", "org.springframework.web.context.request.WebRequest");

	@LocalServerPort
	int port;

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	RequestMappingHandlerMapping mappings;

	@Autowired
	JdbcClient database;

	/** A route of the server: method, path pattern and the fields its handler reads from the request. */
	record Route(String method, String pattern, List<String> pathVariables, List<String> fields) {

		@Override
		public String toString() {
			return method + " " + pattern;
		}
	}

	@TestFactory
	Stream<DynamicTest> everyRouteAnswersJunkWithAPageNeverAnError() {
		Mailbox.register(port, database);
		List<Route> routes = routes();
		assertThat(routes).as("the pages and forms found").hasSizeGreaterThan(40);
		return routes.stream().map(route -> DynamicTest.dynamicTest(route.toString(), () -> {
			List<String> failures = new ArrayList<>();
			for (Browser browser : browsersFor(route)) {
				for (Request request : requests(route)) {
					browser.check(request, failures);
				}
			}
			assertThat(failures).as(route.toString()).isEmpty();
		}));
	}

	/** Every page and form outside the API, with the fields its handler reads. */
	private List<Route> routes() {
		Set<Route> routes = new LinkedHashSet<>();
		for (Map.Entry<RequestMappingInfo, HandlerMethod> entry : mappings.getHandlerMethods().entrySet()) {
			RequestMappingInfo info = entry.getKey();
			if (info.getPathPatternsCondition() == null) {
				continue;
			}
			Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
			List<String> verbs = methods.isEmpty() ? List.of("GET", "POST")
					: methods.stream().map(RequestMethod::name).filter(m -> m.equals("GET") || m.equals("POST")).toList();
			List<String> variables = new ArrayList<>();
			List<String> fields = new ArrayList<>();
			for (MethodParameter parameter : entry.getValue().getMethodParameters()) {
				parameter.initParameterNameDiscovery(new org.springframework.core.DefaultParameterNameDiscoverer());
				PathVariable path = parameter.getParameterAnnotation(PathVariable.class);
				RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
				Class<?> type = parameter.getParameterType();
				if (path != null) {
					variables.add(path.value().isEmpty() ? parameter.getParameterName() : path.value());
				}
				else if (param != null) {
					fields.add(param.value().isEmpty() ? param.name().isEmpty() ? parameter.getParameterName()
							: param.name() : param.value());
				}
				else if (type.isRecord()) {
					for (var component : type.getRecordComponents()) {
						fields.add(component.getName());
					}
				}
				else if (org.springframework.beans.BeanUtils.isSimpleProperty(type) && parameter.getParameterName() != null
						&& FRAMEWORK.stream().noneMatch(f -> f.equals(type.getName()))) {
					fields.add(parameter.getParameterName());
				}
			}
			for (String pattern : info.getPathPatternsCondition().getPatternValues()) {
				if (pattern.startsWith("/api") || pattern.startsWith("/actuator") || pattern.equals("/error")) {
					continue;
				}
				verbs.forEach(verb -> routes.add(new Route(verb, pattern, variables, fields)));
			}
		}
		return new ArrayList<>(routes);
	}

	/** Who sends the junk: a stranger always; a customer for the portal; an ADMIN for the console. */
	private List<Browser> browsersFor(Route route) {
		List<Browser> browsers = new ArrayList<>();
		browsers.add(new Browser(port));
		if (route.pattern().startsWith("/console")) {
			browsers.add(Browser.console(port, "admin"));
		}
		else {
			browsers.add(Browser.customer(port));
		}
		return browsers;
	}

	/** The junk for one route. */
	static List<Request> requests(Route route) {
		List<Request> requests = new ArrayList<>();
		boolean hasId = !route.pathVariables().isEmpty();
		for (String variable : route.pathVariables()) {
			for (String value : PATH_VALUES) {
				requests.add(new Request(route.method(), path(route.pattern(), variable, value), Map.of()));
			}
		}
		String somewhere = path(route.pattern(), null, null);
		if (route.method().equals("GET")) {
			for (String field : route.fields()) {
				for (String value : QUERY_VALUES) {
					requests.add(new Request("GET", somewhere + "?" + encode(field) + "=" + encode(value), Map.of()));
				}
			}
			requests.add(new Request("GET", somewhere + "?%FF=%FE&%C3=%28", Map.of()));
		}
		else {
			List<String> values = hasId ? FIELD_VALUES : INVALID_EVERYWHERE;
			for (String field : route.fields()) {
				for (String value : values) {
					requests.add(new Request("POST", somewhere, Map.of(field, value)));
				}
			}
			for (String value : values) {
				Map<String, String> all = new LinkedHashMap<>();
				route.fields().forEach(field -> all.put(field, value));
				requests.add(new Request("POST", somewhere, all));
			}
		}
		return requests;
	}

	/** The pattern with {@code name} set to {@code value} and every other variable to an unknown id. */
	private static String path(String pattern, String name, String value) {
		return PathTemplates.fill(pattern, name, value).replace("/**", "/x");
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	record Request(String method, String path, Map<String, String> form) {
	}

	/** A browser ({@link PortalSession}: its cookies, the CSRF token of the last page it read) and who uses it. */
	record Browser(PortalSession session, String who) {

		Browser(int port) {
			this(new PortalSession(port), "a stranger");
		}

		static Browser console(int port, String user) {
			PortalSession session = new PortalSession(port);
			session.get("/console/sign-in");
			PortalSession.Page signedIn = session.post("/console/sign-in",
					Map.of("username", user, "password", "console-test-password"));
			assertThat(signedIn.status()).as("console sign-in").isEqualTo(302);
			assertThat(signedIn.location()).doesNotContain("error");
			session.get("/console");
			return new Browser(session, "console " + user);
		}

		/** A new customer with a card and a subscription, signed in to the portal with the code from the email. */
		static Browser customer(int port) {
			Api api = new Api(port);
			Fixtures fixtures = new Fixtures(api);
			String account = fixtures.accountWithVisa();
			fixtures.subscribe(account, "antivirus-monthly");
			PortalSession session = new PortalSession(port).signIn(api, account);
			session.get("/portal");
			return new Browser(session, "customer " + account);
		}

		void check(Request request, List<String> failures) {
			String label = who + ": " + request.method() + " " + abbreviated(request.path()) + " "
					+ abbreviated(request.form().toString());
			try {
				PortalSession.Page page = request.method().equals("POST") ? session.post(request.path(), request.form())
						: session.get(request.path());
				String body = page.body();
				if (page.status() >= 500) {
					failures.add(label + " -> " + page.status() + " " + abbreviated(body));
				}
				else if (body.contains("Whitelabel Error Page") || body.contains("\tat ") || body.contains("java.lang.")
						|| body.contains("org.springframework.")) {
					failures.add(label + " -> " + page.status() + " shows internals: " + abbreviated(body));
				}
			}
			catch (RuntimeException e) {
				failures.add(label + " -> " + e);
			}
		}
	}

	private static String abbreviated(String text) {
		return text.length() <= 160 ? text : text.substring(0, 160) + "...(" + text.length() + " chars)";
	}
}
