package dev.subdesk.support;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Subscriptions;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Verifies a caller without asking for anything a scammer would want: the agent types what the caller says and
 * the system checks it. Two matching knowledge factors (the account's email, one of its order numbers, the last
 * four digits of one of its cards, the billing postcode of one of its cards) unlock the ordinary actions for that agent for 30 minutes. Five failed
 * attempts since the last success lock verification on the account for 30 minutes and open an urgent security
 * case. An attempt whose every given factor matched but too few to verify (one right answer alone) is a partial
 * answer: the agent is told how many matched and asks for another, and it uses no attempt; any wrong answer makes
 * the attempt a failure, however many others were right (a caller guessing all four must not pass on the two they
 * got right), and the agent is not told how many matched (which would tell a guessing caller that some were right).
 * Every attempt is in the audit trail; the factors themselves are never stored.
 */
@Service
public class CallerVerification {

	static final int FACTORS_NEEDED = 2;

	static final int MAX_FAILURES = 5;

	static final Duration LOCK = Duration.ofMinutes(30);

	static final Duration VALID_FOR = Duration.ofMinutes(30);

	/**
	 * The agent's latest attempt at verifying the account's caller ({@code v}), only while it is a live verification
	 * ({@link #isVerified}): one statement, so that an attempt written meanwhile (a failed one, which ends the
	 * verification) cannot answer for the one checked.
	 */
	private static final String LIVE_VERIFICATION = """
			FROM (SELECT * FROM caller_verifications WHERE account_id = :account AND agent = :agent
			      ORDER BY id DESC LIMIT 1) v
			WHERE v.succeeded AND v.matched >= :needed AND v.at > :since
			  AND NOT EXISTS (SELECT 1 FROM support_cases c WHERE c.case_number = v.case_number AND c.status = 'RESOLVED')
			  AND NOT EXISTS (SELECT 1 FROM verification_locks l WHERE l.account_id = :account AND l.locked_until > :now)
			""";

	/** What the caller said. Any may be missing. */
	public record Claims(@Nullable String email, @Nullable String orderNumber, @Nullable String cardLast4,
			@Nullable String billingPostcode) {

		public Claims(@Nullable String email, @Nullable String orderNumber, @Nullable String cardLast4) {
			this(email, orderNumber, cardLast4, null);
		}
	}

	public enum Outcome {
		VERIFIED, NOT_VERIFIED, LOCKED
	}

	/**
	 * The answer: how many of the factors given matched, out of the {@code needed}, never which one was wrong;
	 * {@code partial} when every factor given matched and there were too few (the only answer whose count the agent
	 * is shown: a failed attempt says only that the caller was not verified).
	 */
	public record Result(Outcome outcome, int attemptsLeft, @Nullable Instant lockedUntil, @Nullable String securityCase,
			int matched, int needed, boolean partial) {

		public Result(Outcome outcome, int attemptsLeft, @Nullable Instant lockedUntil, @Nullable String securityCase) {
			this(outcome, attemptsLeft, lockedUntil, securityCase, 0, FACTORS_NEEDED, false);
		}
	}

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Accounts accounts;
	private final Subscriptions subscriptions;
	private final Support support;
	private final AuditTrail audit;

