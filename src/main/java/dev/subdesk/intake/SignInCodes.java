package dev.subdesk.intake;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.EmailChanged;
import dev.subdesk.shared.ClientAddresses;
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
 * (with a code and a link no one ever gets) and no notice.
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
			  known_browser, link_hash)
			VALUES (:id, :email, :account, :hash, :ip, :at, :expires, :requester, :knownBrowser, :linkHash)
			""";

	/** The same browser's earlier codes for this email: never another's. */
	private static final String RETIRE_EARLIER = """
			UPDATE portal_sign_in_codes SET used_at = :at
			WHERE email = :email AND used_at IS NULL AND coalesce(requester, '') = :requester
			""";

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
			SELECT id, account_id, code_hash, attempts, known_browser FROM portal_sign_in_codes
			WHERE email = :email AND coalesce(requester, '') = :requester AND used_at IS NULL AND expires_at > :now
			ORDER BY created_at DESC LIMIT 1 FOR UPDATE
			""";

	private static final String COUNT_TRY = "UPDATE portal_sign_in_codes SET attempts = attempts + 1 WHERE id = :id";

	private static final String COUNT_FAILED_TRY = "UPDATE portal_sign_in_codes SET failed_tries = failed_tries + 1 WHERE id = :id";

	private static final String MARK_USED = "UPDATE portal_sign_in_codes SET used_at = :at WHERE id = :id";

	/** The live code whose link has this hash, whoever asked for it: the link is the mailbox's, not a browser's. */
	private static final String LIVE_LINK = """
			SELECT id, account_id, email, requester FROM portal_sign_in_codes
			WHERE link_hash = :hash AND used_at IS NULL AND expires_at > :now AND account_id IS NOT NULL
			""";

	/** How a link's token looks: {@value #LINK_BYTES} random bytes in unpadded base64url. */
	private static final java.util.regex.Pattern LINK_TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{43}");

	/** The random bytes of a link's token: 256 bits. */
	static final int LINK_BYTES = 32;

	private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

	/**
	 * Who a sign-in link signs in: the account and the email its code was asked for with (the account's); whether the
	 * browser opening it is the one that asked for it ({@code askedHere}).
	 */
	public record LinkSignIn(String accountId, String email, boolean askedHere) {
	}

	/**
	 * What came of using a sign-in link: signed in ({@code signIn} set); or the address the link went to must be
	 * typed first, the link kept (opened in another browser than the one that asked, without that address); or the
	 * link cannot be used.
	 */
	public record LinkUse(Outcome outcome, @Nullable LinkSignIn signIn) {

		public enum Outcome {
			SIGNED_IN, ADDRESS_NEEDED, UNUSABLE
		}
	}

	/** The outcome of asking for a code; the customer sees the same page for SENT whether or not an account exists. */
	public enum Issue {
		SENT, TOO_MANY_REQUESTS
	}

	private record LiveCode(String id, @org.jspecify.annotations.Nullable String accountId, String hash, int attempts,
			boolean byKnownBrowser) {
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

	/**
	 * Asks for a code for {@code typedEmail} from {@code clientIp} for the browser {@code requester} (a random token
	 * its session keeps, never empty): ends that browser's earlier codes for the email, and no one else's. With one of
	 * {@code knownBrowserCookies} (every value of the cookie the browser sent) that {@link KnownBrowsers} made when this
	 * browser signed in with the email to the account that has it now, the browser's own allowance holds first, then
	 * the strangers' limits; any other value is ignored.
	 */
	@Transactional
	public Issue issue(String typedEmail, String typedClientIp, String requester, List<String> knownBrowserCookies) {
		if (requester.isEmpty()) {
			throw new IllegalArgumentException("a code is asked for by a browser: its requester token is not empty");
		}
		String email = normalize(typedEmail);
		String clientIp = ClientAddresses.key(typedClientIp);
		Instant now = clock.instant();
		Timestamp since = Timestamp.from(now.minus(WINDOW));
		LimitLocks.lock(jdbc, List.of(LimitLocks.of("sign-in-email", email), LimitLocks.of("sign-in-ip", clientIp)));
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
			.update();
		// in process only: neither the code nor the link's token ever goes into the event log
		account.ifPresent(a -> events.publishEvent(new SignInCodeIssued(id, a.id(), a.email(), a.country(), code, linkToken,
				expires)));
		return Issue.SENT;
	}

	/**
	 * Whether {@link #issue} would send a code for this email to this client address now, without asking for one.
	 * Checkout asks before it opens an account for a typed address, so that nobody can open accounts (and have their
	 * welcome mailed) for address after address beyond the limits of the codes that follow. Without the limits' locks:
	 * parallel requests may pass it together, and then {@link #issue} still holds its limits for the codes. A browser
	 * known for the email ({@code knownBrowserCookie}) may within its own allowance too.
	 */
	@Transactional(readOnly = true)
	public boolean withinLimits(String typedEmail, String clientIp, List<String> knownBrowserCookies) {
		String email = normalize(typedEmail);
		Instant now = clock.instant();
		Timestamp since = Timestamp.from(now.minus(WINDOW));
		return knownBrowsers.browserFor(email, currentAccount(email), knownBrowserCookies)
			.filter(browser -> withinKnownBrowsersAllowance(email, browser, since))
			.isPresent() || withinLimits(email, ClientAddresses.key(clientIp), since);
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
	 */
	@Transactional
	public Optional<String> verify(String typedEmail, String typedCode, String requester) {
		Instant now = clock.instant();
		String email = normalize(typedEmail);
		// the day's wrong tries counted one try after another: parallel tries cannot pass the ceiling together
		LimitLocks.lock(jdbc, List.of(LimitLocks.of("sign-in-email", email)));
		Optional<LiveCode> live = jdbc.sql(LATEST_LIVE)
			.param("email", email)
			.param("requester", requester)
			.param("now", Timestamp.from(now))
			.query((rs, n) -> new LiveCode(rs.getString("id"), rs.getString("account_id"), rs.getString("code_hash"),
					rs.getInt("attempts"), rs.getString("known_browser") != null))
			.optional();
		if (live.isEmpty() || live.get().attempts() >= MAX_TRIES
				|| !live.get().byKnownBrowser() && !withinGuesses(email, now)) {
			return Optional.empty();
		}
		LiveCode code = live.get();
		jdbc.sql(COUNT_TRY).param("id", code.id()).update();
		boolean matches = OneTimeCodes.matches(code.hash(), code.id(), typedCode);
		if (!matches || code.accountId() == null) {
			jdbc.sql(COUNT_FAILED_TRY).param("id", code.id()).update();
			return Optional.empty();
		}
		jdbc.sql(MARK_USED).param("at", Timestamp.from(now)).param("id", code.id()).update();
		return Optional.of(code.accountId());
	}

	/**
	 * Whom the sign-in link with {@code token} would sign in now, without using it: for the page that asks to confirm
	 * (a GET, which mail scanners and link previews make too, so it must change nothing), opened by the browser
	 * {@code requester} (null: one that never asked for a code). Empty for a token that is malformed, unknown, used,
	 * expired or ended, or whose account no longer has the email or is closed: all alike.
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
	 */
	@Transactional
	public LinkUse useLink(String token, @Nullable String requester, @Nullable String typedEmail) {
		Optional<LiveLink> link = liveLink(token, requester, true);
		if (link.isEmpty()) {
			return new LinkUse(LinkUse.Outcome.UNUSABLE, null);
		}
		LinkSignIn signIn = link.get().signIn();
		if (!signIn.askedHere() && (typedEmail == null || typedEmail.isBlank()
				|| !EmailAddresses.same(jdbc, signIn.email(), typedEmail.strip()))) {
			return new LinkUse(LinkUse.Outcome.ADDRESS_NEEDED, null);
		}
		jdbc.sql(MARK_USED).param("at", Timestamp.from(clock.instant())).param("id", link.get().id()).update();
		return new LinkUse(LinkUse.Outcome.SIGNED_IN, signIn);
	}

	/** A live link's code row ({@code id}) and whom it signs in. */
	private record LiveLink(String id, LinkSignIn signIn) {
	}

	private Optional<LiveLink> liveLink(String token, @Nullable String requester, boolean lock) {
		if (!LINK_TOKEN.matcher(token).matches()) {
			return Optional.empty();
		}
		Instant now = clock.instant();
		record Live(String id, String accountId, String email, @Nullable String requester) {
		}
		Optional<Live> live = jdbc.sql(lock ? LIVE_LINK + " FOR UPDATE" : LIVE_LINK)
			.param("hash", linkHash(token))
			.param("now", Timestamp.from(now))
			.query((rs, n) -> new Live(rs.getString("id"), rs.getString("account_id"), rs.getString("email"),
					rs.getString("requester")))
			.optional();
		// the account as it is now: open, and still with the email the link went to (a changed email ends its codes,
		// a closure erases the email of their rows; this holds too while either is under way)
		return live.filter(l -> accounts.find(l.accountId())
			.filter(a -> !a.closed() && EmailAddresses.same(jdbc, a.email(), l.email()))
			.isPresent())
			.map(l -> new LiveLink(l.id(), new LinkSignIn(l.accountId(), l.email(),
					requester != null && requester.equals(l.requester()))));
	}

	/** A new link token: {@value #LINK_BYTES} random bytes, unpadded base64url (43 characters, safe in a URL). */
	private static String newLinkToken() {
		byte[] bytes = new byte[LINK_BYTES];
		RANDOM.nextBytes(bytes);
		return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	/** What is stored of a link token: its hex SHA-256 (a random 256-bit token needs no salt). */
	static String linkHash(String token) {
		try {
			return java.util.HexFormat.of()
				.formatHex(java.security.MessageDigest.getInstance("SHA-256")
					.digest(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
		}
		catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	/**
	 * A new email ends the codes asked for with the old one: whoever still reads the old mailbox (often why the
	 * address was changed) cannot sign in with a code sent there before the change.
	 */
	@EventListener
	void on(EmailChanged changed) {
		jdbc.sql("UPDATE portal_sign_in_codes SET used_at = :at WHERE account_id = :account AND used_at IS NULL")
			.param("at", Timestamp.from(clock.instant()))
			.param("account", changed.accountId())
			.update();
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
