package dev.subdesk.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Demo mode with the demo data on (the shared test context turns it off): the three demo customers are seeded once,
 * and a newcomer signs in to the portal as one of them with the code read in the demo mailbox, over HTTP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
		"subdesk.api.key=" + Api.TEST_KEY,
		"subdesk.clock.test-clock=true",
		"subdesk.entitlements.kek=" + SubdeskIntegrationTest.ENTITLEMENT_KEK,
		"subdesk.data-dir=${java.io.tmpdir}/subdesk-tests/${random.uuid}", "subdesk.data-dir-disposable=true",
		"subdesk.jobs.initial-delay=PT1H",
		"subdesk.demo.seed=true",
		"logging.level.dev.subdesk=WARN" })
class DemoDataIntegrationTests {

	private static final List<String> EMAILS = List.of("erika.demo@example.com", "casey.demo@example.com",
			"sam.store.demo@example.com");

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient database;

	@Autowired
	DemoCustomers seeder;

	@Autowired
	DataSource dataSource;

	record Seeded(String email, String country, String region, String channel, long subscriptions) {
	}

	private List<Seeded> seeded() {
		return database.sql("""
				SELECT a.email, a.country, coalesce(a.region, '') AS region, coalesce(min(s.channel), '') AS channel,
				       count(s.id) AS subscriptions
				FROM accounts a LEFT JOIN subscriptions s ON s.account_id = a.id
				WHERE a.email IN (:emails) GROUP BY a.id, a.email, a.country, a.region ORDER BY a.email
				""").param("emails", EMAILS).query(Seeded.class).list();
	}

	@Test
	void demoModeSeedsAGermanACalifornianAndAStoreBilledCustomerOnceEvenWhenSeededAgain() {
		List<Seeded> first = seeded();
		assertThat(first).containsExactly(
				new Seeded("casey.demo@example.com", "US", "CA", "DIRECT", 1),
				new Seeded("erika.demo@example.com", "DE", "", "DIRECT", 1),
				new Seeded("sam.store.demo@example.com", "IE", "", "APP_STORE", 1));

		assertThat(seeder.seed()).as("a second start on the same database opens no account").isZero();
		assertThat(seeder.seed()).isZero();

		assertThat(seeded()).isEqualTo(first);
	}

	@Test
	void nodesStartingTogetherSeedOneAfterTheOther() throws Exception {
		ExecutorService otherNode = Executors.newSingleThreadExecutor();
		try (Connection firstNode = dataSource.getConnection()) {
			firstNode.setAutoCommit(true);
			try (var lock = firstNode.prepareStatement("SELECT pg_advisory_lock(hashtextextended(?, 0))")) {
				lock.setString(1, DemoCustomers.SEED_LOCK);
				lock.execute();
			}
			Future<Integer> seeding = otherNode.submit(seeder::seed);
			Awaitility.await().atMost(Duration.ofSeconds(30))
				.until(() -> seeding.isDone() || database.sql("""
						SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
						""").query(Long.class).single() > 0);
			assertThat(seeding).as("the second node waits while the first seeds").isNotDone();
			try (var unlock = firstNode.prepareStatement("SELECT pg_advisory_unlock(hashtextextended(?, 0))")) {
				unlock.setString(1, DemoCustomers.SEED_LOCK);
				unlock.execute();
			}
			assertThat(seeding.get(30, TimeUnit.SECONDS)).as("then finds every customer there").isZero();
		}
		finally {
			otherNode.shutdownNow();
		}
		assertThat(seeded()).extracting(Seeded::subscriptions).containsOnly(1L);
	}

	@Test
	void aNewcomerReadsTheSignInCodeInTheDemoMailboxAndSignsInToThePortal() {
		Browser browser = new Browser(port);
		browser.get("/portal/sign-in");
		var asked = browser.post("/portal/sign-in", Map.of("email", "erika.demo@example.com"));
		assertThat(asked.headers().firstValue("Location").orElse("")).endsWith("/portal/sign-in/code");
		browser.get("/portal/sign-in/code");

		// the code's notice is written just after the request has committed: the newcomer looks again
		HttpResponse<String> mailbox = org.awaitility.Awaitility.await("the code in the mailbox")
			.atMost(java.time.Duration.ofSeconds(10))
			.until(() -> browser.get("/demo/mailbox"), page -> page.body().contains("<td>SIGN_IN_CODE</td>"));
		assertThat(mailbox.statusCode()).isEqualTo(200);
		Matcher row = Pattern.compile("<td>erika\\.demo@example\\.com</td>\\s*<td>SIGN_IN_CODE</td>\\s*"
				+ "<td><a href=\"(/demo/mailbox/[^\"]+)\"").matcher(mailbox.body());
		assertThat(row.find()).as(mailbox.body()).isTrue();
		int codeRow = row.start();
		int welcomeRow = mailbox.body().indexOf("<td>erika.demo@example.com</td>");
		assertThat(mailbox.body().indexOf("<td>WELCOME</td>", codeRow))
			.as("newest first: the sign-in code is listed above the welcome email")
			.isGreaterThan(codeRow);
		assertThat(welcomeRow).isEqualTo(codeRow);

		HttpResponse<String> email = browser.get(row.group(1));
		assertThat(email.statusCode()).isEqualTo(200);
		Matcher code = Pattern.compile("<pre>[^<\\d]*(\\d{6})").matcher(email.body());
		assertThat(code.find()).as(email.body()).isTrue();

		browser.get("/portal/sign-in/code");
		var signedIn = browser.post("/portal/sign-in/code", Map.of("code", code.group(1)));
		assertThat(signedIn.headers().firstValue("Location").orElse("")).as(signedIn.body()).endsWith("/portal");
		HttpResponse<String> portal = browser.get("/portal");
		assertThat(portal.statusCode()).isEqualTo(200);
		assertThat(portal.body()).contains("erika.demo@example.com");
	}

	@Test
	void anUnknownNoticeInTheMailboxIsNotFound() {
		assertThat(new Browser(port).get("/demo/mailbox/ntc_nothing").statusCode()).isEqualTo(404);
	}

	/** A browser at the HTTP level: keeps cookies, does not follow redirects, sends the last page's CSRF token. */
	static final class Browser {

		private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

		private final HttpClient http = HttpClient.newBuilder()
			.cookieHandler(new CookieManager())
			.followRedirects(HttpClient.Redirect.NEVER)
			.connectTimeout(Duration.ofSeconds(5))
			.build();

		private final String base;

		private String csrf = "";

		Browser(int port) {
			this.base = "http://localhost:" + port;
		}

		HttpResponse<String> get(String path) {
			HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(base + path)).GET());
			Matcher m = CSRF.matcher(page.body());
			if (m.find()) {
				csrf = m.group(1);
			}
			return page;
		}

		HttpResponse<String> post(String path, Map<String, String> form) {
			String body = form.entrySet()
				.stream()
				.map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
						+ URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
				.collect(Collectors.joining("&")) + "&_csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8);
			return send(HttpRequest.newBuilder(URI.create(base + path))
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString(body)));
		}

		private HttpResponse<String> send(HttpRequest.Builder request) {
			try {
				return http.send(request.header("Accept", "text/html")
					.header("Accept-Language", "en")
					.timeout(Duration.ofSeconds(30))
					.build(), HttpResponse.BodyHandlers.ofString());
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