	CallerVerification(JdbcClient jdbc, Clock clock, Accounts accounts, Subscriptions subscriptions, Support support,
			AuditTrail audit) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.accounts = accounts;
		this.subscriptions = subscriptions;
		this.support = support;
		this.audit = audit;
	}

	@Transactional
	public Result verify(String accountId, String agent, @Nullable String caseNumber, Claims claims) {
		Account account = accounts.lock(accountId);
		Instant now = clock.instant();
		Optional<Instant> lockedUntil = lockedUntil(accountId, now);
		if (lockedUntil.isPresent()) {
			audit.record(agent, "AGENT", "VERIFY_CALLER_LOCKED", accountId, null, caseNumber, "verification is locked");
			return new Result(Outcome.LOCKED, 0, lockedUntil.get(), null);
		}
		int matched = matches(account, claims);
		int given = given(claims);
		// any wrong answer fails the attempt, however many others were right (a blank one is none given)
		boolean ok = matched >= FACTORS_NEEDED && matched == given;
		boolean partial = !ok && matched > 0 && matched == given;
		jdbc.sql("""
				INSERT INTO caller_verifications (account_id, agent, case_number, at, matched, succeeded, given)
				VALUES (:account, :agent, :case, :at, :matched, :ok, :given)
				""").param("account", accountId).param("agent", agent).param("case", caseNumber)
			.param("at", Timestamp.from(now)).param("matched", matched).param("ok", ok).param("given", given).update();
		audit.record(agent, "AGENT", ok ? "VERIFY_CALLER_OK" : "VERIFY_CALLER_FAILED", accountId,
				"%d of the factors given matched".formatted(matched), caseNumber, "caller verification");
		if (ok) {
			return new Result(Outcome.VERIFIED, MAX_FAILURES, null, null, matched, FACTORS_NEEDED, false);
		}
		int failures = failuresSinceLastSuccess(accountId);
		if (failures < MAX_FAILURES) {
			return new Result(Outcome.NOT_VERIFIED, MAX_FAILURES - failures, null, null, matched, FACTORS_NEEDED, partial);
		}
		// a supervisor reviews it, never an agent: the one who made the attempts could otherwise take and close it
		SupportCase security = support.openEscalated(account,
				"Security: %d failed caller verifications".formatted(failures), "PHONE",
				"Verification locked until " + now.plus(LOCK) + " after attempts by " + agent,
				"verification locked after %d failed attempts".formatted(failures));
		jdbc.sql("""
				INSERT INTO verification_locks (account_id, locked_until, case_number) VALUES (:account, :until, :case)
				ON CONFLICT (account_id) DO UPDATE SET locked_until = EXCLUDED.locked_until, case_number = EXCLUDED.case_number
				""").param("account", accountId).param("until", Timestamp.from(now.plus(LOCK)))
			.param("case", security.caseNumber()).update();
		// The failures that caused the lock are spent: after it, the count starts again.
		jdbc.sql("""
				INSERT INTO caller_verifications (account_id, agent, case_number, at, matched, succeeded)
				VALUES (:account, 'system', :case, :at, 0, true)
				""").param("account", accountId).param("case", security.caseNumber()).param("at", Timestamp.from(now)).update();
		return new Result(Outcome.LOCKED, 0, now.plus(LOCK), security.caseNumber(), matched, FACTORS_NEEDED, false);
	}

	/**
	 * Whether this agent verified the caller of this account in the last 30 minutes (and it is not locked), with no
	 * failed attempt since: an attempt that fails is a caller who is not the one verified before (the next call, or
	 * someone handed the phone), so the earlier verification, and the step-up confirmed after it, no longer count.
	 * Nor does a verification whose call's case was resolved since: the call is over, and the next caller about the
	 * account (within the 30 minutes, to the same agent) is verified again.
	 */
	@Transactional(readOnly = true)
	public boolean isVerified(String accountId, String agent) {
		return live(jdbc.sql("SELECT EXISTS (SELECT 1 " + LIVE_VERIFICATION + ")"), accountId, agent)
			.query(Boolean.class)
			.single();
	}

	/** {@code statement} ({@link #LIVE_VERIFICATION}) with its parameters: the account, the agent, the clock's now. */
	private JdbcClient.StatementSpec live(JdbcClient.StatementSpec statement, String accountId, String agent) {
		Instant now = clock.instant();
		return statement.param("account", accountId)
			.param("agent", agent)
			.param("needed", FACTORS_NEEDED)
			.param("since", Timestamp.from(now.minus(VALID_FOR)))
			.param("now", Timestamp.from(now));
	}

	/**
	 * The case of this agent's live verification of the account's caller (the call it was made for), while it holds
	 * ({@link #isVerified}); empty otherwise. The check and the case are read by one statement.
	 */
	@Transactional(readOnly = true)
	public Optional<String> verifiedCase(String accountId, String agent) {
		return live(jdbc.sql("SELECT v.case_number " + LIVE_VERIFICATION), accountId, agent)
			.query((rs, n) -> Optional.ofNullable(rs.getString("case_number")))
			.optional()
			.flatMap(number -> number);
	}

	/** Whether verification of this account is locked now (after too many failed attempts). Reads only. */
	@Transactional(readOnly = true)
	public boolean isLocked(String accountId) {
		return lockedUntil(accountId, clock.instant()).isPresent();
	}

	/**
	 * The accounts whose verification is locked now. Few: each lock follows repeated failed attempts and opens a
	 * security case for a supervisor. Reads only.
	 */
	@Transactional(readOnly = true)
	public java.util.Set<String> lockedAccounts() {
		return java.util.Set.copyOf(jdbc.sql("SELECT account_id FROM verification_locks WHERE locked_until > :now")
			.param("now", Timestamp.from(clock.instant()))
			.query(String.class)
			.list());
	}

	/** Throws {@code 403 CALLER_NOT_VERIFIED} unless the agent verified this account's caller. */
	public void requireVerified(String accountId, String agent) {
		if (!isVerified(accountId, agent)) {
			throw new SubdeskException(SupportErrorCode.CALLER_NOT_VERIFIED, "Verify the caller before acting on the account");
		}
	}

	private int matches(Account account, Claims claims) {
		int matched = 0;
		if (claims.email() != null && EmailAddresses.same(jdbc, claims.email().strip(), account.email())) {
			matched++;
		}
		if (claims.orderNumber() != null && subscriptions.findByOrderNumber(claims.orderNumber())
			.filter(s -> s.accountId().equals(account.id()))
			.isPresent()) {
			matched++;
		}
		if (claims.cardLast4() != null && accounts.paymentMethods(account.id())
			.stream()
			.map(PaymentMethod::last4)
			.anyMatch(claims.cardLast4().strip()::equals)) {
			matched++;
		}
		if (claims.billingPostcode() != null && !normalizePostcode(claims.billingPostcode()).isEmpty()
				&& accounts.billingPostcodes(account.id())
					.stream()
					.map(CallerVerification::normalizePostcode)
					.anyMatch(normalizePostcode(claims.billingPostcode())::equals)) {
			matched++;
		}
		return matched;
	}

	/** How many factors the caller gave. */
	private static int given(Claims claims) {
		return (int) java.util.stream.Stream.of(claims.email(), claims.orderNumber(), claims.cardLast4(),
				claims.billingPostcode()).filter(c -> c != null && !c.isBlank()).count();
	}

	/** {@code "sw1a 1aa"} and {@code "SW1A1AA"} are the same postcode: letter case and spaces do not count. */
	static String normalizePostcode(String postcode) {
		return postcode.replaceAll("\\s+", "").toUpperCase(Locale.ROOT);
	}

	private Optional<Instant> lockedUntil(String accountId, Instant now) {
		return jdbc.sql("SELECT locked_until FROM verification_locks WHERE account_id = :account AND locked_until > :now")
			.param("account", accountId)
			.param("now", Timestamp.from(now))
			.query((rs, n) -> rs.getTimestamp(1).toInstant())
			.optional();
	}

	private int failuresSinceLastSuccess(String accountId) {
		return jdbc.sql("""
				SELECT count(*) FROM caller_verifications WHERE account_id = :account AND NOT succeeded
				  AND (given IS NULL OR matched < given OR matched = 0)
				  AND id > coalesce((SELECT max(id) FROM caller_verifications WHERE account_id = :account AND succeeded), 0)
				""").param("account", accountId).query(Integer.class).single();
	}
}
