package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Mailbox;
import java.io.IOException;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A customer's browser at the HTTP level: keeps the session cookie, does not follow redirects, and sends the
 * CSRF token of the last page it read with every form unless told not to.
 */
final class PortalSession {

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

	private static final Pattern CODE = Pattern.compile("(?:sign-in code is|Anmeldecode lautet) (\\d{6})");

	private final HttpClient http;

	private final String base;

	private final String languages;

	private String csrf = "";

	private final CookieManager cookies = new CookieManager();

	PortalSession(int port) {
		this(port, "en-US,en");
	}

	/** A browser whose Accept-Language is {@code languages}. */
	PortalSession(int port, String languages) {
		this.base = "http://localhost:" + port;
		this.languages = languages;
		this.http = client(cookies).build();
	}

	private PortalSession(int port, InetAddress local) {
		this.base = "http://127.0.0.1:" + port;
		this.languages = "en-US,en";
		this.http = client(cookies).localAddress(local).build();
	}

	/**
	 * A browser on another connection: its requests come from {@code loopback} (such as {@code 127.0.0.2}), so the
	 * server counts them under another client address than the other browsers' {@code 127.0.0.1}.
	 */
	static PortalSession from(int port, String loopback) {
		try {
			return new PortalSession(port, InetAddress.getByName(loopback));
		}
		catch (java.net.UnknownHostException e) {
			throw new IllegalStateException(e);
		}
	}

	private static HttpClient.Builder client(CookieManager cookies) {
		return HttpClient.newBuilder()
			.cookieHandler(cookies)
			.followRedirects(HttpClient.Redirect.NEVER)
			.connectTimeout(Duration.ofSeconds(5));
	}

	record Page(int status, String body, String location, String setCookie) {

		/** The value this answer set for the cookie {@code name}, if it set one. */
		java.util.Optional<String> cookie(String name) {
			return setCookie.lines()
				.filter(line -> line.startsWith(name + "="))
				.map(line -> line.substring(name.length() + 1).split(";", 2)[0])
				.findFirst();
		}
	}

	/**
	 * Keeps the cookie {@code name} with {@code value} and sends it with every request, as a browser does: also one the
	 * server marks Secure, which this client would keep to https, and the test server speaks http.
	 */
	PortalSession withCookie(String name, String value) {
		return withCookie(name, value, "/");
	}

	/** {@link #withCookie(String, String)} for the pages under {@code path} (sent before those for wider paths). */
	PortalSession withCookie(String name, String value, String path) {
		java.net.HttpCookie cookie = new java.net.HttpCookie(name, value);
		cookie.setPath(path);
		cookie.setVersion(0);
		cookies.getCookieStore().add(URI.create(base + "/"), cookie);
		return this;
	}

	/** The value of the cookie {@code name} this browser keeps now (empty when it keeps none). */
	String storedCookie(String name) {
		return cookies.getCookieStore()
			.getCookies()
			.stream()
			.filter(cookie -> cookie.getName().equals(name))
			.map(java.net.HttpCookie::getValue)
			.findFirst()
			.orElse("");
	}

	Page get(String path) {
		Page page = send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/html").GET());
		Matcher m = CSRF.matcher(page.body());
		if (m.find()) {
			csrf = m.group(1);
		}
		return page;
	}

	/** The CSRF token of the last page read. */
	String csrf() {
		return csrf;
	}

	/** Posts a form with {@code token} as its CSRF token. */
	Page postWithToken(String token, String path, Map<String, String> form) {
		Map<String, String> withToken = new LinkedHashMap<>(form);
		withToken.put("_csrf", token);
		return postWithoutToken(path, withToken);
	}

	/** Posts a form with the CSRF token of the last page read. */
	Page post(String path, Map<String, String> form) {
		Map<String, String> withToken = new LinkedHashMap<>(form);
		withToken.put("_csrf", csrf);
		return postWithoutToken(path, withToken);
	}

	Page postWithoutToken(String path, Map<String, String> form) {
		String body = form.entrySet()
			.stream()
			.map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
					+ URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
			.collect(Collectors.joining("&"));
		return send(HttpRequest.newBuilder(URI.create(base + path))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.header("Accept", "text/html")
			.POST(HttpRequest.BodyPublishers.ofString(body)));
	}

	/** Asks for a sign-in code and opens the page to enter it. */
	PortalSession requestCode(String email) {
		get("/portal/sign-in");
		assertThat(post("/portal/sign-in", Map.of("email", email)).location()).endsWith("/portal/sign-in/code");
		get("/portal/sign-in/code");
		return this;
	}

	/** Asks for a code for this account's email and signs in with the code read from the email. */
	PortalSession signIn(Api api, String accountId) {
		requestCode(api.get("/accounts/" + accountId).text("email"));
		Page signedIn = post("/portal/sign-in/code", Map.of("code", latestCode(api, accountId)));
		assertThat(signedIn.location()).as(signedIn.body()).endsWith("/portal");
		get("/portal"); // where the browser goes: signing in gives the session a new CSRF token
		return this;
	}

	/** The code of the newest sign-in code email of the account (the API never shows it). */
	static String latestCode(Api api, String accountId) {
		Matcher m = CODE.matcher(Mailbox.latestBody(api, accountId, "SIGN_IN_CODE"));
		assertThat(m.find()).isTrue();
		return m.group(1);
	}

	/** The newest sign-in code mailed to {@code address}, with or without an account. */
	static String latestCodeTo(Api api, String address) {
		Matcher m = CODE.matcher(Mailbox.latestBodyTo(api, address, "SIGN_IN_CODE"));
		assertThat(m.find()).isTrue();
		return m.group(1);
	}

	private Page send(HttpRequest.Builder request) {
		try {
			HttpResponse<String> response = http.send(request.header("Accept-Language", languages)
				.timeout(Duration.ofSeconds(30))
				.build(),
					HttpResponse.BodyHandlers.ofString());
			return new Page(response.statusCode(), response.body(), response.headers().firstValue("Location").orElse(""),
					String.join("\n", response.headers().allValues("Set-Cookie")));
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}
}
