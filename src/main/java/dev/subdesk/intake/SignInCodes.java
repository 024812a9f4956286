package dev.subdesk.intake;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.AccountErasing;
import dev.subdesk.accounts.AccountOpened;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.EmailChanged;
import dev.subdesk.shared.ClientAddresses;
import dev.subdesk.shared.Digests;
import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.OneTimeCodes;
import dev.subdesk.shared.Page;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * One-time sign-in codes: six digits, valid 10 minutes, used once, at most {@value #MAX_TRIES} tries each.
 * A code belongs to the browser that asked for it (its {@code requester}, a random token its session keeps): only
 * that browser signs in with it, and a new code asked for by the same browser ends its previous one. A code asked
 * for by anyone else with the same email ends nothing, so a stranger cannot take a customer's code away.
 * <p>
 * Requests are limited in a sliding {@link #WINDOW}: {@code perEmail} codes for one email from one client address
 * (what refuses a browser that keeps asking), {@code perEmailAllAddresses} for one email from all addresses together
 * (a higher ceiling, against flooding the inbox from many addresses), and {@code perIp} from one client address (an IPv6 one by its /64
 * prefix, {@link ClientAddresses}).
 * So a stranger asking again and again from their own address
 * uses up their own allowance, never the customer's. A browser that signed in with the email before
 * ({@link KnownBrowsers}) is held first to an allowance of its own, {@code perKnownBrowser} codes in the window (past it,
 * to the limits of anyone else), and all known browsers of an email together to
 * {@value #KNOWN_BROWSERS_PER_EMAIL} times that: a stranger who uses up the email's ceiling from many addresses does
 * not keep the customer out, and at most {@code perEmailAllAddresses + KNOWN_BROWSERS_PER_EMAIL * perKnownBrowser}
 * codes (10 + 3 × 3 by default) go to one inbox in the window. A known browser is one only while the email belongs to
 * the account it signed in to ({@link KnownBrowsers}).
 * <p>
 * Strangers' codes (those not asked for by a known browser) for one email have a ceiling of {@code failedTriesPerDay}
 * wrong tries together in {@link #GUESS_WINDOW} (20 by default, where the window's codes alone would allow 50 every
 * 15 minutes): past it, the tries on their codes fail until the day's wrong tries age out; a known browser still
 * signs in with its codes. Codes are still mailed within the limits above, since each carries a one-time sign-in
 * link too: a random token of {@value #LINK_BYTES} bytes, only its SHA-256 stored, with its code's expiry, used once
 * (using it uses the code, and whatever ends the code ends it). It cannot be guessed, so it is held neither to the
 * ceiling nor to the browser that asked: a stranger who makes 20 wrong tries on a customer's email does not keep
 * the customer out of the portal on a new device ({@link #peekLink}, {@link #useLink}). Parallel requests wait for
 * each other ({@link LimitLocks}), so they cannot pass the limits together. Only hashes are stored; the code and the
 * link travel only in the SIGN_IN_CODE notice. An email without an account gets the same answers, the same rows
 * (with a code and a link no one ever gets) and no notice. The request writes no notice for an account either: its
 * notice is written after the request has committed, off the request's thread ({@link SignInCodeNotices}, with a
 * safety net for a node that stops in between), so the request's work, and so its time, is the same both ways.
 * <p>
 * Checkout's "I am new here" asks for a code with what was typed for a new account ({@link NewAccount}). No account is
 * opened then: anyone can type anyone's address. For an address without an account, the code (and its link) is
 * mailed to the address, and what was typed waits with the code (personal data of the code: erased when it is used or
 * ended by a newer code of the same browser, when an account is opened for the address by any path, the API's too, or
 * an account's email is changed to it, the code then becoming the account's ({@link #on(AccountOpened)},
 * {@link #on(EmailChanged)}), when the account with the address closes, and with
 * the row after {@link SignInCodeRetention#RETENTION}). The
 * account is opened only when the code or the link proves the address, and only if no account has the address by
 * then (its owner then simply signs in, and nothing typed is applied to it). For an address with an account, what was
 * typed is dropped at once and the code goes to the account, as any sign-in code: both answers, and the work for
 * them, are alike.
 */
@Service
public class SignInCodes {

	static final int MAX_TRIES = 5;

	static final Duration VALID_FOR = Duration.ofMinutes(10);

	static final Duration WINDOW = Duration.ofMinutes(15);

	/** The window of the ceiling of wrong tries on strangers' codes: no longer than the rows are kept. */
	static final Duration GUESS_WINDOW = SignInCodeRetention.RETENTION;

	/** How many known browsers' allowances one email's codes have in the window, at most. */
	static final int KNOWN_BROWSERS_PER_EMAIL = 3;

	private static final String INSERT = """
			INSERT INTO portal_sign_in_codes (id, email, account_id, code_hash, client_ip, created_at, expires_at, requester,
			  known_browser, link_hash, pending_email, pending_name, pending_country, pending_region, notified_at)
			VALUES (:id, :email, :account, :hash, :ip, :at, :expires, :requester, :knownBrowser, :linkHash, :pendingEmail,
			  :pendingName, :pendingCountry, :pendingRegion, NULL)
			""";

	/** What a code's row keeps of a new account that waits for it, erased with it (used, or ended). */
	private static final String NO_PENDING = "pending_email = NULL, pending_name = NULL, pending_country = NULL, "
			+ "pending_region = NULL";

	/** The same browser's earlier codes for this email: never another's. */
	private static final String RETIRE_EARLIER = """
			UPDATE portal_sign_in_codes SET used_at = :at, %s
			WHERE email = :email AND used_at IS NULL AND coalesce(requester, '') = :requester
			""".formatted(NO_PENDING);

	/** Strangers' codes only: a known browser's are counted by its own allowance. */
	private static final String COUNT_RECENT_BY_EMAIL_AND_IP = """
			SELECT count(*) FROM portal_sign_in_codes
			WHERE email = :email AND client_ip = :ip AND created_at > :since AND known_browser IS NULL
			""";

	private static final String COUNT_RECENT_BY_EMAIL = """
			SELECT count(*) FROM portal_sign_in_codes WHERE email = :email AND created_at > :since AND known_browser IS NULL
			""";

	private static final String COUNT_RECENT_BY_KNOWN_BROWSER = """
			SELECT count(*) FILTER (WHERE known_browser = :browser), count(*) FROM portal_sign_in_codes
			WHERE email = :email AND created_at > :since AND known_browser IS NOT NULL
			""";

	private static final String FAILED_TRIES_BY_STRANGERS = """
			SELECT coalesce(sum(failed_tries), 0) FROM portal_sign_in_codes
			WHERE email = :email AND created_at > :since AND known_browser IS NULL
			""";

	private static final String COUNT_RECENT_BY_IP = """
			SELECT count(*) FROM portal_sign_in_codes WHERE client_ip = :ip AND created_at > :since
			""";

	private static final String LATEST_LIVE = """
			SELECT id, account_id, code_hash, attempts, known_browser, pending_email, pending_name, pending_country,
			  pending_region FROM portal_sign_in_codes
			WHERE email = :email AND coalesce(requester, '') = :requester AND used_at IS NULL AND expires_at > :now
			ORDER BY created_at DESC LIMIT 1 FOR UPDATE
			""";

	private static final String COUNT_TRY = "UPDATE portal_sign_in_codes SET attempts = attempts + 1 WHERE id = :id";

	private static final String COUNT_FAILED_TRY = "UPDATE portal_sign_in_codes SET failed_tries = failed_tries + 1 WHERE id = :id";

	/**
	 * The live codes still waiting with a new account for an address that has one now (mailed to it, as no other code
	 * without an account is): the account's from now on.
	 */
	private static final String ADOPT_PENDING = "UPDATE portal_sign_in_codes SET account_id = :account, " + NO_PENDING
			+ " WHERE email = :email AND account_id IS NULL AND used_at IS NULL AND pending_email IS NOT NULL";

	/** A code used: for the account it signed in to (the one it opened, for a new account), what waited erased. */
	private static final String MARK_USED = "UPDATE portal_sign_in_codes SET used_at = :at, account_id = :account, "
			+ NO_PENDING + " WHERE id = :id";

	/**
	 * The live code whose link has this hash, whoever asked for it: the link is the mailbox's, not a browser's. Only
	 * one that was mailed: to an account, or with a new account that waits for it.
	 */
	private static final String LIVE_LINK = """
			SELECT id, account_id, email, requester, pending_email, pending_name, pending_country, pending_region
			FROM portal_sign_in_codes
			WHERE link_hash = :hash AND used_at IS NULL AND expires_at > :now
			  AND (account_id IS NOT NULL OR pending_email IS NOT NULL)
			""";

	/** How a link's token looks: {@value #LINK_BYTES} random bytes in unpadded base64url. */
	private static final java.util.regex.Pattern LINK_TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{43}");

	/** The random bytes of a link's token: 256 bits. */
	static final int LINK_BYTES = 32;

	private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

	/**
	 * What checkout's "I am new here" typed for an account, or what the owner types for it on the link's page in
	 * another browser: the address (plain, as typed), the name, the country and the optional region code, checked by
	 * the page. It opens an account only when the code or the link proves the address.
	 */
	public record NewAccount(String email, String name, String country, @Nullable String region) {

		@Override
		public String toString() {
			return "NewAccount[country=%s]".formatted(country);
		}
	}

	/**
	 * Who a sign-in link signs in: the account (null while it is still to be opened, {@code opensAccount}: no account
	 * has the address yet, and the link was sent for checkout's new account) and the email its code was asked for with;
	 * whether the browser opening it is the one that asked for it ({@code askedHere}).
	 */
	public record LinkSignIn(@Nullable String accountId, String email, boolean askedHere, boolean opensAccount) {
	}

	/**
	 * What came of using a sign-in link: signed in ({@code signIn} set, with the account, opened now if it was still to
	 * be); or the address the link went to must be typed first, the link kept (opened in another browser than the one
	 * that asked, without that address); or, there, the new account's details ({@link NewAccount}) must be typed too,
	 * since whoever typed them at checkout may not be the address's owner; or the link cannot be used. For the two that
	 * ask, {@code signIn} says only whether the link opens an account (no account, no address).
	 */
	public record LinkUse(Outcome outcome, @Nullable LinkSignIn signIn) {

		public enum Outcome {
			SIGNED_IN, ADDRESS_NEEDED, DETAILS_NEEDED, UNUSABLE
		}
	}

	/** The outcome of asking for a code; the customer sees the same page for SENT whether or not an account exists. */
	public enum Issue {
		SENT, TOO_MANY_REQUESTS
	}

	private record LiveCode(String id, @org.jspecify.annotations.Nullable String accountId, String hash, int attempts,
			boolean byKnownBrowser, @Nullable NewAccount pending) {
	}

	/** The new account a code's row keeps (its {@code pending_*} columns), if any. */
	private static @Nullable NewAccount pending(java.sql.ResultSet rs) throws java.sql.SQLException {
		String email = rs.getString("pending_email");
		return email == null ? null
				: new NewAccount(email, rs.getString("pending_name"), rs.getString("pending_country"),
						rs.getString("pending_region"));
	}

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Accounts accounts;
	private final ApplicationEventPublisher events;
	private final int perEmail;
	private final int perEmailAllAddresses;
	private final int perIp;
	private final KnownBrowsers knownBrowsers;
	private final int perKnownBrowser;
	private final int failedTriesPerDay;

	public SignInCodes(JdbcClient jdbc, Clock clock, Accounts accounts, ApplicationEventPublisher events,
			KnownBrowsers knownBrowsers,
			@Value("${subdesk.portal.codes-per-email:3}") int perEmail,
			@Value("${subdesk.portal.codes-per-email-all-addresses:10}") int perEmailAllAddresses,
			@Value("${subdesk.portal.codes-per-ip:30}") int perIp,
			@Value("${subdesk.portal.codes-per-known-browser:3}") int perKnownBrowser,
			@Value("${subdesk.portal.failed-code-tries-per-day:20}") int failedTriesPerDay) {
		this.failedTriesPerDay = failedTriesPerDay;
		this.knownBrowsers = knownBrowsers;
		this.perKnownBrowser = perKnownBrowser;
		this.jdbc = jdbc;
		this.clock = clock;
		this.accounts = accounts;
		this.events = events;
		this.perEmail = perEmail;
		this.perEmailAllAddresses = perEmailAllAddresses;
		this.perIp = perIp;
	}

	/** {@link #issue(String, String, String, List)} for a browser with no known-browser cookie. */
	@Transactional
	public Issue issue(String typedEmail, String typedClientIp, String requester) {
		return issue(typedEmail, typedClientIp, requester, List.of());
	}

	/** {@link #issue(String, String, String, List, NewAccount)} for a sign-in: no new account. */
	@Transactional
	public Issue issue(String typedEmail, String typedClientIp, String requester, List<String> knownBrowserCookies) {
		return issue(typedEmail, typedClientIp, requester, knownBrowserCookies, null);
	}

	/**
	 * Asks for a code for {@code typedEmail} from {@code clientIp} for the browser {@code requester} (a random token
	 * its session keeps, never empty): ends that browser's earlier codes for the email, and no one else's. With one of
	 * {@code knownBrowserCookies} (every value of the cookie the browser sent) that {@link KnownBrowsers} made when this
	 * browser signed in with the email to the account that has it now, the browser's own allowance holds first, then
	 * the strangers' limits; any other value is ignored.
	 * <p>
	 * With {@code newAccount} (checkout's "I am new here", its address the one typed): for an address that no account
	 * has, the code is mailed to it and the new account waits with it, to be opened when the code or the link proves
	 * the address; for an address with an account, {@code newAccount} is dropped and the code is the account's.
	 */
	@Transactional
	public Issue issue(String typedEmail, String typedClientIp, String requester, List<String> knownBrowserCookies,
			@Nullable NewAccount newAccount) {
		if (requester.isEmpty()) {
			throw new IllegalArgumentException("a code is asked for by a browser: its requester token is not empty");
		}
		String email = normalize(typedEmail);
		String clientIp = ClientAddresses.key(typedClientIp);
		Instant now = clock.instant();
		Timestamp since = Timestamp.from(now.minus(WINDOW));
		LimitLocks.lock(jdbc, List.of(LimitLocks.of("sign-in-email", email), LimitLocks.of("sign-in-ip", clientIp)));
		// held until this commits: an account opened for the address, or an email changed to it, waits, then settles
		// what this stores; one that committed before is seen below (on AccountOpened, EmailChanged)
		accounts.holdAddress(email);
		// a known browser past its own allowance asks as anyone else does, within the strangers' limits
		Optional<String> knownBrowser = knownBrowsers.browserFor(email, currentAccount(email), knownBrowserCookies)
			.filter(browser -> withinKnownBrowsersAllowance(email, browser, since));
		if (knownBrowser.isEmpty() && !withinLimits(email, clientIp, since)) {
			return Issue.TOO_MANY_REQUESTS;
		}
		// locked and read again: a code for an account whose closure is under way would be stored, and mailed, with
		// the address the closure has just erased
		Optional<Account> account = accounts.findByEmail(email, Page.Request.first(1))
			.data()
			.stream()
			.filter(a -> !a.closed())
			.findFirst()
			.map(a -> accounts.lock(a.id()))
			.filter(a -> !a.closed() && EmailAddresses.same(jdbc, a.email(), email));
		String id = Ids.next("sic");
		String code = OneTimeCodes.generate();
		// made and stored whether or not an account has the email: the same work either way
		String linkToken = newLinkToken();
		Instant expires = now.plus(VALID_FOR);
		// what was typed for a new account waits only for an address that no account has: never applied to one
		NewAccount pending = account.isPresent() ? null : newAccount;
		jdbc.sql(RETIRE_EARLIER).param("at", Timestamp.from(now)).param("email", email).param("requester", requester)
			.update();
		jdbc.sql(INSERT)
			.param("id", id)
			.param("email", email)
			.param("account", account.map(Account::id).orElse(null))
			.param("hash", OneTimeCodes.hash(id, code))
			.param("ip", clientIp)
			.param("at", Timestamp.from(now))
			.param("expires", Timestamp.from(expires))
			.param("requester", requester)
			.param("knownBrowser", knownBrowser.orElse(null))
			.param("linkHash", linkHash(linkToken))
			.param("pendingEmail", pending == null ? null : pending.email())
			.param("pendingName", pending == null ? null : pending.name())
			.param("pendingCountry", pending == null ? null : pending.country())
			.param("pendingRegion", pending == null ? null : pending.region())
			.update();
		// in process only: neither the code nor the link's token ever goes into the event log. Mailed after the
		// commit, off this thread (SignInCodeNotices): this request writes no notice, whether or not an account has
		// the email, so its time does not tell
		if (account.isPresent()) {
			Account a = account.get();
			events.publishEvent(new SignInCodeNotices.Requested(
					new SignInCodeIssued(id, a.id(), a.email(), a.country(), code, linkToken, expires), email));
		}
		else if (pending != null) {
			events.publishEvent(new SignInCodeNotices.Requested(
					new SignInCodeIssued(id, null, pending.email(), pending.country(), code, linkToken, expires), email));
		}
		return Issue.SENT;
	}

	/**
	 * The id of the open account that has the email now, the one a known browser's tag must be for: looked up (with
	 * the same queries) whether or not there is one.
	 */
	private @Nullable String currentAccount(String email) {
		return accounts.findByEmail(email, Page.Request.first(1))
			.data()
			.stream()
			.filter(a -> !a.closed() && EmailAddresses.same(jdbc, a.email(), email))
			.map(Account::id)
			.findFirst()
			.orElse(null);
	}

	/** Whether strangers' wrong tries on codes for the email stay under the day's ceiling. */
	private boolean withinGuesses(String email, Instant now) {
		return jdbc.sql(FAILED_TRIES_BY_STRANGERS).param("email", email)
			.param("since", Timestamp.from(now.minus(GUESS_WINDOW))).query(Long.class).single() < failedTriesPerDay;
	}

	private boolean withinLimits(String email, String clientIp, Timestamp since) {
		long byEmailFromIp = jdbc.sql(COUNT_RECENT_BY_EMAIL_AND_IP).param("email", email).param("ip", clientIp)
			.param("since", since).query(Long.class).single();
		long byEmail = jdbc.sql(COUNT_RECENT_BY_EMAIL).param("email", email).param("since", since).query(Long.class).single();
		long byIp = jdbc.sql(COUNT_RECENT_BY_IP).param("ip", clientIp).param("since", since).query(Long.class).single();
		return byEmailFromIp < perEmail && byEmail < perEmailAllAddresses && byIp < perIp;
	}

	private boolean withinKnownBrowsersAllowance(String email, String browser, Timestamp since) {
		return jdbc.sql(COUNT_RECENT_BY_KNOWN_BROWSER).param("email", email).param("browser", browser)
			.param("since", since)
			.query((rs, n) -> rs.getLong(1) < perKnownBrowser && rs.getLong(2) < KNOWN_BROWSERS_PER_EMAIL * perKnownBrowser)
			.single();
	}

	/**
	 * The account the code signs in to, if it is the latest live code this browser ({@code requester}; empty for a
	 * session from before codes had one) asked for with this email and fewer than {@value #MAX_TRIES} tries were
	 * made on it. Every try counts, right or wrong, on that browser's code only. A stranger's code (not asked for by a
	 * known browser) fails, its try uncounted, while strangers' wrong tries for the email are past the day's ceiling.
	 * A code that waits with a new account (checkout's) proves the address: the account is opened now, unless one
	 * has the address by then, which is the one signed in to (nothing typed is applied to it).
	 */
	@Transactional
	public Optional<String> verify(String typedEmail, String typedCode, String requester) {
		Instant now = clock.instant();
		String email = normalize(typedEmail);
		// the day's wrong tries counted one try after another: parallel tries cannot pass the ceiling together
		LimitLocks.lock(jdbc, List.of(LimitLocks.of("sign-in-email", email)));
		// before the code's row: an account opened for the address meanwhile holds the address, then that row
		accounts.holdAddress(email);
		Optional<LiveCode> live = jdbc.sql(LATEST_LIVE)
			.param("email", email)
			.param("requester", requester)
			.param("now", Timestamp.from(now))
			.query((rs, n) -> new LiveCode(rs.getString("id"), rs.getString("account_id"), rs.getString("code_hash"),
					rs.getInt("attempts"), rs.getString("known_browser") != null, pending(rs)))
			.optional();
		if (live.isEmpty() || live.get().attempts() >= MAX_TRIES
				|| !live.get().byKnownBrowser() && !withinGuesses(email, now)) {
			return Optional.empty();
		}
		LiveCode code = live.get();
		jdbc.sql(COUNT_TRY).param("id", code.id()).update();
		boolean matches = OneTimeCodes.matches(code.hash(), code.id(), typedCode);
		NewAccount pending = code.pending();
		if (!matches || code.accountId() == null && pending == null) {
			jdbc.sql(COUNT_FAILED_TRY).param("id", code.id()).update();
			return Optional.empty();
		}
		String accountId = code.accountId() != null ? code.accountId() : accountFor(email, pending);
		jdbc.sql(MARK_USED).param("at", Timestamp.from(now)).param("account", accountId).param("id", code.id()).update();
		return Optional.of(accountId);
	}

	/**
	 * The account a proven address signs in to, for a code that waited with a new account: the one that has the
	 * address by now (a sign-in, and what was typed is dropped), else the account opened now with what was typed
	 * (its {@code account.created} and WELCOME come now). Under the email's lock ({@link LimitLocks}), so that the
	 * code and the link of two browsers open one account.
	 */
	private String accountFor(String email, NewAccount typed) {
		LimitLocks.lock(jdbc, List.of(LimitLocks.of("sign-in-email", email)));
		String current = currentAccount(email);
		String account = current != null ? current
				: accounts.openUnlessTaken(typed.email(), typed.name(), typed.country(), typed.region())
					.map(Account::id)
					// opened meanwhile without the lock (the API's POST /accounts): that one has the address
					.orElseGet(() -> java.util.Objects.requireNonNull(currentAccount(email),
							"an account has the address, or the insert would not have stopped"));
		// the other browsers' live codes for the address were mailed to it too: they become the account's codes,
		// and what was typed with them goes (else it would outlive the account's closure, which erases its codes);
		// an account opened here has done so already (on AccountOpened), one opened before should have
		adoptPending(account, email);
		return account;
	}

	/** The live codes that wait with a new account for {@code email} become {@code account}'s; what was typed goes. */
	private void adoptPending(String account, String email) {
		jdbc.sql(ADOPT_PENDING).param("account", account).param("email", email).update();
	}

	/**
	 * An account opened for an address, by any path (the API's {@code POST /accounts} too, which takes no lock of
	 * codes): the codes waiting with a new account for it, mailed to it, are the account's from now on, and what was
	 * typed with them (perhaps by a stranger at checkout) goes at once, in the opening transaction, not with the
	 * rows a day later: it would otherwise outlive the account's closure. The opening holds the address
	 * ({@link Accounts#holdAddress}), as {@link #issue} does while it stores a code: a code asked for at that very
	 * moment is either committed before this statement, which settles it, or stored after the opening commits, when
	 * its request sees the account and keeps nothing typed.
	 */
	@EventListener
	void on(AccountOpened opened) {
		adoptPending(opened.accountId(), normalize(opened.email()));
	}

	/**
	 * An account being closed: codes still waiting with a new account for its address (asked for as it opened, see
	 * {@link #on(AccountOpened)}) become its codes first, so that what was typed with them goes now and their address
	 * is erased with the account's codes ({@link #on(AccountClosed)}, published after this in the same transaction).
	 * While an account has the address no code is stored with a new account for it (issue drops what was typed), so
	 * every such row was typed while no other account had it.
	 */
	@EventListener
	void on(AccountErasing erasing) {
		adoptPending(erasing.accountId(), normalize(erasing.email()));
	}

	/**
	 * Whom the sign-in link with {@code token} would sign in now, without using it: for the page that asks to confirm
	 * (a GET, which mail scanners and link previews make too, so it must change nothing), opened by the browser
	 * {@code requester} (null: one that never asked for a code). Empty for a token that is malformed, unknown, used,
	 * expired or ended, or whose account no longer has the email or is closed: all alike. A link sent for checkout's
	 * new account signs in to the account that has the address by now, else it {@code opensAccount}.
	 */
	@Transactional(readOnly = true)
	public Optional<LinkSignIn> peekLink(String token, @Nullable String requester) {
		return liveLink(token, requester, false).map(LiveLink::signIn);
	}

	/**
	 * Signs in with the link {@code token} (a POST the customer confirmed): uses its code up, so neither the link nor
	 * the code works again. The link cannot be guessed (256 random bits), so it is not held to the ceiling of wrong
	 * tries on the code, nor to the browser that asked for the code: a customer whom strangers' guesses keep from the
	 * code signs in with it on a new device. But a browser other than the one that asked ({@code requester}) must
	 * type the address the link went to ({@code typedEmail}): else whoever asked for a code for their own address
	 * could send their link to someone, who, pressing the button, would be signed in to the sender's account and
	 * might save a card there (sign-in forgery). A wrong or missing address keeps the link.
	 * <p>
	 * A link sent for checkout's new account opens it (unless an account has the address by then, which it signs in
	 * to): in the browser that asked, with what was typed there; in another, only with what is typed now
	 * ({@code typedAccount}, its address the link's), since whoever typed the name and country at checkout may not be
	 * the owner of the address who opens the link. Without it the link is kept.
	 */
	@Transactional
	public LinkUse useLink(String token, @Nullable String requester, @Nullable String typedEmail,
			@Nullable NewAccount typedAccount) {
		// the email's lock before the code's row, in the order verify and issue take them: no deadlock with them
		Optional<LiveLink> peeked = liveLink(token, requester, false);
		if (peeked.isEmpty()) {
			return new LinkUse(LinkUse.Outcome.UNUSABLE, null);
		}
		LimitLocks.lock(jdbc, List.of(LimitLocks.of("sign-in-email", peeked.get().signIn().email())));
		accounts.holdAddress(peeked.get().signIn().email());
		Optional<LiveLink> link = liveLink(token, requester, true);
		if (link.isEmpty()) {
			return new LinkUse(LinkUse.Outcome.UNUSABLE, null);
		}
		LinkSignIn signIn = link.get().signIn();
		LinkSignIn asking = new LinkSignIn(null, "", false, signIn.opensAccount());
		if (!signIn.askedHere() && (typedEmail == null || typedEmail.isBlank()
				|| !EmailAddresses.same(jdbc, signIn.email(), typedEmail.strip()))) {
			return new LinkUse(LinkUse.Outcome.ADDRESS_NEEDED, asking);
		}
		String accountId = signIn.accountId();
		if (accountId == null) {
			NewAccount details = signIn.askedHere() ? link.get().pending() : typedAccount;
			if (details == null || !EmailAddresses.same(jdbc, signIn.email(), details.email())) {
				return new LinkUse(LinkUse.Outcome.DETAILS_NEEDED, asking);
			}
			accountId = accountFor(signIn.email(), details);
		}
		jdbc.sql(MARK_USED).param("at", Timestamp.from(clock.instant())).param("account", accountId)
			.param("id", link.get().id()).update();
		return new LinkUse(LinkUse.Outcome.SIGNED_IN,
				new LinkSignIn(accountId, signIn.email(), signIn.askedHere(), signIn.opensAccount()));
	}

	/** A live link's code row ({@code id}), whom it signs in, and the new account that waits with it, if any. */
	private record LiveLink(String id, LinkSignIn signIn, @Nullable NewAccount pending) {
	}

	private Optional<LiveLink> liveLink(String token, @Nullable String requester, boolean lock) {
		if (!LINK_TOKEN.matcher(token).matches()) {
			return Optional.empty();
		}
		Instant now = clock.instant();
		record Live(String id, @Nullable String accountId, String email, @Nullable String requester,
				@Nullable NewAccount pending) {
		}
		Optional<Live> live = jdbc.sql(lock ? LIVE_LINK + " FOR UPDATE" : LIVE_LINK)
			.param("hash", linkHash(token))
			.param("now", Timestamp.from(now))
			.query((rs, n) -> new Live(rs.getString("id"), rs.getString("account_id"), rs.getString("email"),
					rs.getString("requester"), pending(rs)))
			.optional();
		if (live.isEmpty()) {
			return Optional.empty();
		}
		Live l = live.get();
		boolean askedHere = requester != null && requester.equals(l.requester());
		String accountId = l.accountId();
		if (accountId == null) {
			// sent for checkout's new account: the account that has the address by now, else one to open
			String current = currentAccount(l.email());
			return Optional.of(new LiveLink(l.id(), new LinkSignIn(current, l.email(), askedHere, current == null),
					l.pending()));
		}
		// the account as it is now: open, and still with the email the link went to (a changed email ends its codes,
		// a closure erases the email of their rows; this holds too while either is under way)
		return accounts.find(accountId)
			.filter(a -> !a.closed() && EmailAddresses.same(jdbc, a.email(), l.email()))
			.map(a -> new LiveLink(l.id(), new LinkSignIn(accountId, l.email(), askedHere, false), null));
	}

	/** A new link token: {@value #LINK_BYTES} random bytes, unpadded base64url (43 characters, safe in a URL). */
	static String newLinkToken() {
		byte[] bytes = new byte[LINK_BYTES];
		RANDOM.nextBytes(bytes);
		return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	/** What is stored of a link token: its hex SHA-256 (a random 256-bit token needs no salt). */
	static String linkHash(String token) {
		return Digests.sha256Hex(token);
	}

	/**
	 * A new email ends the codes asked for with the old one: whoever still reads the old mailbox (often why the
	 * address was changed) cannot sign in with a code sent there before the change. Then, as for an account opened
	 * for the new address ({@link #on(AccountOpened)}), the codes waiting with a new account for the new address,
	 * mailed to it, become the account's, and what was typed with them (perhaps by a stranger at checkout) goes at
	 * once, in the change's transaction, not with the rows a day later. In this order, in one listener: the codes
	 * just adopted were mailed to the new address and are not ended.
	 */
	@EventListener
	void on(EmailChanged changed) {
		jdbc.sql("UPDATE portal_sign_in_codes SET used_at = :at WHERE account_id = :account AND used_at IS NULL")
			.param("at", Timestamp.from(clock.instant()))
			.param("account", changed.accountId())
			.update();
		adoptPending(changed.accountId(), normalize(changed.newEmail()));
	}

	/** The email a closed account's codes were asked for is erased with the account. */
	@EventListener
	void on(AccountClosed closed) {
		jdbc.sql("UPDATE portal_sign_in_codes SET email = :tombstone WHERE account_id = :account")
			.param("tombstone", closed.tombstone())
			.param("account", closed.accountId())
			.update();
	}

	/**
	 * An email as codes are asked for and kept (and as a signed-in session keeps it): stripped, and its key by the one
	 * rule of addresses ({@link EmailAddresses#key}), by which {@link Accounts#findByEmail} finds the account too.
	 */
	public String normalize(String email) {
		return EmailAddresses.key(jdbc, email.strip());
	}

}
