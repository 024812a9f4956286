package dev.subdesk.support;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosedException;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.OneTimeCodes;
import dev.subdesk.shared.SubdeskException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The step-up check before the sensitive actions (closing the account, removing a card, changing the email, a
 * refund outside the policy): a six-digit code goes to the email on file, the caller reads it back, the agent
 * types it. A code is valid {@value #VALID_MINUTES} minutes, used once, and allows {@value #MAX_TRIES} tries;
 * sending a new one ends the previous one, and at most {@value #PER_WINDOW} are sent per account in
 * {@link #WINDOW}. Only a salted hash is stored. A confirmed code lets that agent take the sensitive actions on
 * that account for {@link #CONFIRMED_FOR}, and only while the caller's ordinary verification holds; verifying
 * a caller again (the next call) needs a new code.
 */
@Service
public class StepUpCodes {

	static final int VALID_MINUTES = 10;

	static final Duration VALID_FOR = Duration.ofMinutes(VALID_MINUTES);

	static final Duration CONFIRMED_FOR = Duration.ofMinutes(10);

	static final int MAX_TRIES = 5;

	static final int PER_WINDOW = 3;

	static final Duration WINDOW = Duration.ofMinutes(15);

	private static final String COUNT_RECENT = """
			SELECT count(*) FROM step_up_codes WHERE account_id = :account AND created_at > :since
			""";

	private static final String RETIRE_LIVE = """
			UPDATE step_up_codes SET retired_at = :at
			WHERE account_id = :account AND retired_at IS NULL AND confirmed_at IS NULL
			""";

	private static final String INSERT = """
			INSERT INTO step_up_codes (id, account_id, agent, case_number, code_hash, created_at, expires_at)
			VALUES (:id, :account, :agent, :case, :hash, :at, :expires)
			""";

	private static final String LATEST_LIVE = """
			SELECT id, code_hash, attempts FROM step_up_codes
			WHERE account_id = :account AND agent = :agent AND retired_at IS NULL AND confirmed_at IS NULL
			  AND expires_at > :now
			ORDER BY created_at DESC LIMIT 1 FOR UPDATE
			""";

	/**
	 * A code confirmed in the last minutes, and since this agent's latest verification of a caller of the account:
	 * verifying a caller again (the next call) needs a new code, so one caller's code never serves another.
	 */
	private static final String CONFIRMED = """
			SELECT EXISTS (SELECT 1 FROM step_up_codes s WHERE s.account_id = :account AND s.agent = :agent
			               AND s.confirmed_at > :since
			               AND s.confirmed_at >= (SELECT max(v.at) FROM caller_verifications v
			                                      WHERE v.account_id = :account AND v.agent = :agent AND v.succeeded))
			""";

	public enum Sent {
		SENT, TOO_MANY_REQUESTS
	}

	public enum Confirmation {
		CONFIRMED, WRONG_CODE, NO_LIVE_CODE
	}

	private record LiveCode(String id, String hash, int attempts) {
	}

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Accounts accounts;
	private final ApplicationEventPublisher events;
	private final CallerVerification verification;
	private final AuditTrail audit;

	StepUpCodes(JdbcClient jdbc, Clock clock, Accounts accounts, ApplicationEventPublisher events, CallerVerification verification,
			AuditTrail audit) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.accounts = accounts;
		this.events = events;
		this.verification = verification;
		this.audit = audit;
	}

	/** Sends a new code to the email on file of a verified caller's open account. */
	@Transactional
	public Sent send(String accountId, String agent, @Nullable String caseNumber) {
		verification.requireVerified(accountId, agent);
		Account account = accounts.lock(accountId);
		if (account.closed()) {
			throw new AccountClosedException(accountId);
		}
		Instant now = clock.instant();
		long recent = jdbc.sql(COUNT_RECENT)
			.param("account", accountId)
			.param("since", Timestamp.from(now.minus(WINDOW)))
			.query(Long.class)
			.single();
		if (recent >= PER_WINDOW) {
			audit.record(agent, "AGENT", "STEP_UP_CODE_REFUSED", accountId, "too many codes in 15 minutes", caseNumber,
					"step-up before a sensitive action");
			return Sent.TOO_MANY_REQUESTS;
		}
		String id = Ids.next("suc");
		String code = OneTimeCodes.generate();
		Instant expires = now.plus(VALID_FOR);
		jdbc.sql(RETIRE_LIVE).param("at", Timestamp.from(now)).param("account", accountId).update();
		jdbc.sql(INSERT)
			.param("id", id)
			.param("account", accountId)
			.param("agent", agent)
			.param("case", caseNumber)
			.param("hash", OneTimeCodes.hash(id, code))
			.param("at", Timestamp.from(now))
			.param("expires", Timestamp.from(expires))
			.update();
		// in process only: a code never goes into the event log
		events.publishEvent(new VerificationCodeIssued(id, accountId, account.email(), account.country(), code,
				VALID_MINUTES, expires));
		audit.record(agent, "AGENT", "STEP_UP_CODE_SENT", accountId, "code sent to the email on file", caseNumber,
				"step-up before a sensitive action");
		return Sent.SENT;
	}

	/**
	 * Checks the code the caller read back against this agent's latest live code for the account. Every try
	 * counts; after {@value #MAX_TRIES} the code is spent.
	 */
	@Transactional
	public Confirmation confirm(String accountId, String agent, @Nullable String caseNumber, String typedCode) {
		verification.requireVerified(accountId, agent);
		Instant now = clock.instant();
		Optional<LiveCode> live = jdbc.sql(LATEST_LIVE)
			.param("account", accountId)
			.param("agent", agent)
			.param("now", Timestamp.from(now))
			.query((rs, n) -> new LiveCode(rs.getString("id"), rs.getString("code_hash"), rs.getInt("attempts")))
			.optional()
			.filter(c -> c.attempts() < MAX_TRIES);
		if (live.isEmpty()) {
			audit.record(agent, "AGENT", "STEP_UP_FAILED", accountId, "no live code", caseNumber, "step-up check");
			return Confirmation.NO_LIVE_CODE;
		}
		LiveCode code = live.get();
		boolean matches = OneTimeCodes.matches(code.hash(), code.id(), typedCode);
		jdbc.sql("""
				UPDATE step_up_codes SET attempts = attempts + 1,
				    confirmed_at = CASE WHEN :ok THEN CAST(:at AS timestamptz) END,
				    retired_at = CASE WHEN NOT :ok AND attempts + 1 >= :max THEN CAST(:at AS timestamptz) END
				WHERE id = :id
				""").param("ok", matches).param("at", Timestamp.from(now)).param("max", MAX_TRIES).param("id", code.id())
			.update();
		audit.record(agent, "AGENT", matches ? "STEP_UP_CONFIRMED" : "STEP_UP_FAILED", accountId,
				matches ? "the caller read back the emailed code" : "wrong code", caseNumber, "step-up check");
		return matches ? Confirmation.CONFIRMED : Confirmation.WRONG_CODE;
	}

	/**
	 * Whether this agent confirmed a code for this account in the last 10 minutes, after verifying the caller on
	 * the line, and that verification holds.
	 */
	@Transactional(readOnly = true)
	public boolean isConfirmed(String accountId, String agent) {
		return verification.isVerified(accountId, agent) && jdbc.sql(CONFIRMED)
			.param("account", accountId)
			.param("agent", agent)
			.param("since", Timestamp.from(clock.instant().minus(CONFIRMED_FOR)))
			.query(Boolean.class)
			.single();
	}

	/**
	 * Throws {@code 403 CALLER_NOT_VERIFIED} without the ordinary verification, {@code 403 STEP_UP_REQUIRED}
	 * without a confirmed code.
	 */
	public void requireConfirmed(String accountId, String agent) {
		verification.requireVerified(accountId, agent);
		if (!isConfirmed(accountId, agent)) {
			throw new SubdeskException(SupportErrorCode.STEP_UP_REQUIRED,
					"This action needs the code sent to the email on file, read back by the caller");
		}
	}

}
