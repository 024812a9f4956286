package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.clock.TestClock;
import dev.subdesk.staff.StaffAccounts;
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
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
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
 * but an ADMIN may do either, and the ADMIN only with their own password typed on the form (a revocation with the key's
 * id typed too): a session left open is not enough. A wrong password there counts for that session alone, never as a
 * failed sign-in: the fifth within 15 minutes signs the session out, and strangers' wrong sign-ins that make the
 * username wait do not hold the signed-in ADMIN's form.
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

		String rotated = admin.followed(admin.post("/console/receipt-keys/rotate",
				Map.of("reason", "yearly rotation", "password", ConsoleClient.PASSWORD)));
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
				Map.of("reason", "believed leaked", "password", ConsoleClient.PASSWORD, "confirmKeyId", oldKey)));
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

		String answer = admin.followed(admin.post("/console/receipt-keys/" + current + "/revoke",
				Map.of("password", ConsoleClient.PASSWORD, "confirmKeyId", current)));
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
		assertThat(admin.followed(admin.post("/console/receipt-keys/rk_unknown/revoke",
				Map.of("password", ConsoleClient.PASSWORD, "confirmKeyId", "rk_unknown"))))
			.contains("does not exist");
	}

	@Test
	void anAgentASupervisorOrAnApiCallerMayNeitherRotateNorRevoke() {
		String current = cancelled().receipt().path("keyId").asString();
		long keys = keyCount();
		for (String user : List.of("agent", "supervisor")) {
			ConsoleClient staff = ConsoleClient.signedIn(port, user);
			assertThat(staff.get("/console/receipt-keys").status()).as(user).isEqualTo(403);
			// their own right password opens nothing: the page is an ADMIN's
			assertThat(staff.post("/console/receipt-keys/rotate", Map.of("password", ConsoleClient.PASSWORD)).status())
				.as(user).isEqualTo(403);
			assertThat(staff.post("/console/receipt-keys/" + current + "/revoke",
					Map.of("password", ConsoleClient.PASSWORD, "confirmKeyId", current)).status()).as(user)
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

	@Test
	void rotatingTakesTheAdminsOwnPasswordAndAWrongOrMissingOneRotatesNothing() {
		cancelled();
		Admin admin = newAdmin();
		long keys = keyCount();

		ConsoleClient.Page none = admin.client().post("/console/receipt-keys/rotate", Map.of("reason", "left open"));
		ConsoleClient.Page wrong = admin.client().post("/console/receipt-keys/rotate",
				Map.of("reason", "left open", "password", "a-guess-at-the-password"));

		assertThat(none.status()).as(none.toString()).isEqualTo(400);
		assertThat(none.body()).contains("id=\"receipt-keys-error\"",
				"Your password: give your current password to make a new receipt key current; nothing was changed.");
		assertThat(wrong.status()).as(wrong.toString()).isEqualTo(400);
		assertThat(wrong.body()).contains("Your password: that is not your current password")
			.doesNotContain("is the current signing key");
		assertThat(keyCount()).as("no key made").isEqualTo(keys);
		assertThat(auditedBy(admin.username(), "RECEIPT_KEY_ROTATED")).as("nothing audited as done").isZero();
		assertThat(auditedBy(admin.username(), "ACTION_REFUSED")).as("both attempts audited as refused").isEqualTo(2);
		assertThat(failures(admin.username())).as("the wrong password is no failed sign-in").isZero();
		assertThat(reentries(admin.username())).as("it counts for this session; none given is no attempt").isEqualTo(1);

		String rotated = admin.client().followed(admin.client().post("/console/receipt-keys/rotate",
				Map.of("reason", "yearly rotation", "password", ADMIN_PASSWORD)));
		assertThat(rotated).contains("is the current signing key");
		assertThat(keyCount()).isEqualTo(keys + 1);
		assertThat(auditedBy(admin.username(), "RECEIPT_KEY_ROTATED")).isEqualTo(1);
		assertThat(reentries(admin.username())).as("the right password starts the session's count again").isZero();
		assertThat(admin.client().get("/console/receipt-keys").body()).as("the form asks for it")
			.contains("id=\"rotate-password\"", "type=\"password\"", "Your password");
	}

	@Test
	void revokingTakesTheAdminsOwnPasswordAndTheKeyIdTypedAgain() {
		String oldKey = cancelled().receipt().path("keyId").asString();
		Admin admin = newAdmin();
		admin.client().followed(admin.client().post("/console/receipt-keys/rotate", Map.of("password", ADMIN_PASSWORD)));

		ConsoleClient.Page misclicked = admin.client().post("/console/receipt-keys/" + oldKey + "/revoke",
				Map.of("password", "a-guess-at-the-password", "confirmKeyId", "rk_another"));
		assertThat(misclicked.status()).as(misclicked.toString()).isEqualTo(400);
		assertThat(misclicked.body()).contains("Type the key id " + oldKey + " to revoke it; nothing was revoked.");
		assertThat(failures(admin.username())).as("a mistyped key id checks no password").isZero();
		assertThat(admin.client().get("/console/receipt-keys").body()).as("the form asks for both")
			.contains("id=\"password-" + oldKey + "\"", "id=\"confirm-" + oldKey + "\"");

		ConsoleClient.Page none = admin.client().post("/console/receipt-keys/" + oldKey + "/revoke",
				Map.of("confirmKeyId", oldKey));
		ConsoleClient.Page wrong = admin.client().post("/console/receipt-keys/" + oldKey + "/revoke",
				Map.of("password", "a-guess-at-the-password", "confirmKeyId", " " + oldKey + " "));
		assertThat(none.status()).as(none.toString()).isEqualTo(400);
		assertThat(none.body()).contains("Your password: give your current password to revoke a receipt key");
		assertThat(wrong.status()).as(wrong.toString()).isEqualTo(400);
		assertThat(wrong.body()).contains("Your password: that is not your current password");
		assertThat(revoked(oldKey)).as("not revoked").isFalse();
		assertThat(auditedBy(admin.username(), "RECEIPT_KEY_REVOKED")).isZero();
		assertThat(reentries(admin.username())).isEqualTo(1);

		String done = admin.client().followed(admin.client().post("/console/receipt-keys/" + oldKey + "/revoke",
				Map.of("password", ADMIN_PASSWORD, "confirmKeyId", oldKey, "reason", "believed leaked")));
		assertThat(done).contains("Receipt key " + oldKey + " is revoked from");
		assertThat(revoked(oldKey)).isTrue();
		assertThat(auditedBy(admin.username(), "RECEIPT_KEY_REVOKED")).isEqualTo(1);
	}

	@Test
	void strangersWrongSignInsDoNotHoldTheSignedInAdminsRevocation() {
		String oldKey = cancelled().receipt().path("keyId").asString();
		Admin admin = newAdmin();
		admin.client().followed(admin.client().post("/console/receipt-keys/rotate", Map.of("password", ADMIN_PASSWORD)));

		// anyone who knows the username: ten wrong sign-ins from the ADMIN's own address (someone behind the same NAT),
		// then ten from each of nine others, the ceiling of 100 from all addresses
		for (int a = 0; a < StaffAccounts.MAX_FAILURES_ALL_ADDRESSES / StaffAccounts.MAX_FAILURES; a++) {
			ConsoleClient stranger = new ConsoleClient(port, a == 0 ? admin.address() : strangerAddress(a));
			for (int i = 0; i < StaffAccounts.MAX_FAILURES; i++) {
				assertThat(stranger.post(ConsoleSecurity.SIGN_IN,
						Map.of("username", admin.username(), "password", "stranger-guess-" + i)).location())
					.endsWith("?error");
			}
		}
		ConsoleClient fresh = new ConsoleClient(port, strangerAddress(200));
		assertThat(fresh.post(ConsoleSecurity.SIGN_IN, Map.of("username", admin.username(), "password", ADMIN_PASSWORD))
			.location()).as("the username waits for every sign-in").endsWith("?error");

		ConsoleClient.Page revoked = admin.client().post("/console/receipt-keys/" + oldKey + "/revoke",
				Map.of("password", ADMIN_PASSWORD, "confirmKeyId", oldKey, "reason", "believed leaked"));
		assertThat(revoked.status()).as("the signed-in ADMIN's revocation is not held by the sign-in's locks: " + revoked)
			.isEqualTo(302);
		assertThat(admin.client().followed(revoked)).contains("Receipt key " + oldKey + " is revoked from");
		assertThat(revoked(oldKey)).isTrue();
		assertThat(auditedBy(admin.username(), "RECEIPT_KEY_REVOKED")).isEqualTo(1);
	}

	@Test
	void theFifthWrongPasswordInASessionSignsItOutWhileAnotherSessionOfTheAdminGoesOn() {
		cancelled();
		Admin admin = newAdmin();
		ConsoleClient other = signIn(admin, admin.address());
		long keys = keyCount();

		for (int i = 1; i < StaffAccounts.MAX_REENTRIES; i++) {
			ConsoleClient.Page guess = admin.client().post("/console/receipt-keys/rotate",
					Map.of("password", "guess-number-" + i));
			assertThat(guess.status()).as(guess.toString()).isEqualTo(400);
			assertThat(guess.body()).contains("Your password: that is not your current password");
		}
		ConsoleClient.Page last = admin.client().post("/console/receipt-keys/rotate", Map.of("password", "guess-number-5"));
		assertThat(last.status()).as(last.toString()).isEqualTo(302);
		assertThat(last.location()).as("signed out").endsWith(ConsoleSecurity.SIGN_IN + "?password-retries");
		assertThat(admin.client().get(last.location().replaceFirst("^https?://[^/]+", "")).body())
			.contains("You were signed out");
		assertThat(auditedBy(admin.username(), "ACTION_REFUSED")).as("every wrong one audited as refused")
			.isEqualTo(StaffAccounts.MAX_REENTRIES);

		// a hash no encoder reads: a password check would fail on it (a 500), a refusal before any check does not
		String hash = passwordHash(admin.username());
		setPasswordHash(admin.username(), "{unchecked}not-a-hash");
		ConsoleClient.Page sixth = admin.client().post("/console/receipt-keys/rotate", Map.of("password", ADMIN_PASSWORD));
		assertThat(sixth.status()).as("the right password no longer opens that session: " + sixth).isEqualTo(302);
		assertThat(sixth.location()).contains(ConsoleSecurity.SIGN_IN);
		assertThat(admin.client().get("/console/receipt-keys").location()).as("the session is over")
			.contains(ConsoleSecurity.SIGN_IN);
		assertThat(keyCount()).as("no key made").isEqualTo(keys);
		setPasswordHash(admin.username(), hash);

		assertThat(other.followed(other.post("/console/receipt-keys/rotate", Map.of("password", ADMIN_PASSWORD))))
			.as("another session of the same ADMIN is not held by it").contains("is the current signing key");
		assertThat(keyCount()).isEqualTo(keys + 1);
		assertThat(signIn(admin, admin.address())).as("nor is the sign-in").isNotNull();
	}

	@Test
	void wrongPasswordsOnTheFormAreNotFailedSignInsAndTheRightOneStartsTheSessionsCountAgain() {
		cancelled();
		Admin admin = newAdmin();
		ConsoleClient second = signIn(admin, admin.address());
		ConsoleClient third = signIn(admin, admin.address());

		// ten wrong ones from the address, the sign-in's own limit there, none of the sessions at its bound
		for (ConsoleClient session : List.of(admin.client(), second)) {
			for (int i = 1; i < StaffAccounts.MAX_REENTRIES; i++) {
				assertThat(session.post("/console/receipt-keys/rotate", Map.of("password", "guess-number-" + i)).status())
					.isEqualTo(400);
			}
		}
		for (int i = 0; i < StaffAccounts.MAX_FAILURES - 2 * (StaffAccounts.MAX_REENTRIES - 1); i++) {
			assertThat(third.post("/console/receipt-keys/rotate", Map.of("password", "guess-" + i)).status())
				.isEqualTo(400);
		}
		assertThat(failures(admin.username())).as("no failed sign-in counted").isZero();
		assertThat(signIn(admin, admin.address())).as("a fresh sign-in with the right password from the same address")
			.isNotNull();

		assertThat(admin.client().followed(admin.client().post("/console/receipt-keys/rotate",
				Map.of("password", ADMIN_PASSWORD)))).contains("is the current signing key");
		for (int i = 1; i < StaffAccounts.MAX_REENTRIES; i++) {
			assertThat(admin.client().post("/console/receipt-keys/rotate", Map.of("password", "again-" + i)).status())
				.as("the right password started this session's count again").isEqualTo(400);
		}
	}

	@Test
	void passwordsSentAtOnceInOneSessionAreCheckedNoMoreOftenThanItsBound() throws Exception {
		cancelled();
		Admin admin = newAdmin();
		long keys = keyCount();
		String token = admin.client().csrf();
		int sent = 3 * StaffAccounts.MAX_REENTRIES;
		java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(sent);
		try {
			java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
			List<java.util.concurrent.Future<ConsoleClient.Page>> answers = new java.util.ArrayList<>();
			for (int i = 0; i < sent; i++) {
				String guess = "at-once-" + i;
				answers.add(pool.submit(() -> {
					start.await();
					return admin.client().postRaw("/console/receipt-keys/rotate", Map.of("password", guess, "_csrf", token));
				}));
			}
			start.countDown();
			int wrong = 0;
			for (var answer : answers) {
				ConsoleClient.Page page = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);
				assertThat(page.status()).as(page.toString()).isIn(302, 400, 403);
				if (page.status() == 400) {
					wrong++;
				}
			}
			assertThat(wrong).as("answered as checked and wrong, the session going on").isLessThan(StaffAccounts.MAX_REENTRIES);
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(reentries(admin.username())).as("the session's count: no more checks than its bound")
			.isEqualTo(StaffAccounts.MAX_REENTRIES);
		assertThat(admin.client().get("/console/receipt-keys").location()).contains(ConsoleSecurity.SIGN_IN);
		assertThat(keyCount()).isEqualTo(keys);
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

	private static final String ADMIN_PASSWORD = "an-admins-own-passphrase";

	/** An ADMIN of this test, signed in from a loopback address of its own: its failures lock nobody else's. */
	private record Admin(String username, String address, ConsoleClient client) {
	}

	private Admin newAdmin() {
		String username = "keys-" + UUID.randomUUID().toString().substring(0, 8);
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		admin.followed(admin.post("/console/staff", Map.of("username", username, "displayName", "Key Keeper", "role",
				"ADMIN", "password", ADMIN_PASSWORD, "currentPassword", ConsoleClient.PASSWORD)));
		ThreadLocalRandom random = ThreadLocalRandom.current();
		String address = "127.72." + random.nextInt(1, 255) + "." + random.nextInt(1, 255);
		ConsoleClient client = new ConsoleClient(port, address);
		ConsoleClient.Page signedIn = client.post(ConsoleSecurity.SIGN_IN,
				Map.of("username", username, "password", ADMIN_PASSWORD));
		assertThat(signedIn.location()).as(signedIn.toString()).doesNotContain("error");
		return new Admin(username, address, client);
	}

	/** Another session of the ADMIN, signed in from {@code address}; null when the sign-in is refused. */
	private ConsoleClient signIn(Admin admin, String address) {
		ConsoleClient client = new ConsoleClient(port, address);
		ConsoleClient.Page page = client.post(ConsoleSecurity.SIGN_IN,
				Map.of("username", admin.username(), "password", ADMIN_PASSWORD));
		return page.location().contains("error") ? null : client;
	}

	private static String strangerAddress(int n) {
		return "127.73." + ThreadLocalRandom.current().nextInt(1, 255) + "." + n;
	}

	private String passwordHash(String username) {
		return jdbc.sql("SELECT password_hash FROM staff_users WHERE username = :u").param("u", username)
			.query(String.class).single();
	}

	private void setPasswordHash(String username, String hash) {
		jdbc.sql("UPDATE staff_users SET password_hash = :h WHERE username = :u").param("h", hash).param("u", username)
			.update();
	}

	/** The wrong passwords counted for the username's sessions. */
	private long reentries(String username) {
		return jdbc.sql("SELECT count(*) FROM staff_password_reentries WHERE username = :u")
			.param("u", username)
			.query(Long.class)
			.single();
	}

	/** The failed sign-ins counted for the username (those of the sign-in form and of a password-confirming form). */
	private long failures(String username) {
		return jdbc.sql("SELECT count(*) FROM staff_sign_in_failures WHERE username = :u")
			.param("u", username)
			.query(Long.class)
			.single();
	}

	private long auditedBy(String actor, String action) {
		return jdbc.sql("SELECT count(*) FROM audit_events WHERE action = :action AND actor = :actor")
			.param("action", action)
			.param("actor", actor)
			.query(Long.class)
			.single();
	}

	private boolean revoked(String keyId) {
		return jdbc.sql("SELECT revoked_at IS NOT NULL FROM receipt_keys WHERE key_id = :id")
			.param("id", keyId)
			.query(Boolean.class)
			.single();
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
