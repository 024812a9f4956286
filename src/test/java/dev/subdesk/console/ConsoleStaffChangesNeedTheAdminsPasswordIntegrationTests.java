package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.staff.StaffAccounts;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An ADMIN session left open is not enough to make an ADMIN or take over an account: creating a SUPERVISOR or ADMIN
 * account, setting another's password and enabling a disabled account take the acting ADMIN's current password, with
 * the same check, count and answer as setting their own; a refusal changes nothing and is audited as refused.
 */
class ConsoleStaffChangesNeedTheAdminsPasswordIntegrationTests extends ApiIntegrationTest {

	private static final String GOOD_PASSWORD = "a-long-enough-passphrase";

	private static final String TAKEN_OVER = "taken-over-passphrase";

	@Autowired
	JdbcClient jdbc;

	@Autowired
	AuditTrail audit;

	private final String address = "127.73." + ThreadLocalRandom.current().nextInt(1, 255) + "."
			+ ThreadLocalRandom.current().nextInt(1, 255);

	@Test
	void creatingASupervisorOrAnAdminTakesTheAdminsCurrentPassword() {
		Admin unattended = newAdmin();
		for (String role : new String[] { "SUPERVISOR", "ADMIN" }) {
			String none = uniqueName();
			ConsoleClient.Page withNone = unattended.client().post("/console/staff", newAccount(none, role, null));
			assertThat(withNone.status()).as(role + " with none").isEqualTo(400);
			assertThat(withNone.body()).contains("Current password: give your current password to create a " + role
					+ " account; nothing was changed.");
			String wrong = uniqueName();
			ConsoleClient.Page withWrong = unattended.client()
				.post("/console/staff", newAccount(wrong, role, "a-wrong-guess-of-it"));
			assertThat(withWrong.status()).as(role + " with a wrong one").isEqualTo(400);
			assertThat(withWrong.body()).contains("Current password: that is not your current password; nothing was changed")
				.contains("value=\"" + wrong + "\"")
				.doesNotContain("a-wrong-guess-of-it", GOOD_PASSWORD);
			assertThat(exists(none)).as("nobody created").isFalse();
			assertThat(exists(wrong)).as("nobody created").isFalse();
			assertThat(signIn(wrong, GOOD_PASSWORD)).isNull();

			String right = uniqueName();
			ConsoleClient.Page created = unattended.client()
				.post("/console/staff", newAccount(right, role, unattended.password()));
			assertThat(unattended.client().followed(created)).contains("Created " + right + " (" + role + ").");
			assertThat(signIn(right, GOOD_PASSWORD)).isNotNull();
		}
		assertThat(audit.about("/console/staff")).filteredOn(e -> e.actor().equals(unattended.username()))
			.extracting(AuditTrail.Entry::action)
			.as("each refusal audited")
			.containsOnly(AgentLog.REFUSED)
			.hasSize(4);

		String agent = uniqueName();
		assertThat(unattended.client().followed(unattended.client().post("/console/staff", newAccount(agent, "AGENT", null))))
			.as("an AGENT account needs no password of the ADMIN's")
			.contains("Created " + agent + " (AGENT).");
	}

	@Test
	void settingAnotherAccountsPasswordTakesTheAdminsCurrentPassword() {
		Admin unattended = newAdmin();
		String victim = createStaff("ADMIN");
		String path = "/console/staff/" + victim + "/password";

		assertThat(unattended.client().followed(unattended.client().post(path, Map.of("password", TAKEN_OVER))))
			.as("no current password")
			.contains("Current password: give your current password to set the password of another account; "
					+ "nothing was changed.")
			.doesNotContain("New password set");
		assertThat(unattended.client().followed(unattended.client().post(path,
				Map.of("password", TAKEN_OVER, "currentPassword", "a-wrong-guess-of-it"))))
			.as("a wrong current password")
			.contains("Current password: that is not your current password; nothing was changed")
			.doesNotContain("New password set");
		assertThat(signIn(victim, TAKEN_OVER)).as("the password is unchanged").isNull();
		assertThat(signIn(victim, GOOD_PASSWORD)).isNotNull();
		assertThat(audit.about(victim)).filteredOn(e -> e.actor().equals(unattended.username()))
			.extracting(AuditTrail.Entry::action)
			.containsExactly(AgentLog.REFUSED, AgentLog.REFUSED);

		assertThat(unattended.client().followed(unattended.client().post(path,
				Map.of("password", TAKEN_OVER, "currentPassword", unattended.password()))))
			.contains("New password set for " + victim + ".");
		assertThat(signIn(victim, TAKEN_OVER)).isNotNull();
		assertThat(signIn(victim, GOOD_PASSWORD)).isNull();
	}

