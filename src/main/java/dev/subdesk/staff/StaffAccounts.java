package dev.subdesk.staff;

import dev.subdesk.shared.ClientAddresses;
import dev.subdesk.shared.Digests;
import dev.subdesk.shared.SubdeskException;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.DelegatingPasswordEncoder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The console's staff accounts, in the {@code staff_users} table; only each password's Argon2 hash is stored,
 * and a disabled account cannot sign in.
 * <p>
 * In demo mode ({@code subdesk.demo-mode}) the users {@code agent}, {@code supervisor} and {@code admin} are written
 * at every start with the password {@code subdesk.console.demo-password}, or, when that is blank, one generated
 * and logged once. In production mode there are no demo users (any left from a demo run are disabled);
 * the first ADMIN is {@code subdesk.console.bootstrap-admin.username} with
 * {@code subdesk.console.bootstrap-admin.password}, created at start-up only while no enabled ADMIN exists, and
 * ADMINs create everyone else on {@code /console/staff}.
 * <p>
 * Each account has a session version, kept in the session at sign-in; a new password or a disable raises it, and
 * the console ends every session whose version is no longer the account's ({@link #sessionCurrent}).
 */
@Component
public class StaffAccounts implements SmartInitializingSingleton {

	public static final int MIN_PASSWORD = 12;

	public static final int MAX_PASSWORD = 128;

	/**
	 * Failed sign-ins of one username from one client address within {@link #LOCK} after which that username's
	 * sign-in from that address waits (other addresses are not locked out by it).
	 */
	public static final int MAX_FAILURES = 10;

	/** Failed sign-ins of one username from all addresses together within {@link #LOCK} that lock it everywhere. */
	public static final int MAX_FAILURES_ALL_ADDRESSES = 100;

	public static final java.time.Duration LOCK = java.time.Duration.ofMinutes(15);

	/**
	 * The default of {@code subdesk.console.sign-in-failures-per-address}: failed sign-ins from one client address
	 * (an IPv6 one by its /64), whatever the usernames, within {@link #LOCK} after which every sign-in from that
	 * address waits. Without it one address could try {@value #MAX_FAILURES} passwords on every staff username in
	 * each window (password spraying), each at the cost of an Argon2 check.
	 */
	public static final int MAX_FAILURES_PER_ADDRESS = 30;

	/**
	 * Attempts from one client address (an IPv6 one by its /64) on usernames that wait only because of the ceiling of
	 * {@value #MAX_FAILURES_ALL_ADDRESSES} failures from all addresses, within {@link #CEILING_ATTEMPTS_WINDOW}, after
	 * which every sign-in from that address waits. Such attempts count for none of the failures' limits (others may
	 * have caused that wait), yet each costs a password check: without this bound one address could keep the server
	 * checking passwords for as long as the username waits. One retry every 12 seconds for a whole hour, far more than
	 * the staff of an office retry a name that waits for everyone (docs/SECURITY.md).
	 */
	public static final int MAX_CEILING_ATTEMPTS_PER_ADDRESS = 300;

	/** The window of {@link #MAX_CEILING_ATTEMPTS_PER_ADDRESS}. */
	public static final java.time.Duration CEILING_ATTEMPTS_WINDOW = java.time.Duration.ofHours(1);

	/**
	 * Wrong passwords typed again in one signed-in session ({@link #confirmPassword}) within {@link #LOCK}: the one
	 * that reaches this many signs the session out, and while the session has this many every further one is refused
	 * before any password check.
	 */
	public static final int MAX_REENTRIES = 5;

	static final String DEMO = "demo-mode";

	private static final String USERNAME = "[a-z0-9][a-z0-9._-]{1,39}";

	/**
	 * Actor names the application writes itself (case timelines, verification records, who created an account):
	 * a person with one of them would be indistinguishable from the system in the records.
	 */
	private static final java.util.Set<String> RESERVED = java.util.Set.of("system", "bootstrap", DEMO);

	private static final String COLUMNS = "username, display_name, role, password_hash, enabled, created_at, created_by, "
			+ "session_version";

