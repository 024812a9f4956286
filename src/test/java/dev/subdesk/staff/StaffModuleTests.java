package dev.subdesk.staff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.shared.SubdeskException;
import dev.subdesk.testing.ModuleTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The staff accounts boot with the clock alone: an ADMIN's new account signs in with its password only, is locked
 * after {@value StaffAccounts#MAX_FAILURES} failed sign-ins from one address, and a new password or a disable ends
 * the sessions begun before.
 */
@ModuleTest(extraIncludes = "clock")
class StaffModuleTests {

	private static final String PASSWORD = "a-long-enough-password";

	@Autowired
	StaffAccounts staff;

	@Test
	void anAccountSignsInWithItsPasswordUntilItIsLockedDisabledOrGivenANewOne() {
		var member = staff.create("Module.Agent", "Module agent", StaffAccounts.Role.AGENT, PASSWORD, "admin");
		assertThat(member.username()).isEqualTo("module.agent");
		assertThat(member.enabled()).isTrue();

		var credentials = staff.beginSignIn(" MODULE.agent ", "192.0.2.1").orElseThrow();
		assertThat(credentials.locked()).isFalse();
		assertThat(staff.passwordEncoder().matches(PASSWORD, credentials.passwordHash())).isTrue();
		assertThat(staff.passwordEncoder().matches(PASSWORD + "x", credentials.passwordHash())).isFalse();
		assertThat(credentials.passwordHash()).doesNotContain(PASSWORD);
		staff.signedIn(credentials.username(), "192.0.2.1");
		long session = credentials.sessionVersion();
		assertThat(staff.sessionCurrent("module.agent", session)).isTrue();

		// every attempt counts until a success clears the count: the limit is per address
		for (int i = 0; i < StaffAccounts.MAX_FAILURES; i++) {
			staff.beginSignIn("module.agent", "192.0.2.66");
		}
		assertThat(staff.beginSignIn("module.agent", "192.0.2.66").orElseThrow().locked()).isTrue();
		assertThat(staff.beginSignIn("module.agent", "192.0.2.1").orElseThrow().locked()).isFalse();
		staff.signedIn("module.agent", "192.0.2.1");
		assertThat(staff.beginSignIn("module.agent", "192.0.2.66").orElseThrow().locked())
			.as("the account's own sign-in elsewhere does not clear the guesses from another address").isTrue();

		// attempts on a username waiting because of this address's own failures count for the address alone, never for
		// the username: one address alone cannot reach the ceiling that locks the username for every address, and its
		// own limit then refuses it
		for (int i = 0; i < StaffAccounts.MAX_FAILURES_ALL_ADDRESSES; i++) {
			assertThat(staff.beginSignIn("module.agent", "192.0.2.66").orElseThrow().locked()).isTrue();
		}
		assertThat(staff.signInsRefusedFrom("192.0.2.66")).as("the address reached its own limit").isTrue();
		assertThat(staff.beginSignIn("module.agent", "192.0.2.2").orElseThrow().locked())
			.as("another address can still sign in").isFalse();

		// an IPv6 client is one address by its /64: the addresses its network holds are not fresh addresses each
		for (int i = 1; i <= StaffAccounts.MAX_FAILURES; i++) {
			staff.beginSignIn("module.agent", "2001:db8:1:2::" + Integer.toHexString(i));
		}
		assertThat(staff.beginSignIn("module.agent", "2001:db8:1:2:ffff::1").orElseThrow().locked())
			.as("another address of the same /64").isTrue();
		assertThat(staff.beginSignIn("module.agent", "2001:db8:1:3::1").orElseThrow().locked())
			.as("another network").isFalse();

		long renewed = staff.resetPassword("module.agent", "another-long-password");
		assertThat(renewed).isGreaterThan(session);
		assertThat(staff.sessionCurrent("module.agent", session)).isFalse();
		assertThat(staff.sessionCurrent("module.agent", renewed)).isTrue();

		staff.setEnabled("module.agent", false, "admin");
		assertThat(staff.enabled("module.agent")).isFalse();
		assertThat(staff.sessionCurrent("module.agent", renewed)).isFalse();
	}

	@Test
	void aSessionsFifthWrongPasswordUsesItUpAndThenEvenTheRightOneIsRefusedUncheckedWhileOtherSessionsGoOn(
			@Autowired org.springframework.jdbc.core.simple.JdbcClient jdbc) {
		String keeper = staff.create("keeper-" + java.util.UUID.randomUUID().toString().substring(0, 8), "Module keeper",
				StaffAccounts.Role.ADMIN, PASSWORD, "admin").username();
		String session = java.util.UUID.randomUUID().toString();

		for (int i = 1; i < StaffAccounts.MAX_REENTRIES; i++) {
			assertThatThrownBy(() -> staff.confirmPassword(keeper, "wrong", session, "192.0.2.9", "test"))
				.isInstanceOf(SubdeskException.class)
				.isNotInstanceOf(PasswordRetriesUsedUp.class);
		}
		assertThatThrownBy(() -> staff.confirmPassword(keeper, "wrong", session, "192.0.2.9", "test"))
			.as("the fifth uses the session's count up").isInstanceOf(PasswordRetriesUsedUp.class);
		assertThat(jdbc.sql("SELECT count(*) FROM staff_password_reentries WHERE session_hash = :raw")
			.param("raw", session).query(Long.class).single()).as("the session's id is never stored").isZero();

		String hash = jdbc.sql("SELECT password_hash FROM staff_users WHERE username = :u").param("u", keeper)
			.query(String.class).single();
		// a hash no encoder reads: a password check would throw on it, a refusal before any check does not
		jdbc.sql("UPDATE staff_users SET password_hash = '{unchecked}not-a-hash' WHERE username = :u").param("u", keeper).update();
		assertThatThrownBy(() -> staff.confirmPassword(keeper, PASSWORD, session, "192.0.2.9", "test"))
			.as("refused before any password check").isInstanceOf(PasswordRetriesUsedUp.class);
		assertThatThrownBy(() -> staff.confirmPassword(keeper, PASSWORD, "", "192.0.2.9", "test"))
			.as("no session to count for").isInstanceOf(PasswordRetriesUsedUp.class);
		jdbc.sql("UPDATE staff_users SET password_hash = :h WHERE username = :u").param("u", keeper).param("h", hash).update();

		String other = java.util.UUID.randomUUID().toString();
		staff.confirmPassword(keeper, PASSWORD, other, "192.0.2.9", "test");
		assertThat(staff.beginSignIn(keeper, "192.0.2.9").orElseThrow().locked())
			.as("no failed sign-in counted").isFalse();

		staff.setEnabled(keeper, false, "admin");
		assertThatThrownBy(() -> staff.confirmPassword(keeper, PASSWORD, other, "192.0.2.9", "test"))
			.as("a disabled account is refused").isInstanceOf(SubdeskException.class);
	}

	@Test
	void theFailurePurgeForgetsASessionsWrongPasswordsAfterTheWindow(@Autowired java.time.Clock clock,
			@Autowired org.springframework.jdbc.core.simple.JdbcClient jdbc) {
		String purged = staff.create("purged-" + java.util.UUID.randomUUID().toString().substring(0, 8), "Module purged",
				StaffAccounts.Role.ADMIN, PASSWORD, "admin").username();
		String session = java.util.UUID.randomUUID().toString();
		assertThatThrownBy(() -> staff.confirmPassword(purged, "wrong", session, "192.0.2.10", "test"))
			.isInstanceOf(SubdeskException.class);
		String count = "SELECT count(*) FROM staff_password_reentries WHERE username = :u";
		staff.forgetOldFailures();
		assertThat(jdbc.sql(count).param("u", purged).query(Long.class).single()).as("within the window").isOne();
		jdbc.sql("UPDATE staff_password_reentries SET at = :at WHERE username = :u")
			.param("at", java.sql.Timestamp.from(clock.instant().minus(StaffAccounts.LOCK).minusSeconds(1)))
			.param("u", purged)
			.update();
		staff.forgetOldFailures();
		assertThat(jdbc.sql(count).param("u", purged).query(Long.class).single()).as("past the window").isZero();
	}

	@Test
	void badNamesShortPasswordsTakenNamesAndDisablingOneselfAreRefused() {
		assertThatThrownBy(() -> staff.create("-x", "X", StaffAccounts.Role.AGENT, PASSWORD, "admin"))
			.isInstanceOf(SubdeskException.class);
		assertThatThrownBy(() -> staff.create("module.short", "X", StaffAccounts.Role.AGENT, "short", "admin"))
			.isInstanceOf(SubdeskException.class);
		assertThatThrownBy(() -> staff.create("module.norole", "X", null, PASSWORD, "admin"))
			.isInstanceOf(SubdeskException.class);
		staff.create("module.admin", "Module admin", StaffAccounts.Role.ADMIN, PASSWORD, "admin");
		assertThatThrownBy(() -> staff.create("module.admin", "Again", StaffAccounts.Role.AGENT, PASSWORD, "admin"))
			.isInstanceOfSatisfying(SubdeskException.class, e -> assertThat(e.code()).isEqualTo("USERNAME_TAKEN"));
		assertThatThrownBy(() -> staff.setEnabled("module.admin", false, "module.admin"))
			.isInstanceOfSatisfying(SubdeskException.class, e -> assertThat(e.code()).isEqualTo("OWN_ACCOUNT"));
		assertThat(staff.enabled("module.admin")).isTrue();
		assertThat(staff.beginSignIn("no\u0000body", "192.0.2.1")).isEmpty();
	}
}
