package dev.subdesk.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A browser-like HTTP client for the console: a cookie jar, no redirects followed, the CSRF token from forms. */
final class ConsoleClient {

	static final String PASSWORD = "console-test-password";

	private static final Pattern CASE = Pattern.compile("case=(CASE-[0-9A-Z]{6})");

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

	record Page(int status, String body, String location) {
	}

	private final String base;
	private final HttpClient http;

	ConsoleClient(int port) {
		this.base = "http://localhost:" + port;
		this.http = HttpClient.newBuilder()
			.cookieHandler(new CookieManager())
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
	}

	/** A client whose connections come from another loopback address (127.0.0.0/8), as a second machine would. */
	ConsoleClient(int port, String loopbackAddress) {
		this.base = "http://127.0.0.1:" + port;
		try {
			this.http = HttpClient.newBuilder()
				.cookieHandler(new CookieManager())
				.followRedirects(HttpClient.Redirect.NEVER)
				.localAddress(java.net.InetAddress.getByName(loopbackAddress))
				.build();
		}
		catch (java.net.UnknownHostException e) {
			throw new IllegalArgumentException(loopbackAddress, e);
		}
	}

	static ConsoleClient signedIn(int port, String user) {
		ConsoleClient client = new ConsoleClient(port);
		Page page = client.post(ConsoleSecurity.SIGN_IN, Map.of("username", user, "password", PASSWORD));
		if (page.status() != 302 || page.location().contains("error")) {
			throw new IllegalStateException("Sign-in of " + user + " failed: " + page);
		}
		return client;
	}

	/**
	 * Verifies the caller of an account (its email and the test card's 4242), as an agent does at the start of a
	 * call; returns the number of the phone case this opens.
	 */
	String callCase(dev.subdesk.testing.Api api, String account) {
		Page verified = post("/console/accounts/" + account + "/verify",
				Map.of("email", api.get("/accounts/" + account).text("email"), "cardLast4", "4242"));
		Matcher m = CASE.matcher(verified.location());
		if (!m.find()) {
			throw new IllegalStateException("No case in " + verified);
		}
		return m.group(1);
	}

	Page get(String path) {
		return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
	}

	/** The response headers of a GET, as the browser receives them with the page. */
	java.net.http.HttpHeaders headers(String path) {
		try {
			return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/html").GET().build(),
					HttpResponse.BodyHandlers.discarding()).headers();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}

	/** Searches as the search form does (posted, then its redirect followed); returns the page of the results. */
	String search(String q) {
		return search(q, "");
	}

	/** As {@link #search(String)}, with a card's last four digits. */
	String search(String q, String last4) {
		return followed(post("/console/search", Map.of("q", q, "last4", last4)));
	}

	/** The page a redirect leads to, as a browser would show it. */
	String followed(Page redirect) {
		if (redirect.status() != 302) {
			throw new IllegalStateException("Not a redirect: " + redirect);
		}
		return get(redirect.location().replaceFirst("^https?://[^/]+", "")).body();
	}

	/** Posts a form with the session's CSRF token, as a browser submitting a console form does. */
	Page post(String path, Map<String, String> form) {
		Map<String, String> fields = new LinkedHashMap<>(form);
		fields.put("_csrf", csrfToken());
		return postRaw(path, fields);
	}

	Page postRaw(String path, Map<String, String> fields) {
		String body = fields.entrySet()
			.stream()
			.map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
					+ URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
			.collect(Collectors.joining("&"));
		return send(HttpRequest.newBuilder(URI.create(base + path))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(body)));
	}

	/** The CSRF token of this client's session, for forms posted with {@link #postRaw}. */
	String csrf() {
		return csrfToken();
	}

	private String csrfToken() {
		Matcher m = CSRF.matcher(get(ConsoleSecurity.SIGN_IN).body());
		if (!m.find()) {
			throw new IllegalStateException("No CSRF token on the sign-in page");
		}
		return m.group(1);
	}

	private Page send(HttpRequest.Builder request) {
		try {
			HttpResponse<String> response = http.send(request.header("Accept", "text/html,application/xhtml+xml").build(),
					HttpResponse.BodyHandlers.ofString());
			return new Page(response.statusCode(), response.body(),
					response.headers().firstValue("Location").orElse(""));
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}
}