	private static final String UPSERT_DEMO = """
			INSERT INTO staff_users (username, display_name, role, password_hash, enabled, created_at, created_by, updated_at)
			VALUES (:username, :name, :role, :hash, true, :at, :by, :at)
			ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role,
			    enabled = true, updated_at = EXCLUDED.updated_at
			WHERE staff_users.created_by = EXCLUDED.created_by
			""";

	private static final String INSERT = """
			INSERT INTO staff_users (username, display_name, role, password_hash, enabled, created_at, created_by, updated_at)
			VALUES (:username, :name, :role, :hash, true, :at, :by, :at)
			ON CONFLICT (username) DO NOTHING
			""";

	private static final Logger log = LoggerFactory.getLogger(StaffAccounts.class);

	public enum Role {
		AGENT, SUPERVISOR, ADMIN
	}

	/**
	 * What a sign-in checks the typed password against, read with the session version: a new password set in
	 * between raises the version, so the session begun with the old one is ended at its next request. {@code locked}:
	 * too many failed sign-ins, refused before the password is checked.
	 */
	public record Credentials(String username, String passwordHash, boolean enabled, boolean locked, Role role,
			long sessionVersion) {
	}

	/** A staff account (never the hash). */
	public record Member(String username, String displayName, Role role, boolean enabled, String createdBy) {
	}

	private final PasswordEncoder encoder = new DelegatingPasswordEncoder("argon2",
			Map.of("argon2", Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8(), "bcrypt", new BCryptPasswordEncoder()));

	private final JdbcClient jdbc;
	private final Clock clock;
	private final boolean demoMode;
	private final String demoPassword;
	private final String bootstrapUsername;
	private final String bootstrapPassword;
	private final int maxFailuresPerAddress;
	private final TransactionTemplate transactions;

	StaffAccounts(JdbcClient jdbc, Clock clock, PlatformTransactionManager transactions,
			@Value("${subdesk.console.demo-password:}") String demoPassword,
			@Value("${subdesk.demo-mode:false}") boolean demoMode,
			@Value("${subdesk.console.bootstrap-admin.username:}") String bootstrapUsername,
			@Value("${subdesk.console.bootstrap-admin.password:}") String bootstrapPassword,
			@Value("${subdesk.console.sign-in-failures-per-address:" + MAX_FAILURES_PER_ADDRESS + "}") int maxFailuresPerAddress) {
		if (maxFailuresPerAddress < 1) {
			throw new IllegalStateException("subdesk.console.sign-in-failures-per-address must be at least 1");
		}
		this.jdbc = jdbc;
		this.clock = clock;
		this.transactions = new TransactionTemplate(transactions);
		this.maxFailuresPerAddress = maxFailuresPerAddress;
		this.demoMode = demoMode;
		this.demoPassword = demoPassword;
		this.bootstrapUsername = bootstrapUsername.strip().toLowerCase(Locale.ROOT);
		this.bootstrapPassword = bootstrapPassword;
	}

	/** Argon2id for new hashes; bcrypt hashes still verify. */
	public PasswordEncoder passwordEncoder() {
		return encoder;
	}

