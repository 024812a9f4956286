package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.staff.StaffAccounts;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * One client address cannot spray guesses over every staff username: after
 * {@value StaffAccounts#MAX_FAILURES_PER_ADDRESS} failed sign-ins of any usernames from it within 15 minutes, every
 * sign-in from it is refused, even with a right password, on the same page as a wrong password, and without a password
 * check; other addresses sign in as before, and the address may sign in again once the failures are 15 minutes old.
 */
class ConsoleSignInAddressLimitIntegrationTests extends ApiIntegrationTest {

	/** The default of {@code subdesk.console.sign-in-failures-per-address} ({@code StaffAccounts.MAX_FAILURES_PER_ADDRESS}). */
	private static final int LIMIT = 30;

	private static final String SPRAYER = "127.0.3.7";

	@Autowired
	JdbcClient jdbc;

	@Test
	void failedSignInsOfManyUsernamesFromOneAddressMakeEverySignInFromItWait() {
		ConsoleClient sprayer = new ConsoleClient(port, SPRAYER);
		// a few guesses for each of several usernames (real and not), none near its own per-username limit
		String[] usernames = { "agent", "supervisor", "admin", "nobody-here", "not-staff", "Not A Name!" };
		for (int i = 0; i < LIMIT; i++) {
			ConsoleClient.Page page = sprayer.post(ConsoleSecurity.SIGN_IN,
					Map.of("username", usernames[i % usernames.length], "password", "sprayed-guess-" + i));
			assertThat(page.location()).endsWith("/console/sign-in?error");
		}

		ConsoleClient.Page refused = sprayer.post(ConsoleSecurity.SIGN_IN,
				Map.of("username", "agent", "password", ConsoleClient.PASSWORD));
		assertThat(refused.location()).as("the right password, from the sprayer's address")
			.endsWith("/console/sign-in?error");
		assertThat(failuresFrom(SPRAYER)).as("every failure counted, whatever the username").isEqualTo(LIMIT);
		assertThat(sprayer.get("/console/sign-in?error").body()).contains("Wrong username or password.");
		assertThat(sprayer.get("/console").location()).endsWith("/console/sign-in");
		sprayer.post(ConsoleSecurity.SIGN_IN, Map.of("username", "supervisor", "password", "one-more-guess"));
		assertThat(failuresFrom(SPRAYER)).as("refused attempts count for nothing")
			.isEqualTo(LIMIT);

		assertThat(new ConsoleClient(port, "127.0.3.8")
			.post(ConsoleSecurity.SIGN_IN, Map.of("username", "agent", "password", ConsoleClient.PASSWORD))
			.location()).as("another address").doesNotContain("error");

		fixtures.advance("PT16M");
		assertThat(sprayer.post(ConsoleSecurity.SIGN_IN, Map.of("username", "agent", "password", ConsoleClient.PASSWORD))
			.location()).as("15 minutes later").doesNotContain("error");
	}

	@Test
	void attemptsOnAUsernameAlreadyWaitingCountForTheAddressSoItsLimitRefusesTheAddress() {
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		String username = "locked-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		admin.post("/console/staff", Map.of("username", username, "displayName", "Lou", "role", "AGENT", "password",
				"a-long-enough-passphrase"));
		String hammering = "127.0.3.9";
		ConsoleClient hammer = new ConsoleClient(port, hammering);
		for (int i = 0; i < dev.subdesk.staff.StaffAccounts.MAX_FAILURES; i++) {
			hammer.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", "guess-" + i));
		}
		// the username now waits for this address; each further attempt on it still costs a password check
		for (int i = 0; i < LIMIT - dev.subdesk.staff.StaffAccounts.MAX_FAILURES; i++) {
			assertThat(hammer.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", "more-" + i))
				.location()).endsWith("/console/sign-in?error");
		}

		assertThat(failuresFrom(hammering)).as("the attempts on the waiting username counted for the address")
			.isEqualTo(LIMIT);
		assertThat(hammer.post(ConsoleSecurity.SIGN_IN, Map.of("username", "agent", "password", ConsoleClient.PASSWORD))
			.location()).as("the address's limit refuses it, whatever the username").endsWith("/console/sign-in?error");
		hammer.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", "one-more"));
		assertThat(failuresFrom(hammering)).as("refused by the address before any password check").isEqualTo(LIMIT);
		assertThat(jdbc.sql("SELECT count(*) FROM staff_sign_in_failures WHERE username = :u AND NOT address_only")
			.param("u", username).query(Integer.class).single())
			.as("the username's own count is not raised by attempts its wait refused").isEqualTo(
					dev.subdesk.staff.StaffAccounts.MAX_FAILURES);
	}

	@Test
	void retriesOfAUsernameLockedFromEverywhereCountForNothingSoTheOfficeAddressStaysOpen() {
		String username = newStaff();
		// someone guessing from ten other addresses locks the username for every address (the 100 ceiling)
		for (int i = 0; i < dev.subdesk.staff.StaffAccounts.MAX_FAILURES_ALL_ADDRESSES; i++) {
			new ConsoleClient(port, "127.0.6." + (10 + i % 10))
				.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", "remote-guess-" + i));
		}
		// its owner, behind the office's one address (a NAT), keeps trying the right password
		String officeAddress = "127.0.6.1";
		ConsoleClient office = new ConsoleClient(port, officeAddress);
		for (int i = 0; i < LIMIT + 10; i++) {
			assertThat(office.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", PASSPHRASE))
				.location()).as("the username waits for every address").endsWith("/console/sign-in?error");
		}

		assertThat(failuresFrom(officeAddress)).as("nothing counted for the office: the wait is none of its doing")
			.isZero();
		assertThat(office.post(ConsoleSecurity.SIGN_IN, Map.of("username", "agent", "password", ConsoleClient.PASSWORD))
			.location()).as("a colleague at the same office address").doesNotContain("error");
	}

	/**
	 * Attempts on a username waiting for the ceiling count for none of the failures' limits (the test above), yet each
	 * costs a password check: after {@value StaffAccounts#MAX_CEILING_ATTEMPTS_PER_ADDRESS} of them from one address
	 * within {@link StaffAccounts#CEILING_ATTEMPTS_WINDOW}, every sign-in from it is refused before any check, on the
	 * same page as the other refusals. Counted as the encoder's checks on the console's own provider chain (the work
	 * that takes the time, Argon2id), not timed.
	 */
	@Test
	void oneAddressPostingToAUsernameLockedFromEverywhereGetsABoundedNumberOfPasswordChecks() {
		String username = newStaff();
		for (int i = 0; i < StaffAccounts.MAX_FAILURES_ALL_ADDRESSES; i++) {
			new ConsoleClient(port, "127.0.7." + (10 + i % 10))
				.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", "remote-guess-" + i));
		}
		String hammering = "127.0.7.1";
		int attempts = StaffAccounts.MAX_CEILING_ATTEMPTS_PER_ADDRESS + 50;
		int checks = checkedPasswords(hammering, username, attempts);

		assertThat(checks).as("password checks of %d attempts on the ceiling-locked username from one address", attempts)
			.isEqualTo(StaffAccounts.MAX_CEILING_ATTEMPTS_PER_ADDRESS);
		assertThat(failuresFrom(hammering)).as("none counted for the failures' limits").isZero();
		ConsoleClient hammer = new ConsoleClient(port, hammering);
		assertThat(hammer.post(ConsoleSecurity.SIGN_IN, Map.of("username", "agent", "password", ConsoleClient.PASSWORD))
			.location()).as("the right password of another username, from that address").endsWith("/console/sign-in?error");
		assertThat(hammer.get("/console/sign-in?error").body()).contains("Wrong username or password.");
		assertThat(new ConsoleClient(port, "127.0.7.2")
			.post(ConsoleSecurity.SIGN_IN, Map.of("username", "agent", "password", ConsoleClient.PASSWORD))
			.location()).as("another address").doesNotContain("error");

		fixtures.advance("PT61M");
		assertThat(hammer.post(ConsoleSecurity.SIGN_IN, Map.of("username", "agent", "password", ConsoleClient.PASSWORD))
			.location()).as("an hour later").doesNotContain("error");
	}

	@Autowired
	ConsoleStaff consoleStaff;

	@Autowired
	StaffAccounts staff;

	/**
	 * Sends {@code attempts} sign-ins of {@code username} with a wrong password from {@code address} through the
	 * console's provider chain ({@link ConsoleSecurity#limitedByAddress} over {@link ConsoleSecurity#provider}, with
	 * the staff accounts' own encoder), and returns how many passwords it checked.
	 */
	private int checkedPasswords(String address, String username, int attempts) {
		AtomicInteger checks = new AtomicInteger();
		PasswordEncoder argon2 = staff.passwordEncoder();
		PasswordEncoder counting = new PasswordEncoder() {

			@Override
			public String encode(CharSequence raw) {
				return argon2.encode(raw);
			}

			@Override
			public boolean matches(CharSequence raw, String encoded) {
				checks.incrementAndGet();
				return argon2.matches(raw, encoded);
			}
		};
		AuthenticationProvider chain = ConsoleSecurity.limitedByAddress(ConsoleSecurity.provider(consoleStaff, counting),
				staff);
		MockHttpServletRequest request = new MockHttpServletRequest("POST", ConsoleSecurity.SIGN_IN);
		request.setRemoteAddr(address);
		RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(request));
		try {
			for (int i = 0; i < attempts; i++) {
				String password = "hammered-" + i;
				assertThatThrownBy(() -> chain.authenticate(
						UsernamePasswordAuthenticationToken.unauthenticated(username, password)))
					.isInstanceOf(AuthenticationException.class);
			}
		}
		finally {
			RequestContextHolder.resetRequestAttributes();
		}
		return checks.get();
	}

	@Test
	void theOwnersSignInFromTheAddressClearsTheRetriesItsOwnWaitCountedThere() {
		String username = newStaff();
		String officeAddress = "127.0.6.2";
		ConsoleClient office = new ConsoleClient(port, officeAddress);
		for (int i = 0; i < dev.subdesk.staff.StaffAccounts.MAX_FAILURES; i++) {
			office.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", "mistyped-" + i));
		}
		fixtures.advance("PT10M");
		for (int i = 0; i < 15; i++) {
			assertThat(office.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", PASSPHRASE))
				.location()).as("the username waits for this address").endsWith("/console/sign-in?error");
		}
		assertThat(failuresFrom(officeAddress)).as("the retries of its own wait count for the address").isEqualTo(25);

		fixtures.advance("PT6M"); // the mistypes are 16 minutes old, the retries 6
		assertThat(office.post(ConsoleSecurity.SIGN_IN, Map.of("username", username, "password", PASSPHRASE))
			.location()).as("the owner signs in").doesNotContain("error");
		assertThat(failuresFrom(officeAddress)).as("their sign-in clears what their username's wait counted there")
			.isZero();
	}

	private static final String PASSPHRASE = "a-long-enough-passphrase";

	private String newStaff() {
		String username = "office-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		assertThat(ConsoleClient.signedIn(port, "admin").post("/console/staff", Map.of("username", username,
				"displayName", "Olive", "role", "AGENT", "password", PASSPHRASE)).status()).isEqualTo(302);
		return username;
	}

	private int failuresFrom(String address) {
		return jdbc.sql("SELECT count(*) FROM staff_sign_in_failures WHERE address = :address")
			.param("address", address)
			.query(Integer.class)
			.single();
	}
}