	@Test
	void enablingADisabledAccountTakesTheAdminsCurrentPasswordAndDisablingDoesNot() {
		Admin unattended = newAdmin();
		String leaver = createStaff("ADMIN");
		String path = "/console/staff/" + leaver + "/enabled";
		assertThat(unattended.client().followed(unattended.client().post(path, Map.of("enabled", "false"))))
			.as("a disable needs no password").contains(leaver + " is disabled.");

		assertThat(unattended.client().followed(unattended.client().post(path, Map.of("enabled", "true"))))
			.as("no current password")
			.contains("Current password: give your current password to enable an account; nothing was changed.")
			.doesNotContain(leaver + " is enabled.");
		assertThat(unattended.client().followed(unattended.client().post(path,
				Map.of("enabled", "true", "currentPassword", "a-wrong-guess-of-it"))))
			.as("a wrong current password")
			.contains("Current password: that is not your current password; nothing was changed")
			.doesNotContain(leaver + " is enabled.");
		assertThat(enabled(leaver)).as("still disabled").isFalse();
		assertThat(signIn(leaver, GOOD_PASSWORD)).isNull();
		assertThat(unattended.client().get("/console/staff").body()).contains("Your current password, to enable " + leaver);

		assertThat(unattended.client().followed(unattended.client().post(path,
				Map.of("enabled", "true", "currentPassword", unattended.password()))))
			.contains(leaver + " is enabled.");
		assertThat(enabled(leaver)).isTrue();
		assertThat(signIn(leaver, GOOD_PASSWORD)).isNotNull();
	}

	@Test
	void theWrongPasswordsOfEveryStaffChangeAreCountedTogetherAndTheFifthSignsTheSessionOut() {
		Admin own = newAdmin();
		ConsoleClient other = signIn(own.username(), own.password());
		String victim = createStaff("AGENT");
		String newcomer = uniqueName();
		admin().followed(admin().post("/console/staff/" + victim + "/enabled", Map.of("enabled", "false")));

		assertThat(own.client().post("/console/staff", newAccount(newcomer, "ADMIN", "wrong-guess-1")).body())
			.contains("Current password: that is not your current password");
		assertThat(own.client().followed(own.client().post("/console/staff/" + victim + "/password",
				Map.of("password", TAKEN_OVER, "currentPassword", "wrong-guess-2"))))
			.contains("Current password: that is not your current password");
		assertThat(own.client().followed(own.client().post("/console/staff/" + victim + "/enabled",
				Map.of("enabled", "true", "currentPassword", "wrong-guess-3"))))
			.contains("Current password: that is not your current password");
		assertThat(own.client().followed(own.client().post("/console/staff/" + own.username() + "/password",
				Map.of("password", TAKEN_OVER, "currentPassword", "wrong-guess-4"))))
			.contains("Current password: that is not your current password");
		ConsoleClient.Page last = own.client().post("/console/staff/" + victim + "/enabled",
				Map.of("enabled", "true", "currentPassword", "wrong-guess-5"));

		assertThat(last.location()).as("the fifth signs the session out")
			.endsWith(ConsoleSecurity.SIGN_IN + "?password-retries");
		assertThat(own.client().get("/console/staff").location()).contains(ConsoleSecurity.SIGN_IN);
		assertThat(exists(newcomer)).isFalse();
		assertThat(enabled(victim)).isFalse();
		assertThat(signIn(own.username(), TAKEN_OVER)).isNull();
		assertThat(other.get("/console/staff").status()).as("another session goes on").isEqualTo(200);
		assertThat(audit.about(victim)).filteredOn(e -> e.actor().equals(own.username()))
			.extracting(AuditTrail.Entry::action)
			.containsOnly(AgentLog.REFUSED)
			.hasSize(3);
	}

	/** An ADMIN of their own, signed in; their password is {@link #GOOD_PASSWORD}. */
	private record Admin(String username, String password, ConsoleClient client) {
	}

	private Admin newAdmin() {
		String username = createStaff("ADMIN");
		ConsoleClient client = signIn(username, GOOD_PASSWORD);
		assertThat(client).as("the new ADMIN signs in").isNotNull();
		return new Admin(username, GOOD_PASSWORD, client);
	}

	/** Creates an account of {@code role} with {@link #GOOD_PASSWORD} as the demo ADMIN; its username. */
	private String createStaff(String role) {
		String username = uniqueName();
		ConsoleClient.Page page = admin().post("/console/staff", newAccount(username, role, ConsoleClient.PASSWORD));
		assertThat(page.status()).as(page.toString()).isEqualTo(302);
		return username;
	}

	private ConsoleClient admin() {
		return ConsoleClient.signedIn(port, "admin");
	}

	private static Map<String, String> newAccount(String username, String role, String currentPassword) {
		Map<String, String> form = new HashMap<>(Map.of("username", username, "displayName", "Pat " + role, "role", role,
				"password", GOOD_PASSWORD));
		if (currentPassword != null) {
			form.put("currentPassword", currentPassword);
		}
		return form;
	}

	private boolean exists(String username) {
		return jdbc.sql("SELECT count(*) FROM staff_users WHERE username = :u").param("u", username)
			.query(Long.class).single() > 0;
	}

	private boolean enabled(String username) {
		return jdbc.sql("SELECT enabled FROM staff_users WHERE username = :u").param("u", username)
			.query(Boolean.class).single();
	}

	private static String uniqueName() {
		return "staff-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/**
	 * A signed-in client, or null when the sign-in is refused; from an address of this test's own, so that the failed
	 * sign-ins it counts on purpose hold back no other test's.
	 */
	private ConsoleClient signIn(String username, String password) {
		ConsoleClient client = new ConsoleClient(port, address);
		ConsoleClient.Page page = client.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", password));
		return page.location().contains("error") ? null : client;
	}
}
