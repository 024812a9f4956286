package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.staff.StaffAccounts;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Staff accounts created and managed by an ADMIN on /console/staff, stored in the database. */
class ConsoleStaffIntegrationTests extends ApiIntegrationTest {

	private static final String GOOD_PASSWORD = "a-long-enough-passphrase";

	@Autowired
	JdbcClient jdbc;

	@Autowired
	AuditTrail audit;

	@Test
	void anAdminCreatesASupervisorWhoSignsInWithTheRoleGivenAndOnlyTheHashIsStored() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = uniqueName();

		ConsoleClient.Page created = admin.post("/console/staff", Map.of("username", username, "displayName", "Sam Super",
				"role", "SUPERVISOR", "password", GOOD_PASSWORD, "currentPassword", ConsoleClient.PASSWORD));

		assertThat(created.status()).isEqualTo(302);
		assertThat(admin.followed(created)).contains("Created " + username + " (SUPERVISOR).", "Sam Super");
		String hash = jdbc.sql("SELECT password_hash FROM staff_users WHERE username = :u").param("u", username)
			.query(String.class).single();
		assertThat(hash).startsWith("{argon2}").doesNotContain(GOOD_PASSWORD);
		ConsoleClient newcomer = signIn(username, GOOD_PASSWORD);
		assertThat(newcomer).isNotNull();
		assertThat(newcomer.get("/console/queue").status()).isEqualTo(200);
		assertThat(newcomer.get("/console/staff").status()).isEqualTo(403);
		assertThat(audit.about(username)).extracting(AuditTrail.Entry::action).contains("STAFF_CREATED");
	}

	@Test
	void badInputIsAFriendlyErrorAndCreatesNobody() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = uniqueName();

		ConsoleClient.Page shortPassword = admin.post("/console/staff",
				Map.of("username", username, "displayName", "Al", "role", "AGENT", "password", "short-pass"));
		ConsoleClient.Page badName = admin.post("/console/staff",
				Map.of("username", "Not A Name!", "displayName", "Al", "role", "AGENT", "password", GOOD_PASSWORD));
		ConsoleClient.Page badRole = admin.post("/console/staff",
				Map.of("username", username, "displayName", "Al", "role", "ROOT", "password", GOOD_PASSWORD));
		ConsoleClient.Page taken = admin.post("/console/staff",
				Map.of("username", "agent", "displayName", "Al", "role", "ADMIN", "password", GOOD_PASSWORD,
						"currentPassword", ConsoleClient.PASSWORD));

		assertThat(shortPassword.status()).isEqualTo(400);
		assertThat(shortPassword.body()).contains("Password: 12 to 128 characters.", "value=\"" + username + "\"")
			.doesNotContain("short-pass");
		assertThat(badName.body()).contains("Username: 2 to 40 characters");
		assertThat(badRole.body()).contains("Role: choose AGENT, SUPERVISOR or ADMIN.");
		assertThat(taken.status()).isEqualTo(409);
		assertThat(taken.body()).contains("The username agent is taken.");
		assertThat(jdbc.sql("SELECT count(*) FROM staff_users WHERE username = :u").param("u", username)
			.query(Long.class).single()).isZero();
		assertThat(jdbc.sql("SELECT role FROM staff_users WHERE username = 'agent'").query(String.class).single())
			.isEqualTo("AGENT");
	}

	@Test
	void aDisabledUserCannotSignInAndLosesTheSessionTheyHad() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = uniqueName();
		admin.post("/console/staff", Map.of("username", username, "displayName", "Dee", "role", "AGENT", "password",
				GOOD_PASSWORD));
		ConsoleClient before = signIn(username, GOOD_PASSWORD);
		assertThat(before.get("/console").status()).isEqualTo(200);

		admin.post("/console/staff/" + username + "/enabled", Map.of("enabled", "false"));

		assertThat(admin.get("/console/staff").body()).contains(username).contains("Enable " + username);
		assertThat(signIn(username, GOOD_PASSWORD)).isNull();
		ConsoleClient.Page cutOff = before.get("/console");
		assertThat(cutOff.status()).isEqualTo(302);
		assertThat(cutOff.location()).contains("/console/sign-in");
		assertThat(before.get("/console").location()).endsWith("/console/sign-in");

		admin.post("/console/staff/" + username + "/enabled",
				Map.of("enabled", "true", "currentPassword", ConsoleClient.PASSWORD));
		assertThat(signIn(username, GOOD_PASSWORD)).isNotNull();
		assertThat(audit.about(username)).extracting(AuditTrail.Entry::action).contains("STAFF_DISABLED", "STAFF_ENABLED");
	}

	@Test
	void anAdminSetsANewPasswordAndTheOldOneStopsWorking() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = createStaff(admin, "Pat", "AGENT");

		assertThat(admin.followed(admin.post("/console/staff/" + username + "/password",
				Map.of("password", "too-short", "currentPassword", ConsoleClient.PASSWORD))))
			.contains("Password: 12 to 128 characters.");
		assertThat(signIn(username, GOOD_PASSWORD)).isNotNull();
		assertThat(admin.followed(admin.post("/console/staff/" + username + "/password",
				Map.of("password", "another-long-passphrase", "currentPassword", ConsoleClient.PASSWORD))))
			.contains("New password set for " + username + ".");

		assertThat(signIn(username, GOOD_PASSWORD)).isNull();
		assertThat(signIn(username, "another-long-passphrase")).isNotNull();
	}

	@Test
	void anAdminsNewPasswordEndsEverySessionTheUserHadAndTheNewPasswordSignsIn() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = createStaff(admin, "Ray", "SUPERVISOR");
		ConsoleClient office = signIn(username, GOOD_PASSWORD);
		ConsoleClient laptop = signIn(username, GOOD_PASSWORD);
		assertThat(office.get("/console/queue").status()).isEqualTo(200);
		assertThat(laptop.get("/console").status()).isEqualTo(200);

		assertThat(admin.followed(admin.post("/console/staff/" + username + "/password",
				Map.of("password", "another-long-passphrase", "currentPassword", ConsoleClient.PASSWORD))))
			.contains("New password set for " + username + ".");

		for (ConsoleClient old : new ConsoleClient[] { office, laptop }) {
			ConsoleClient.Page next = old.get("/console/queue");
			assertThat(next.status()).isEqualTo(302);
			assertThat(next.location()).contains("/console/sign-in");
			assertThat(old.get("/console").location()).as("the session is gone, not only refused once")
				.endsWith("/console/sign-in");
		}
		ConsoleClient renewed = signIn(username, "another-long-passphrase");
		assertThat(renewed).isNotNull();
		assertThat(renewed.get("/console/queue").status()).isEqualTo(200);
		assertThat(admin.get("/console/staff").status()).as("the ADMIN who set it is still signed in").isEqualTo(200);
	}

	@Test
	void anOldSessionCannotActAfterTheNewPasswordEvenWithItsFormToken() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = createStaff(admin, "Ada", "ADMIN");
		ConsoleClient old = signIn(username, GOOD_PASSWORD);
		assertThat(old.get("/console/staff").status()).isEqualTo(200);
		String created = uniqueName();

		admin.followed(admin.post("/console/staff/" + username + "/password",
				Map.of("password", "another-long-passphrase", "currentPassword", ConsoleClient.PASSWORD)));
		ConsoleClient.Page refused = old.post("/console/staff", Map.of("username", created, "displayName", "Eve",
				"role", "ADMIN", "password", GOOD_PASSWORD));

		assertThat(refused.status()).isIn(302, 401, 403);
		if (refused.status() == 302) {
			assertThat(refused.location()).contains("/console/sign-in");
		}
		assertThat(jdbc.sql("SELECT count(*) FROM staff_users WHERE username = :u").param("u", created)
			.query(Long.class).single()).isZero();
	}

	@Test
	void aDisableEndsTheSessionsEvenWhenTheAccountIsEnabledAgainBeforeTheirNextRequest() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = createStaff(admin, "Dot", "AGENT");
		ConsoleClient before = signIn(username, GOOD_PASSWORD);
		assertThat(before.get("/console").status()).isEqualTo(200);

		admin.followed(admin.post("/console/staff/" + username + "/enabled", Map.of("enabled", "false")));
		admin.followed(admin.post("/console/staff/" + username + "/enabled",
				Map.of("enabled", "true", "currentPassword", ConsoleClient.PASSWORD)));

		assertThat(before.get("/console").location()).contains("/console/sign-in");
		assertThat(signIn(username, GOOD_PASSWORD).get("/console").status()).isEqualTo(200);
	}

	@Test
	void anAdminWhoSetsTheirOwnPasswordStaysSignedInHereWhileTheirOtherSessionsEnd() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = createStaff(admin, "Max", "ADMIN");
		ConsoleClient here = signIn(username, GOOD_PASSWORD);
		ConsoleClient elsewhere = signIn(username, GOOD_PASSWORD);

		assertThat(here.followed(here.post("/console/staff/" + username + "/password",
				Map.of("currentPassword", GOOD_PASSWORD, "password", "another-long-passphrase"))))
			.contains("New password set for " + username + ".");

		assertThat(here.get("/console/staff").status()).isEqualTo(200);
		assertThat(elsewhere.get("/console/staff").location()).contains("/console/sign-in");
		assertThat(signIn(username, GOOD_PASSWORD)).isNull();
		assertThat(signIn(username, "another-long-passphrase")).isNotNull();
	}

	@Test
	void anAdminSettingTheirOwnPasswordMustGiveTheCurrentOneAndAWrongOneChangesNothing() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = createStaff(admin, "Ari", "ADMIN");
		String colleague = createStaff(admin, "Bo", "AGENT");
		ConsoleClient unattended = signIn(username, GOOD_PASSWORD);

		assertThat(unattended.followed(unattended.post("/console/staff/" + username + "/password",
				Map.of("password", "taken-over-passphrase"))))
			.as("no current password")
			.contains("Current password: give your current password")
			.doesNotContain("New password set");
		assertThat(unattended.followed(unattended.post("/console/staff/" + username + "/password",
				Map.of("currentPassword", "a-wrong-guess-of-it", "password", "taken-over-passphrase"))))
			.as("a wrong current password")
			.contains("Current password: that is not your current password")
			.doesNotContain("New password set");
		assertThat(signIn(username, "taken-over-passphrase")).as("the password is unchanged").isNull();
		assertThat(signIn(username, GOOD_PASSWORD)).isNotNull();
		assertThat(unattended.get("/console/staff").body()).as("the session goes on, and the form asks for it")
			.contains("Your current password");

		assertThat(unattended.followed(unattended.post("/console/staff/" + colleague + "/password",
				Map.of("currentPassword", GOOD_PASSWORD, "password", "another-long-passphrase"))))
			.as("someone else's password with the ADMIN's own current one")
			.contains("New password set for " + colleague + ".");
		assertThat(signIn(colleague, "another-long-passphrase")).isNotNull();
	}

	@Test
	void anAdminWhoseUsernameWaitsForSignInsStillSetsTheirOwnPasswordInTheirSession() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = createStaff(admin, "Wes", "ADMIN");
		ConsoleClient own = signIn(username, GOOD_PASSWORD);
		for (int i = 0; i < StaffAccounts.MAX_FAILURES; i++) {
			assertThat(signIn(username, "someone-elses-guess-" + i)).isNull();
		}
		assertThat(signIn(username, GOOD_PASSWORD)).as("the sign-in from here waits").isNull();

		assertThat(own.followed(own.post("/console/staff/" + username + "/password",
				Map.of("currentPassword", GOOD_PASSWORD, "password", "another-long-passphrase"))))
			.as("strangers' sign-ins do not hold the signed-in member's form")
			.contains("New password set for " + username + ".");
	}

	@Test
	void theFifthWrongCurrentPasswordSignsTheSessionOutAndCountsAsNoFailedSignIn() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = createStaff(admin, "Fay", "ADMIN");
		ConsoleClient own = signIn(username, GOOD_PASSWORD);
		ConsoleClient other = signIn(username, GOOD_PASSWORD);

		for (int i = 1; i < StaffAccounts.MAX_REENTRIES; i++) {
			assertThat(own.followed(own.post("/console/staff/" + username + "/password",
					Map.of("currentPassword", "wrong-guess-" + i, "password", "taken-over-passphrase"))))
				.contains("Current password: that is not your current password");
		}
		ConsoleClient.Page last = own.post("/console/staff/" + username + "/password",
				Map.of("currentPassword", "wrong-guess-5", "password", "taken-over-passphrase"));
		assertThat(last.location()).as("signed out").endsWith(ConsoleSecurity.SIGN_IN + "?password-retries");
		assertThat(own.get("/console/staff").location()).contains(ConsoleSecurity.SIGN_IN);
		assertThat(jdbc.sql("SELECT count(*) FROM staff_sign_in_failures WHERE username = :u")
			.param("u", username).query(Integer.class).single()).as("no failed sign-in counted").isZero();
		assertThat(other.get("/console/staff").status()).as("another session goes on").isEqualTo(200);
		assertThat(signIn(username, GOOD_PASSWORD)).as("the password is unchanged and signs in").isNotNull();
	}

	@Test
	void anEmptyCurrentPasswordIsAFormErrorThatUsesNoSignInAttempt() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = createStaff(admin, "Eli", "ADMIN");
		ConsoleClient own = signIn(username, GOOD_PASSWORD);

		String page = "";
		for (int i = 0; i <= StaffAccounts.MAX_FAILURES; i++) {
			page = own.followed(own.post("/console/staff/" + username + "/password",
					Map.of("currentPassword", "", "password", "another-long-passphrase")));
		}

		assertThat(jdbc.sql("SELECT count(*) FROM staff_sign_in_failures WHERE username = :u")
			.param("u", username).query(Integer.class).single()).as("no sign-in attempt used").isZero();
		assertThat(page)
			.contains("Current password: give your current password to set a new one of your own; nothing was changed.")
			.doesNotContain("New password set", "tried too often");
		assertThat(own.followed(own.post("/console/staff/" + username + "/password",
				Map.of("currentPassword", GOOD_PASSWORD, "password", "another-long-passphrase"))))
			.as("the username does not wait").contains("New password set for " + username + ".");
	}

	@Test
	void tenFailedSignInsMakeTheUsernameWaitFifteenMinutesWhateverThePassword() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = uniqueName();
		admin.post("/console/staff", Map.of("username", username, "displayName", "Lee", "role", "AGENT", "password",
				GOOD_PASSWORD));
		assertThat(signIn(username, GOOD_PASSWORD)).isNotNull();

		for (int i = 0; i < StaffAccounts.MAX_FAILURES; i++) {
			assertThat(signIn(username.toUpperCase(), "guess-number-" + i)).isNull();
		}
		ConsoleClient refused = new ConsoleClient(port);
		ConsoleClient.Page page = refused.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password",
				GOOD_PASSWORD));
		assertThat(page.location()).endsWith("/console/sign-in?error");
		assertThat(refused.get("/console/sign-in?error").body())
			.contains("Wrong username or password. After ten failed attempts");
		assertThat(refused.get("/console").location()).endsWith("/console/sign-in");
		assertThat(signIn("agent", ConsoleClient.PASSWORD)).as("other usernames still sign in").isNotNull();
		ConsoleClient elsewhere = new ConsoleClient(port, "127.0.0.2");
		assertThat(elsewhere.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", GOOD_PASSWORD))
			.location()).as("the same username from another address is not locked out").doesNotContain("error");

		fixtures.advance("PT16M");
		assertThat(signIn(username, GOOD_PASSWORD)).isNotNull();
		assertThat(signIn(username, "one-more-wrong-guess")).isNull();
		assertThat(signIn(username, GOOD_PASSWORD)).as("a success started the count again").isNotNull();
	}

	@Test
	void anAdminCannotDisableTheirOwnAccount() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");

		assertThat(admin.followed(admin.post("/console/staff/admin/enabled", Map.of("enabled", "false"))))
			.contains("You cannot disable your own account.");
		assertThat(admin.get("/console/staff").status()).isEqualTo(200);
	}

	@Test
	void onlyAnAdminOpensTheStaffPage() {
		assertThat(ConsoleClient.signedIn(port, "agent").get("/console/staff").status()).isEqualTo(403);
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		assertThat(supervisor.get("/console/staff").status()).isEqualTo(403);
		assertThat(supervisor.post("/console/staff", Map.of("username", uniqueName(), "displayName", "X", "role", "ADMIN",
				"password", GOOD_PASSWORD)).status()).isEqualTo(403);
		assertThat(supervisor.post("/console/staff/agent/enabled", Map.of("enabled", "false")).status()).isEqualTo(403);
		assertThat(signIn("agent", ConsoleClient.PASSWORD)).isNotNull();
	}

	/** Creates a staff account with {@link #GOOD_PASSWORD} through the ADMIN's Staff page; returns its username. */
	private static String createStaff(ConsoleClient admin, String displayName, String role) {
		String username = uniqueName();
		admin.followed(admin.post("/console/staff", Map.of("username", username, "displayName", displayName, "role", role,
				"password", GOOD_PASSWORD, "currentPassword", ConsoleClient.PASSWORD)));
		return username;
	}

	private static String uniqueName() {
		return "staff-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/** A signed-in client, or null when the sign-in is refused. */
	@Test
	void guessesSpreadOverManyAddressesStillLockTheUsernameEverywhere() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = uniqueName();
		admin.post("/console/staff", Map.of("username", username, "displayName", "Kim", "role", "AGENT", "password",
				GOOD_PASSWORD));

		int addresses = StaffAccounts.MAX_FAILURES_ALL_ADDRESSES / (StaffAccounts.MAX_FAILURES - 1) + 1;
		for (int a = 0; a < addresses; a++) {
			ConsoleClient guesser = new ConsoleClient(port, "127.0.1." + (a + 1));
			for (int i = 0; i < StaffAccounts.MAX_FAILURES - 1; i++) {
				guesser.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", "guess-" + a + "-" + i));
			}
		}

		assertThat(new ConsoleClient(port, "127.0.2.1")
			.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", GOOD_PASSWORD))
			.location()).as("no single address reached ten, but together they did").endsWith("/console/sign-in?error");
		fixtures.advance("PT16M");
		assertThat(signIn(username, GOOD_PASSWORD)).isNotNull();
	}

	private ConsoleClient signIn(String username, String password) {
		ConsoleClient client = new ConsoleClient(port);
		ConsoleClient.Page page = client.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", password));
		return page.location().contains("error") ? null : client;
	}
}
