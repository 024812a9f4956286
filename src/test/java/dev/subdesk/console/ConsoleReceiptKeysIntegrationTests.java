package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.clock.TestClock;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Mailbox;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The ADMINs' receipt keys page, over HTTP: a rotation makes a new key sign the new receipts while the old ones still
 * verify; a revocation (of an older key, or of the current one, which is replaced first) takes the key off
 * {@code GET /api/v1/receipt-keys}, makes its receipts fail {@code POST /api/v1/receipts/verify} and the public receipt
 * page say the key was withdrawn, while the receipt endpoint returns the same bytes as before; both are audited; nobody
 * but an ADMIN may do either.
 */
class ConsoleReceiptKeysIntegrationTests extends ApiIntegrationTest {

	private static final Pattern LINK = Pattern
		.compile("https?://[^/\\s]+(/receipts/CXL-[0-9A-Z]{4}-[0-9A-Z]{4}\\?t=[A-Za-z0-9_-]{20,})");

	@Autowired
	JdbcClient jdbc;

	@Autowired
	TestClock clock;

	private final HttpClient anonymous = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

	@Test
	void anAdminRotatesTheKeyAndThenRevokesTheOldOneWhoseReceiptsStopVerifyingButStayAsIssued() {
		Issued old = cancelled();
		String oldKey = old.receipt().path("keyId").asString();
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		assertThat(admin.get("/console/receipt-keys").body()).contains(oldKey).contains("current");

		String rotated = admin.followed(admin.post("/console/receipt-keys/rotate", Map.of("reason", "yearly rotation")));
		Matcher made = Pattern.compile("Receipt key (rk_\\w+) is the current signing key").matcher(rotated);
		assertThat(made.find()).as(rotated).isTrue();
		String newKey = made.group(1);
		assertThat(audited("RECEIPT_KEY_ROTATED", newKey)).isEqualTo(1);

		Issued fresh = cancelled();
		assertThat(fresh.receipt().path("keyId").asString()).as("new receipts are signed with the new key")
			.isEqualTo(newKey);
		assertThat(verifies(fresh.receipt())).isTrue();
		assertThat(verifies(old.receipt())).as("a receipt signed by the old key still verifies").isTrue();
		assertThat(published()).contains(oldKey, newKey);
		assertThat(receiptBytes(old.number())).isEqualTo(old.raw());

		String revoked = admin.followed(admin.post("/console/receipt-keys/" + oldKey + "/revoke",
				Map.of("reason", "believed leaked")));
		assertThat(revoked).contains("Receipt key " + oldKey + " is revoked from");
		assertThat(audited("RECEIPT_KEY_REVOKED", oldKey)).isEqualTo(1);
		// a key current moments ago is revoked once every node has moved off it (twice the refresh interval)
		clock.moveTo(clock.instant().plusSeconds(21));

		assertThat(published()).as("a revoked key is no longer published").doesNotContain(oldKey).contains(newKey);
		assertThat(verifies(old.receipt())).as("a receipt signed by the revoked key").isFalse();
		assertThat(verifies(fresh.receipt())).isTrue();
		assertThat(receiptBytes(old.number())).as("the receipt is still returned as issued").isEqualTo(old.raw());
		HttpResponse<String> page = anonymousGet(old.link(), "text/html");
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.body()).contains("id=\"key-withdrawn\"")
			.contains("The key that signed this receipt was withdrawn on")
			.contains("The cancellation&#39;s status now: scheduled")
			.contains("from Acme&#39;s own records, as it was issued")
			.as("the page serves Acme's own record: it does not call it forged").doesNotContain("The signature is not valid");
		assertThat(anonymousGet(old.link(), "application/json").body()).isEqualTo(old.raw());
		assertThat(anonymousGet(fresh.link(), "text/html").body()).doesNotContain("key-withdrawn")
			.contains("The signature is valid");
	}

	@Test
	void revokingTheCurrentKeyMakesANewOneCurrentFirst() {
		Issued before = cancelled();
		String current = before.receipt().path("keyId").asString();
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");

		String answer = admin.followed(admin.post("/console/receipt-keys/" + current + "/revoke", Map.of()));
		Matcher replaced = Pattern.compile("receipts are now signed with (rk_\\w+)").matcher(answer);
		assertThat(replaced.find()).as(answer).isTrue();
		Issued after = cancelled();
		assertThat(after.receipt().path("keyId").asString()).isEqualTo(replaced.group(1));
		assertThat(verifies(before.receipt())).as("until the revocation takes effect").isTrue();

		clock.moveTo(clock.instant().plusSeconds(21));
		assertThat(verifies(before.receipt())).isFalse();
		assertThat(verifies(after.receipt())).isTrue();
		assertThat(published()).doesNotContain(current).contains(replaced.group(1));
		assertThat(admin.get("/console/receipt-keys").body()).contains("revoked from");
		assertThat(admin.followed(admin.post("/console/receipt-keys/rk_unknown/revoke", Map.of())))
			.contains("does not exist");
	}

	@Test
	void anAgentASupervisorOrAnApiCallerMayNeitherRotateNorRevoke() {
		String current = cancelled().receipt().path("keyId").asString();
		long keys = keyCount();
		for (String user : List.of("agent", "supervisor")) {
			ConsoleClient staff = ConsoleClient.signedIn(port, user);
			assertThat(staff.get("/console/receipt-keys").status()).as(user).isEqualTo(403);
			assertThat(staff.post("/console/receipt-keys/rotate", Map.of()).status()).as(user).isEqualTo(403);
			assertThat(staff.post("/console/receipt-keys/" + current + "/revoke", Map.of()).status()).as(user)
				.isEqualTo(403);
			assertThat(staff.get("/console").body()).doesNotContain("/console/receipt-keys");
		}
		for (String path : List.of("/console/receipt-keys/rotate", "/console/receipt-keys/" + current + "/revoke")) {
			HttpResponse<String> answer = withApiKey(path);
			assertThat(answer.statusCode()).as("an API key opens no console action: " + answer.body()).isIn(302, 401, 403);
		}
		assertThat(keyCount()).as("no key made").isEqualTo(keys);
		assertThat(published()).contains(current);
		assertThat(jdbc.sql("SELECT count(*) FROM receipt_keys WHERE key_id = :id AND revoked_at IS NOT NULL")
			.param("id", current).query(Long.class).single()).as("not revoked").isZero();
	}

	/** A cancellation's receipt as issued, its raw bytes, and the path of its public page. */
	private record Issued(String number, JsonNode receipt, String raw, String link) {
	}

	private Issued cancelled() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		Api.Response cancelled = fixtures.cancel(sub, "END_OF_TERM");
		assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
		String number = cancelled.text("confirmationNumber");
		Api.Response receipt = api.get("/cancellations/" + number + "/receipt");
		Matcher link = LINK.matcher(Mailbox.latestBody(api, account, "CANCELLATION_CONFIRMATION"));
		assertThat(link.find()).isTrue();
		return new Issued(number, receipt.json(), receipt.raw(), link.group(1));
	}

	private String receiptBytes(String number) {
		return api.get("/cancellations/" + number + "/receipt").raw();
	}

	private boolean verifies(JsonNode receipt) {
		Api.Response answer = api.with("Authorization", null).post("/receipts/verify", receipt.toString());
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		return answer.json().path("valid").asBoolean();
	}

	private List<String> published() {
		Api.Response keys = api.with("Authorization", null).get("/receipt-keys?limit=100");
		assertThat(keys.status()).isEqualTo(200);
		keys.json().path("data").values().forEach(k -> assertThat(k.path("algorithm").asString()).isEqualTo("Ed25519"));
		return keys.json().path("data").values().stream().map(k -> k.path("keyId").asString()).toList();
	}

	private long audited(String action, String target) {
		return jdbc.sql("SELECT count(*) FROM audit_events WHERE action = :action AND target = :target AND actor = 'admin'")
			.param("action", action)
			.param("target", target)
			.query(Long.class)
			.single();
	}

	private long keyCount() {
		return jdbc.sql("SELECT count(*) FROM receipt_keys").query(Long.class).single();
	}

	/** A POST to the console with the API's Bearer key, as an API caller would try it. */
	private HttpResponse<String> withApiKey(String path) {
		try {
			return anonymous.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
				.header("Authorization", "Bearer " + Api.TEST_KEY)
				.header("Content-Type", "application/x-www-form-urlencoded")
				.timeout(Duration.ofSeconds(20))
				.POST(HttpRequest.BodyPublishers.ofString("reason=api"))
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

	private HttpResponse<String> anonymousGet(String pathAndQuery, String accept) {
		try {
			return anonymous.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + pathAndQuery))
				.header("Accept", accept).timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
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