	/** Writes the demo users (demo mode) or disables them, then creates the bootstrap admin if one is needed. */
	@Override
	@Transactional
	public void afterSingletonsInstantiated() {
		if (demoMode) {
			String hash = encoder.encode(demoPassword.isBlank() ? generatedDemoPassword() : demoPassword);
			for (Role role : Role.values()) {
				String username = role.name().toLowerCase(Locale.ROOT);
				int written = jdbc.sql(UPSERT_DEMO).param("username", username).param("name", "Demo " + username)
					.param("role", role.name()).param("hash", hash).param("at", Timestamp.from(clock.instant()))
					.param("by", DEMO).update();
				if (written == 0) {
					// a real staff account has this name (demo mode on a real database): it keeps its own password
					log.warn("Demo mode: no demo user {}: a staff account of that name exists and is left as it is",
							username);
				}
			}
		}
		else {
			jdbc.sql("UPDATE staff_users SET enabled = false WHERE created_by = :demo AND enabled").param("demo", DEMO).update();
		}
		if (hasEnabledAdmin()) {
			return;
		}
		if (bootstrapUsername.isEmpty() || bootstrapPassword.isEmpty()) {
			log.warn("The agent console has no ADMIN: set SUBDESK_CONSOLE_ADMIN_USERNAME and "
					+ "SUBDESK_CONSOLE_ADMIN_PASSWORD (at least {} characters) and restart to create the first one.",
					MIN_PASSWORD);
			return;
		}
		if (!bootstrapUsername.matches(USERNAME) || RESERVED.contains(bootstrapUsername)
				|| bootstrapPassword.length() < MIN_PASSWORD
				|| bootstrapPassword.length() > MAX_PASSWORD) {
			throw new IllegalStateException("subdesk.console.bootstrap-admin: the username must match " + USERNAME
					+ " (and not be one of " + RESERVED + ") and the password have " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters");
		}
		int created = insert(bootstrapUsername, "Administrator", Role.ADMIN, bootstrapPassword, "bootstrap");
		if (created == 0 && !hasEnabledAdmin()) {
			throw new IllegalStateException("subdesk.console.bootstrap-admin.username " + bootstrapUsername
					+ " is taken by an account that is not an enabled ADMIN; choose another name");
		}
		if (created == 1) {
			log.warn("Created the console ADMIN {} from subdesk.console.bootstrap-admin.", bootstrapUsername);
		}
	}

	private String generatedDemoPassword() {
		byte[] random = new byte[15];
		new SecureRandom().nextBytes(random);
		String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
		log.warn("""

				=====================================================================
				 Demo mode: subdesk.console.demo-password was not set, so this one was
				 generated for the console users agent, supervisor and admin.
				 Console password: {}
				=====================================================================""", password);
		return password;
	}

	private boolean hasEnabledAdmin() {
		return jdbc.sql("SELECT EXISTS (SELECT 1 FROM staff_users WHERE role = 'ADMIN' AND enabled)")
			.query(Boolean.class)
			.single();
	}

	/**
	 * The credentials for a sign-in of {@code username} from {@code address}, empty when no account has that name;
	 * locked (refused before the password is checked) after {@value #MAX_FAILURES} failed sign-ins from that
	 * address, or {@value #MAX_FAILURES_ALL_ADDRESSES} from all addresses, within {@link #LOCK}, and while the address
	 * has {@code subdesk.console.sign-in-failures-per-address} failed sign-ins of any usernames in that window
	 * ({@link #signInsRefusedFrom}). An attempt that may check its password is counted as a failure here, before it is
	 * checked (one the address's limit refuses is not counted; one of a name no account can have, or of a username
	 * waiting because of this address's own {@value #MAX_FAILURES} failures, whose password is still checked, is
	 * counted for its address only; one of a username waiting only for the ceiling of all addresses counts for no
	 * failures' limit, since others may have caused that wait, but against the address's bound of
	 * {@value #MAX_CEILING_ATTEMPTS_PER_ADDRESS} such attempts in {@link #CEILING_ATTEMPTS_WINDOW}, past which every
	 * sign-in from it waits too), and the count and that row are one step (advisory locks on the address
	 * and the username until this transaction commits): sign-ins sent at the same moment cannot check more passwords
	 * than the limits. A successful sign-in clears the rows of its username and address, those counted for the address
	 * only among them ({@link #signedIn}).
	 */
	@Transactional
	public Optional<Credentials> beginSignIn(String username, String typedAddress) {
		return begin(username, typedAddress);
	}

	private Optional<Credentials> begin(String username, String typedAddress) {
		String name = username.strip().toLowerCase(Locale.ROOT);
		// an IPv6 client by its /64: its owner has as many addresses in it as they like
		String address = ClientAddresses.key(typedAddress);
		// the address first, then the username: every sign-in takes them in this order, so none waits for another in a cycle
		jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('console-sign-in-address:' || :address, 0))")
			.param("address", address)
			.query()
			.listOfRows();
		boolean addressRefused = addressRefused(address);
		boolean validName = name.matches(USERNAME);
		if (!validName) {
			// no staff account has such a name (and text like a NUL byte must not reach the database); its dummy password
			// check still costs as much as a real one, so it counts for its address, the typed text not kept
			if (!addressRefused) {
				countFailure("", address, true);
			}
			return Optional.empty();
		}
		jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('console-sign-in:' || :username, 0))")
			.param("username", name)
			.query()
			.listOfRows();
		Wait wait = addressRefused ? new Wait(false, false) : jdbc.sql("""
				SELECT count(*) FILTER (WHERE address = :address AND NOT address_only) >= :max AS here,
				       count(*) FILTER (WHERE NOT address_only) >= :maxAll AS everywhere
				FROM staff_sign_in_failures WHERE username = :username AND at > :since""")
			.param("address", address)
			.param("max", MAX_FAILURES)
			.param("maxAll", MAX_FAILURES_ALL_ADDRESSES)
			.param("username", name)
			.param("since", Timestamp.from(clock.instant().minus(LOCK)))
			.query((rs, n) -> new Wait(rs.getBoolean("here"), rs.getBoolean("everywhere")))
			.single();
		boolean locked = addressRefused || wait.here() || wait.everywhere();
		if (!locked) {
			countFailure(name, address, false);
		}
		else if (wait.here()) {
			// the username waits because of this address's own failures, yet its password is still checked (so the time
			// of the answer does not tell a locked account): the attempt counts for its address, whose limit then refuses
			// it before any check, and not for the username, whose wait it would stretch for every address. A wait of the
			// username for all addresses (the ceiling, reachable from elsewhere) counts for no failures' limit: otherwise
			// someone elsewhere could lock a name, and its owner's retries behind an office's one address would lock the
			// office
			countFailure(name, address, true);
		}
		else if (wait.everywhere()) {
			// the ceiling alone: counted only against the much higher bound of such attempts per address, so that one
			// address cannot keep the server checking passwords for as long as the name waits
			jdbc.sql("""
					INSERT INTO staff_sign_in_ceiling_attempts (username, address, at)
					VALUES (:username, :address, :at)""")
				.param("username", name)
				.param("address", address)
				.param("at", Timestamp.from(clock.instant()))
				.update();
		}
		return jdbc.sql("SELECT " + COLUMNS + " FROM staff_users WHERE username = :username")
			.param("username", name)
			.query((rs, n) -> new Credentials(rs.getString("username"), rs.getString("password_hash"),
					rs.getBoolean("enabled"), locked, Role.valueOf(rs.getString("role")), rs.getLong("session_version")))
			.optional();
	}

	/** Whether the username waits for this address (its own failures from it) or for every address (the ceiling). */
	private record Wait(boolean here, boolean everywhere) {
	}

	/**
	 * A failure row: of the username and the address; or {@code addressOnly}, of the address alone (its limit), yet
	 * still naming the username, so that the username's sign-in from the address clears it ({@link #signedIn}).
	 */
	private void countFailure(String username, String address, boolean addressOnly) {
		jdbc.sql("""
				INSERT INTO staff_sign_in_failures (username, address, at, address_only)
				VALUES (:username, :address, :at, :addressOnly)""")
			.param("username", username)
			.param("address", address)
			.param("at", Timestamp.from(clock.instant()))
			.param("addressOnly", addressOnly)
			.update();
	}

	/**
	 * Whether the address has {@code subdesk.console.sign-in-failures-per-address} failures within {@link #LOCK}, or
	 * {@value #MAX_CEILING_ATTEMPTS_PER_ADDRESS} attempts on usernames waiting for the ceiling within
	 * {@link #CEILING_ATTEMPTS_WINDOW}.
	 */
	private boolean addressRefused(String addressKey) {
		Instant now = clock.instant();
		return jdbc.sql("""
				SELECT (SELECT count(*) FROM staff_sign_in_failures WHERE address = :address AND at > :since) >= :max
				    OR (SELECT count(*) FROM staff_sign_in_ceiling_attempts WHERE address = :address AND at > :ceilingSince)
				       >= :maxCeiling""")
			.param("max", maxFailuresPerAddress)
			.param("address", addressKey)
			.param("since", Timestamp.from(now.minus(LOCK)))
			.param("ceilingSince", Timestamp.from(now.minus(CEILING_ATTEMPTS_WINDOW)))
			.param("maxCeiling", MAX_CEILING_ATTEMPTS_PER_ADDRESS)
			.query(Boolean.class)
			.single();
	}

	/**
	 * Whether every sign-in from {@code address} waits now: it has {@code subdesk.console.sign-in-failures-per-address}
	 * (default {@value #MAX_FAILURES_PER_ADDRESS}) failed sign-ins, of any usernames, within {@link #LOCK}, or
	 * {@value #MAX_CEILING_ATTEMPTS_PER_ADDRESS} attempts on usernames waiting for the ceiling of all addresses within
	 * {@link #CEILING_ATTEMPTS_WINDOW}. The console asks before it checks any password, so a refused attempt costs no
	 * password check; {@link #beginSignIn} asks again, under its lock, for attempts sent at the same moment.
	 */
	@Transactional(readOnly = true)
	public boolean signInsRefusedFrom(String address) {
		return addressRefused(ClientAddresses.key(address));
	}

	/**
	 * Whether creating an account of {@code role} takes the acting ADMIN's current password
	 * ({@link #confirmToCreate}): a SUPERVISOR or ADMIN account does (one more ADMIN is one more way into every
	 * account); an AGENT account, and a role that is none (refused anyway), do not.
	 */
	public static boolean createNeedsCurrentPassword(@Nullable Role role) {
		return role == Role.SUPERVISOR || role == Role.ADMIN;
	}

	/**
	 * Before an ADMIN creates an account of {@code role}: checks the ADMIN's current password ({@link #confirmPassword})
	 * when the role needs it ({@link #createNeedsCurrentPassword}); nothing for an AGENT account. An ADMIN session left
	 * open or stolen alone must not be enough to make an ADMIN of someone.
	 */
	public void confirmToCreate(String actor, @Nullable Role role, @Nullable String typed, String session,
			String address) {
		if (createNeedsCurrentPassword(role)) {
			confirmPassword(actor, typed, session, address, "create a " + role + " account");
		}
	}

	/**
	 * Before an ADMIN sets the password of {@code username}, their own or anyone else's: checks the ADMIN's current
	 * password ({@link #confirmPassword}). A session left open or stolen alone must set no password: of the ADMIN's
	 * own account (which the new password would keep), nor of another's (which would take that account over).
	 */
	public void confirmToSetPassword(String actor, String username, @Nullable String typed, String session,
			String address) {
		confirmPassword(actor, typed, session, address,
				username.equals(actor) ? "set a new one of your own" : "set the password of another account");
	}

	/**
	 * Before an ADMIN enables ({@code enabled}) or disables an account: an enable checks the ADMIN's current password
	 * ({@link #confirmPassword}), since a disabled account may be a leaver's or one taken away for misuse; a disable
	 * needs none (it only takes access away, and ends the account's sessions).
	 */
	public void confirmToSetEnabled(String actor, boolean enabled, @Nullable String typed, String session,
			String address) {
		if (enabled) {
			confirmPassword(actor, typed, session, address, "enable an account");
		}
	}

	/**
	 * Checks that {@code typed} is the current password of {@code username}, typed again in the signed-in session
	 * {@code session} (its HTTP session's id) before an action an unattended or stolen session alone must not be enough
	 * for ({@code action}, as the messages name it: "set a new one of your own", "revoke a receipt key").
	 * <p>
	 * The session's own wrong passwords bound it, not the sign-in's locks: those anyone who knows the username can
	 * cause, and a signed-in session cannot make new sessions without the password anyway. A wrong one is counted for
	 * that session (by the SHA-256 of its id, never the id) before its password is checked, the count and that row one
	 * step under an advisory lock on the session, so passwords sent at the same moment cannot be checked more often
	 * than the bound; the one that reaches {@value #MAX_REENTRIES} within {@link #LOCK} is refused with
	 * {@link PasswordRetriesUsedUp}, on which the console signs the session out, and while the session has that many,
	 * every further one is refused so before any password check. The right password starts the session's count again;
	 * none of this counts as, or clears, a failed sign-in. {@code 400 VALIDATION_FAILED} on {@code currentPassword}
	 * when it is wrong, or the account is disabled or gone (refused unchecked and uncounted); when it is empty (none
	 * given), a slip of the form that is no attempt: counted for nothing and checked against nothing.
	 */
	public void confirmPassword(String username, @Nullable String typed, String session, String address, String action) {
		if (typed == null || typed.isEmpty()) {
			throw SubdeskException.invalid("currentPassword",
					"give your current password to " + action + "; nothing was changed");
		}
		String sessionHash = sessionHash(session);
		Reentry reentry = java.util.Objects
			.requireNonNull(transactions.execute(status -> beginReentry(username, sessionHash)));
		switch (reentry) {
			case Reentry.Refused() -> {
				log.warn("Refused the password given to {} for username {} from {}: its session had {} wrong ones "
						+ "within {}; the session is signed out", action, username, address, MAX_REENTRIES, LOCK);
				throw new PasswordRetriesUsedUp("your password was typed wrong " + MAX_REENTRIES + " times in this "
						+ "session; nothing was changed, and you are signed out");
			}
			case Reentry.Disabled() -> {
				log.warn("Refused the password given to {} for username {} from {}: the account is disabled or gone",
						action, username, address);
				throw SubdeskException.invalid("currentPassword", "your account may not use the console; nothing was "
						+ "changed");
			}
			case Reentry.Check(String passwordHash, long wrongSoFar) -> {
				if (encoder.matches(typed, passwordHash)) {
					transactions.executeWithoutResult(status -> forgetReentries(username, sessionHash));
					return;
				}
				log.warn("Wrong current password given to {} for username {} from {} ({} of {} in its session)", action,
						username, address, wrongSoFar, MAX_REENTRIES);
				if (wrongSoFar >= MAX_REENTRIES) {
					throw new PasswordRetriesUsedUp("that is not your current password, the " + MAX_REENTRIES
							+ "th wrong one in this session; nothing was changed, and you are signed out");
				}
				throw SubdeskException.invalid("currentPassword", "that is not your current password; nothing was "
						+ "changed (the " + MAX_REENTRIES + "th wrong one within 15 minutes signs you out)");
			}
		}
	}

	/** What a password typed again in a signed-in session may come to, before it is checked. */
	private sealed interface Reentry {

		/** The session has {@value StaffAccounts#MAX_REENTRIES} wrong ones (or there is none): refused unchecked. */
		record Refused() implements Reentry {
		}

		/** The account is disabled or gone: refused unchecked, counted for nothing. */
		record Disabled() implements Reentry {
		}

		/** Counted as a wrong one ({@code wrongSoFar} with it) until the password proves right. */
		record Check(String passwordHash, long wrongSoFar) implements Reentry {
		}
	}

	private Reentry beginReentry(String username, String sessionHash) {
		Optional<Credentials> account = jdbc.sql("SELECT " + COLUMNS + " FROM staff_users WHERE username = :username")
			.param("username", username)
			.query((rs, n) -> new Credentials(rs.getString("username"), rs.getString("password_hash"),
					rs.getBoolean("enabled"), false, Role.valueOf(rs.getString("role")), rs.getLong("session_version")))
			.optional();
		if (account.isEmpty() || !account.get().enabled()) {
			return new Reentry.Disabled();
		}
		if (sessionHash.isEmpty()) {
			// no session to count for: nothing would bound its guesses
			return new Reentry.Refused();
		}
		jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('console-reentry:' || :username || ':' || :session, 0))")
			.param("username", username)
			.param("session", sessionHash)
			.query()
			.listOfRows();
		long wrong = jdbc.sql("""
				SELECT count(*) FROM staff_password_reentries
				WHERE username = :username AND session_hash = :session AND at > :since""")
			.param("username", username)
			.param("session", sessionHash)
			.param("since", Timestamp.from(clock.instant().minus(LOCK)))
			.query(Long.class)
			.single();
		if (wrong >= MAX_REENTRIES) {
			return new Reentry.Refused();
		}
		jdbc.sql("INSERT INTO staff_password_reentries (username, session_hash, at) VALUES (:username, :session, :at)")
			.param("username", username)
			.param("session", sessionHash)
			.param("at", Timestamp.from(clock.instant()))
			.update();
		return new Reentry.Check(account.get().passwordHash(), wrong + 1);
	}

	private void forgetReentries(String username, String sessionHash) {
		jdbc.sql("DELETE FROM staff_password_reentries WHERE username = :username AND session_hash = :session")
			.param("username", username)
			.param("session", sessionHash)
			.update();
	}

	/** The hex SHA-256 of a session's id (what is stored instead of it), or "" for none. */
	static String sessionHash(String session) {
		if (session.isBlank()) {
			return "";
		}
		return Digests.sha256Hex(session);
	}

	/**
	 * Logs a failed sign-in; it was counted when the attempt began ({@link #beginSignIn}). The username is named only
	 * when it is a staff account's: text typed in its place may be a password typed in the wrong field.
	 */
	public void signInFailed(@Nullable String typed, String address) {
		String name = typed == null ? "" : typed.strip().toLowerCase(Locale.ROOT);
		if (name.matches(USERNAME) && find(name).isPresent()) {
			log.warn("Failed console sign-in for username {} from {}", name, address);
		}
		else {
			log.warn("Failed console sign-in for a username no staff account has, from {}", address);
		}
	}

	/**
	 * Failed sign-ins older than the {@link #LOCK} window count for nothing and are deleted, with the client address
	 * each holds, whether or not their username exists or ever signs in; a failure is kept for the window at most,
	 * plus the interval of this job. So are the wrong passwords typed again in signed-in sessions
	 * ({@link #confirmPassword}) older than that window, and the attempts on usernames waiting for the ceiling older
	 * than {@link #CEILING_ATTEMPTS_WINDOW}.
	 */
	@Scheduled(fixedDelayString = "${subdesk.console.sign-in-failure-purge-interval:PT15M}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	void forgetOldFailures() {
		forgetFailuresBefore(clock.instant().minus(LOCK));
		forgetCeilingAttemptsBefore(clock.instant().minus(CEILING_ATTEMPTS_WINDOW));
		forgetReentriesBefore(clock.instant().minus(LOCK));
	}

	/**
	 * Deletes the wrong passwords typed again in signed-in sessions before {@code before} (the job: those older than
	 * {@link #LOCK}, which count for nothing); returns how many.
	 */
	@Transactional
	public int forgetReentriesBefore(Instant before) {
		return jdbc.sql("DELETE FROM staff_password_reentries WHERE at < :before")
			.param("before", Timestamp.from(before))
			.update();
	}

	/**
	 * Deletes the attempts on usernames waiting for the ceiling made before {@code before} (the job: those older than
	 * {@link #CEILING_ATTEMPTS_WINDOW}, which count for nothing); returns how many.
	 */
	@Transactional
	public int forgetCeilingAttemptsBefore(Instant before) {
		return jdbc.sql("DELETE FROM staff_sign_in_ceiling_attempts WHERE at < :before")
			.param("before", Timestamp.from(before))
			.update();
	}

	/** Deletes the failed sign-ins logged before {@code before}; returns how many. */
	@Transactional
	public int forgetFailuresBefore(Instant before) {
		return jdbc.sql("DELETE FROM staff_sign_in_failures WHERE at < :before")
			.param("before", Timestamp.from(before))
			.update();
	}

	/**
	 * A successful sign-in starts the count of failures from its own address again, the retries its username's wait
	 * counted for the address among them, and its attempts there while the name waited for the ceiling; those from
	 * other addresses (someone guessing elsewhere), and those of other usernames from this address, still count until
	 * their window has passed.
	 */
	@Transactional
	public void signedIn(String username, String address) {
		String key = ClientAddresses.key(address);
		jdbc.sql("DELETE FROM staff_sign_in_failures WHERE username = :username AND address = :address")
			.param("username", username)
			.param("address", key)
			.update();
		jdbc.sql("DELETE FROM staff_sign_in_ceiling_attempts WHERE username = :username AND address = :address")
			.param("username", username)
			.param("address", key)
			.update();
	}

	/**
	 * Whether a session begun at {@code sessionVersion} may still be used: the account exists, is enabled, and has
	 * had neither a new password nor a disable since.
	 */
	@Transactional(readOnly = true)
	public boolean sessionCurrent(String username, long sessionVersion) {
		return jdbc.sql("SELECT EXISTS (SELECT 1 FROM staff_users WHERE username = :username AND enabled "
				+ "AND session_version = :version)")
			.param("username", username)
			.param("version", sessionVersion)
			.query(Boolean.class)
			.single();
	}

	/** Whether this account exists and may use the console now. */
	@Transactional(readOnly = true)
	public boolean enabled(String username) {
		return find(username).map(Member::enabled).orElse(false);
	}

	@Transactional(readOnly = true)
	public List<Member> all() {
		return jdbc.sql("SELECT " + COLUMNS + " FROM staff_users ORDER BY username").query(StaffAccounts::map).list();
	}

	@Transactional(readOnly = true)
	public Optional<Member> find(String username) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM staff_users WHERE username = :username")
			.param("username", username)
			.query(StaffAccounts::map)
			.optional();
	}

	/**
	 * Creates an enabled account. {@code 400 VALIDATION_FAILED} for a bad username, name, role or password;
	 * {@code 409 USERNAME_TAKEN} when the username exists.
	 */
	@Transactional
	public Member create(String username, String displayName, @Nullable Role role, String password, String actor) {
		String name = username.strip().toLowerCase(Locale.ROOT);
		if (!name.matches(USERNAME)) {
			throw SubdeskException.invalid("username",
					"2 to 40 characters: lower-case letters, digits, dot, dash or underscore, starting with a letter or digit");
		}
		if (RESERVED.contains(name)) {
			throw SubdeskException.invalid("username", name + " names the system itself in timelines and records; choose another");
		}
		String display = displayName.strip();
		if (display.isEmpty() || display.length() > 100) {
			throw SubdeskException.invalid("displayName", "1 to 100 characters");
		}
		if (role == null) {
			throw SubdeskException.invalid("role", "choose AGENT, SUPERVISOR or ADMIN");
		}
		requireGoodPassword(password);
		if (insert(name, display, role, password, actor) == 0) {
			throw SubdeskException.of(StaffErrorCode.USERNAME_TAKEN, "The username " + name + " is taken");
		}
		return find(name).orElseThrow();
	}

	/** Enables or disables an account, a disable ending its sessions; nobody disables their own. */
	@Transactional
	public Member setEnabled(String username, boolean enabled, String actor) {
		Member member = find(username).orElseThrow(() -> SubdeskException.notFound("Staff user", username));
		if (!enabled && member.username().equals(actor)) {
			throw SubdeskException.of(StaffErrorCode.OWN_ACCOUNT, "You cannot disable your own account");
		}
		jdbc.sql("""
				UPDATE staff_users SET enabled = :enabled, updated_at = :at,
				    session_version = session_version + CASE WHEN :enabled THEN 0 ELSE 1 END
				WHERE username = :username""")
			.param("enabled", enabled).param("at", Timestamp.from(clock.instant())).param("username", member.username())
			.update();
		return find(member.username()).orElseThrow();
	}

	/**
	 * Sets a new password (at least {@value #MIN_PASSWORD} characters), stored as its Argon2 hash, and ends every
	 * session of the account begun before. Returns the account's new session version.
	 */
	@Transactional
	public long resetPassword(String username, String password) {
		Member member = find(username).orElseThrow(() -> SubdeskException.notFound("Staff user", username));
		requireGoodPassword(password);
		return jdbc.sql("""
				UPDATE staff_users SET password_hash = :hash, updated_at = :at, session_version = session_version + 1
				WHERE username = :username RETURNING session_version""")
			.param("hash", encoder.encode(password)).param("at", Timestamp.from(clock.instant()))
			.param("username", member.username())
			.query(Long.class)
			.single();
	}

	private static void requireGoodPassword(String password) {
		if (password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
			throw SubdeskException.invalid("password", MIN_PASSWORD + " to " + MAX_PASSWORD + " characters");
		}
	}

	private int insert(String username, String displayName, Role role, String password, String actor) {
		return jdbc.sql(INSERT).param("username", username).param("name", displayName).param("role", role.name())
			.param("hash", encoder.encode(password)).param("at", Timestamp.from(clock.instant())).param("by", actor)
			.update();
	}

	private static Member map(ResultSet rs, int row) throws SQLException {
		return new Member(rs.getString("username"), rs.getString("display_name"), Role.valueOf(rs.getString("role")),
				rs.getBoolean("enabled"), rs.getString("created_by"));
	}
}
