package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ChildServer;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.Mailbox;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Several nodes on one PostgreSQL behind a load balancer without sticky sessions: two server processes on one
 * database, and a browser whose requests go now to one, now to the other. The session (Spring Session JDBC) and its
 * CSRF token live in the database, so a customer signed in on node A cancels on node B with the token of A's page,
 * and an agent signed in to the console on A acts on B.
 */
@SubdeskIntegrationTest
class SessionsAcrossNodesIntegrationTests {

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

	private static final Pattern CODE = Pattern.compile("(?:sign-in code is|Anmeldecode lautet) (\\d{6})");

	@Autowired
	DataSource testDatabase;

	@TempDir
	Path logs;

	@Test
	void aCustomerAndAnAgentSignedInOnOneNodeAreServedByTheOther() throws Exception {
		String url = ChildServer.newDatabase(testDatabase, "two_nodes_");
		ChildServer a = null;
		ChildServer b = null;
		try {
			a = ChildServer.start(url, logs.resolve("a.log"));
			b = ChildServer.start(url, logs.resolve("b.log"));
			Mailbox.register(a.port(), JdbcClient.create(new DriverManagerDataSource(url, "postgres", "")));
			aCustomerSignsInOnACancelsOnB(a, b);
			anAgentSignsInOnAAndActsOnB(a, b);
		}
		finally {
			for (ChildServer node : new ChildServer[] { a, b }) {
				if (node != null) {
					node.stop();
				}
			}
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	private void aCustomerSignsInOnACancelsOnB(ChildServer a, ChildServer b) {
		Fixtures fixtures = new Fixtures(a.api());
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		Browser browser = new Browser();

		browser.get(a, "/portal/sign-in");
		Page codeAsked = browser.post(a, "/portal/sign-in", Map.of("email", a.api().get("/accounts/" + account).text("email")));
		assertThat(codeAsked.location()).endsWith("/portal/sign-in/code");
		assertThat(browser.get(b, "/portal/sign-in/code").body()).as("B knows the address A asked a code for")
			.contains("name=\"code\"");
		String email = Mailbox.latestBody(a.api(), account, "SIGN_IN_CODE");
		Matcher code = CODE.matcher(email);
		assertThat(code.find()).as(email).isTrue();
		assertThat(browser.post(a, "/portal/sign-in/code", Map.of("code", code.group(1))).location()).endsWith("/portal");

		assertThat(browser.get(b, "/portal").status()).as("signed in on A, served by B").isEqualTo(200);
		browser.get(a, "/portal/subscriptions/" + subscription + "/cancel");
		Page cancelled = browser.post(b, "/portal/subscriptions/" + subscription + "/cancel", Map.of("mode", "IMMEDIATE"));
		assertThat(cancelled.location()).as("B accepts the CSRF token of A's page").contains("/portal/cancellations/CXL-");
		assertThat(browser.get(b, path(cancelled.location())).body()).contains("CXL-");
		assertThat(b.api().get("/subscriptions/" + subscription).text("status")).isEqualTo("CANCELLED");

		browser.post(b, "/portal/sign-out", Map.of());
		assertThat(browser.get(a, "/portal").location()).as("signed out on B, signed out on A")
			.endsWith("/portal/sign-in");
	}

	private void anAgentSignsInOnAAndActsOnB(ChildServer a, ChildServer b) {
		String account = new Fixtures(a.api()).accountWithVisa();
		Browser agent = new Browser();
		agent.get(a, "/console/sign-in");
		Page signedIn = agent.post(a, "/console/sign-in", Map.of("username", "agent", "password", "console-test-password"));
		assertThat(signedIn.location()).endsWith("/console").doesNotContain("error");

		assertThat(agent.get(b, "/console").status()).as("signed in on A, served by B").isEqualTo(200);
		Page verified = agent.post(b, "/console/accounts/" + account + "/verify",
				Map.of("email", a.api().get("/accounts/" + account).text("email"), "cardLast4", "4242"));
		assertThat(verified.location()).as("an action on B with the session of A").contains("case=CASE-");
		assertThat(agent.get(a, path(verified.location())).status()).isEqualTo(200);
	}

	private static String path(String location) {
		return location.replaceFirst("^https?://[^/]+", "");
	}

	private record Page(int status, String body, String location) {
	}

	/**
	 * A browser behind a load balancer without sticky sessions: one cookie jar (cookies are kept per host, not per
	 * port, so both nodes on localhost get the same cookie), each request sent to the node the test names, every
	 * form with the CSRF token of the last page read, whichever node served it.
	 */
	private static final class Browser {

		private final HttpClient http = HttpClient.newBuilder()
			.cookieHandler(new CookieManager())
			.followRedirects(HttpClient.Redirect.NEVER)
			.connectTimeout(Duration.ofSeconds(5))
			.build();

		private String csrf = "";

		Page get(ChildServer node, String path) {
			Page page = send(HttpRequest.newBuilder(uri(node, path)).GET());
			Matcher m = CSRF.matcher(page.body());
			if (m.find()) {
				csrf = m.group(1);
			}
			return page;
		}

		Page post(ChildServer node, String path, Map<String, String> form) {
			Map<String, String> fields = new LinkedHashMap<>(form);
			fields.put("_csrf", csrf);
			String body = fields.entrySet()
				.stream()
				.map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
						+ URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
				.collect(Collectors.joining("&"));
			return send(HttpRequest.newBuilder(uri(node, path))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString(body)));
		}

		private static URI uri(ChildServer node, String path) {
			return URI.create("http://localhost:" + node.port() + path);
		}

		private Page send(HttpRequest.Builder request) {
			try {
				HttpResponse<String> response = http.send(request.header("Accept", "text/html")
					.header("Accept-Language", "en-US,en")
					.timeout(Duration.ofSeconds(30))
					.build(), HttpResponse.BodyHandlers.ofString());
				return new Page(response.statusCode(), response.body(),
						response.headers().firstValue("Location").orElse(""));
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
}
