package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.staff.StaffAccounts;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The client address that the per-address limits count (here: failed console sign-ins, which lock a username
 * from one address) is the socket's address unless a trusted proxy is configured: an {@code X-Forwarded-For}
 * header a client sends changes nothing by default, so nobody escapes a limit by naming another address.
 */
@SubdeskIntegrationTest
class ClientAddressIntegrationTests {

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Test
	void aForwardedForHeaderFromAClientDoesNotChangeTheAddressTheLimitsCount() {
		String username = failSignIn(port, "127.0.0.1", "203.0.113.9");

		assertThat(addressesCounted(jdbc, username)).isEqualTo("127.0.0.1");
	}

	@Test
	void withoutAForwardedForHeaderTheSocketAddressIsCounted() {
		String username = failSignIn(port, "127.0.0.2", null);

		assertThat(addressesCounted(jdbc, username)).isEqualTo("127.0.0.2");
	}

	@Test
	void failuresOutsideTheLockWindowAreDeletedWithTheirAddressesWhateverTheUsername(
			@Autowired StaffAccounts staff, @Autowired Clock clock) {
		String username = failSignIn(port, "127.0.0.3", null);
		Instant now = clock.instant();
		jdbc.sql("UPDATE staff_sign_in_failures SET at = :at WHERE username = :u")
			.param("at", Timestamp.from(now.minus(StaffAccounts.LOCK).minusSeconds(1)))
			.param("u", username)
			.update();
		String recent = failSignIn(port, "127.0.0.4", null);

		assertThat(staff.forgetFailuresBefore(now.minus(StaffAccounts.LOCK))).isPositive();

		assertThat(addressesCounted(jdbc, username)).isEmpty();
		assertThat(addressesCounted(jdbc, recent)).as("inside the window: still counted").isEqualTo("127.0.0.4");
	}

	static String addressesCounted(JdbcClient jdbc, String username) {
		return String.join(",", jdbc.sql("SELECT address FROM staff_sign_in_failures WHERE username = :u ORDER BY at")
			.param("u", username)
			.query(String.class)
			.list());
	}

	/**
	 * One failed console sign-in of a new username over a connection from {@code localAddress} (a loopback
	 * address), with an {@code X-Forwarded-For} header when one is given; returns the username.
	 */
	static String failSignIn(int port, String localAddress, @Nullable String forwardedFor) {
		String username = "probe-" + UUID.randomUUID().toString().substring(0, 8);
		try {
			HttpClient http = HttpClient.newBuilder()
				.cookieHandler(new CookieManager())
				.followRedirects(HttpClient.Redirect.NEVER)
				.localAddress(InetAddress.getByName(localAddress))
				.build();
			String base = "http://127.0.0.1:" + port;
			HttpRequest.Builder page = HttpRequest.newBuilder(URI.create(base + ConsoleSecurity.SIGN_IN));
			HttpRequest.Builder form = HttpRequest.newBuilder(URI.create(base + ConsoleSecurity.SIGN_IN));
			if (forwardedFor != null) {
				page.header("X-Forwarded-For", forwardedFor);
				form.header("X-Forwarded-For", forwardedFor);
			}
			Matcher csrf = CSRF.matcher(http.send(page.GET().build(), HttpResponse.BodyHandlers.ofString()).body());
			assertThat(csrf.find()).as("a CSRF token on the sign-in page").isTrue();
			String body = "username=" + username + "&password=wrong-password&_csrf="
					+ URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
			HttpResponse<String> answer = http.send(form.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString(body))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(answer.statusCode()).isEqualTo(302);
			assertThat(answer.headers().firstValue("Location").orElse("")).contains("error");
			return username;
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
