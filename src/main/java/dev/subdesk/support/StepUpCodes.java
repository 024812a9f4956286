package dev.subdesk.support;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.AccountClosedException;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.OneTimeCodes;
import dev.subdesk.shared.SubdeskException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The step-up check before the sensitive actions (closing the account, removing a card, changing the email, a
 * refund outside the policy): the agent chooses the one action and its target ({@link SensitiveAction}), a six-digit
 * code naming exactly that goes to the email on file, the caller reads it back, the agent types it. A code is valid
 * {@value #VALID_MINUTES} minutes and allows {@value #MAX_TRIES} tries; sending a new one ends the previous one, and
 * at most {@value #PER_WINDOW} are sent per account in {@link #WINDOW}. Only a salted hash of the code, and of its
 * target, is stored. A confirmed code lets that agent take that action on that target once ({@link #consume}, in the
 * action's transaction), within {@link #CONFIRMED_FOR}, and only while the caller's ordinary verification holds;
 * verifying a caller again (the next call) needs a new code. Another action, or the same action on another target,
 * needs its own code: a code a scammer gets read out "to cancel" never opens anything else.
 * <p>
 * Changing the email also needs a second code, sent to the new address once the step-up for that change is
 * confirmed ({@link #sendToNewAddress}) and read back from there ({@link #confirmNewAddress}): short-lived, used
 * once, hashed and tries-limited like the others, with its own limit of {@value #PER_WINDOW} in {@link #WINDOW}.
 * Every code is deleted a day after it expired ({@link #forgetOldCodes}).
 */
@Service
public class StepUpCodes {

	static final int VALID_MINUTES = 10;

	static final Duration VALID_FOR = Duration.ofMinutes(VALID_MINUTES);

	static final Duration CONFIRMED_FOR = Duration.ofMinutes(10);

	static final int MAX_TRIES = 5;

	static final int PER_WINDOW = 3;

	static final Duration WINDOW = Duration.ofMinutes(15);

	/** How long a code is kept after it expired (docs/RETENTION.md): a complaint about it can be looked into that day. */
	static final Duration KEPT_AFTER_EXPIRY = Duration.ofDays(1);

	/** The action of a code sent to a new address (V671). */
	private static final String NEW_EMAIL = "NEW_EMAIL";

	/** Whether a row is a code to a new address ({@code :toNewAddress}) or a step-up code to the email on file. */
	private static final String OF_KIND = "coalesce(action = 'NEW_EMAIL', false) = :toNewAddress";

	private static final String COUNT_RECENT = """
			SELECT count(*) FROM step_up_action_codes WHERE account_id = :account AND created_at > :since AND %s
			""".formatted(OF_KIND);

	private static final String RETIRE_LIVE = """
			UPDATE step_up_action_codes SET retired_at = :at
			WHERE account_id = :account AND retired_at IS NULL AND confirmed_at IS NULL AND %s
			""".formatted(OF_KIND);

	private static final String INSERT = """
			INSERT INTO step_up_action_codes (id, account_id, agent, case_number, code_hash, created_at, expires_at, action,
			                           target_hash)
			VALUES (:id, :account, :agent, :case, :hash, :at, :expires, :action, :target)
			""";

	private static final String LATEST_LIVE = """
			SELECT id, code_hash, attempts, action, target_hash FROM step_up_action_codes
			WHERE account_id = :account AND agent = :agent AND retired_at IS NULL AND confirmed_at IS NULL
			  AND expires_at > :now AND action IS NOT NULL AND %s
			ORDER BY created_at DESC LIMIT 1 FOR UPDATE
			""".formatted(OF_KIND);

	/**
	 * The codes of an action confirmed in the last minutes, not used yet, and since this agent's latest verification
	 * of a caller of the account: verifying a caller again (the next call) needs a new code, so one caller's code
	 * never serves another.
	 */
	private static final String CONFIRMED = """
			SELECT s.id, s.target_hash FROM step_up_action_codes s
			WHERE s.account_id = :account AND s.agent = :agent AND s.action = :action AND s.used_at IS NULL
			  AND s.confirmed_at > :since
			  AND s.confirmed_at >= (SELECT max(v.at) FROM caller_verifications v
			                         WHERE v.account_id = :account AND v.agent = :agent AND v.succeeded)
			ORDER BY s.confirmed_at DESC
			""";

	private static final String USE = """
			UPDATE step_up_action_codes SET used_at = :at WHERE id = :id AND used_at IS NULL AND confirmed_at IS NOT NULL
			""";

	public enum Sent {
		SENT, TOO_MANY_REQUESTS
	}

	public enum Confirmation {
		CONFIRMED, WRONG_CODE, NO_LIVE_CODE
	}

	private record LiveCode(String id, String hash, int attempts, String action, @Nullable String target) {
	}

	private record Candidate(String id, @Nullable String target) {
	}

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Accounts accounts;
	private final Billing billing;
	private final ApplicationEventPublisher events;
	private final CallerVerification verification;
	private final AuditTrail audit;

	StepUpCodes(JdbcClient jdbc, Clock clock, Accounts accounts, Billing billing, ApplicationEventPublisher events,
			CallerVerification verification, AuditTrail audit) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.accounts = accounts;
		this.billing = billing;
		this.events = events;
		this.verification = verification;
		this.audit = audit;
	}

	/**
	 * Sends a new code for {@code action} to the email on file of a verified caller's open account; the email names
	 * the action and its target. The target must be the account's: a card of it ({@code 404}), a successful charge of
	 * it with at least the amount left ({@code 404}, {@code 409}), a plain address ({@code 400}).
	 */
	@Transactional
	public Sent send(String accountId, String agent, @Nullable String caseNumber, SensitiveAction action) {
		verification.requireVerified(accountId, agent);
		Account account = accounts.lock(accountId);
		if (account.closed()) {
			throw new AccountClosedException(accountId);
		}
		VerificationCodeIssued.Opens opens = opens(accountId, action);
		if (action instanceof SensitiveAction.ChangeEmail change) {
			refuseTaken(accountId, change);
		}
		Instant now = clock.instant();
		String what = "step-up before " + action.kind();
		if (tooMany(accountId, false, now)) {
			audit.record(agent, "AGENT", "STEP_UP_CODE_REFUSED", accountId,
					"code for %s: too many codes in 15 minutes".formatted(action.kind()), caseNumber, what);
			return Sent.TOO_MANY_REQUESTS;
		}
		Issued issued = issue(accountId, agent, caseNumber, action.kind().name(), target(action), false, now);
		// in process only: a code never goes into the event log
		events.publishEvent(new VerificationCodeIssued(issued.id(), accountId, account.email(), account.country(),
				issued.code(), VALID_MINUTES, issued.expires(), opens));
		audit.record(agent, "AGENT", "STEP_UP_CODE_SENT", accountId,
				"code for %s%s sent to the email on file".formatted(action.kind(), described(action)), caseNumber, what);
		return Sent.SENT;
	}

	/**
	 * Sends a code to the new address of a change of the account's email, once the caller read back the step-up code
	 * for that very change ({@code 403 STEP_UP_REQUIRED} otherwise; it is not used up by this). Nothing the caller
	 * said but the address goes into that email.
	 */
	@Transactional
	public Sent sendToNewAddress(String accountId, String agent, @Nullable String caseNumber, String newEmail) {
		verification.requireVerified(accountId, agent);
		Account account = accounts.lock(accountId);
		if (account.closed()) {
			throw new AccountClosedException(accountId);
		}
		SensitiveAction.ChangeEmail change = new SensitiveAction.ChangeEmail(requirePlain(newEmail));
		if (confirmedCode(accountId, agent, change.kind().name(), target(change), false).isEmpty()) {
			throw stepUpRequired();
		}
		refuseTaken(accountId, change);
		Instant now = clock.instant();
		if (tooMany(accountId, true, now)) {
			audit.record(agent, "AGENT", "STEP_UP_CODE_REFUSED", accountId,
					"code to the new address: too many codes in 15 minutes", caseNumber, "confirming a new address");
			return Sent.TOO_MANY_REQUESTS;
		}
		Issued issued = issue(accountId, agent, caseNumber, NEW_EMAIL, target(change), true, now);
		events.publishEvent(new NewAddressCodeIssued(issued.id(), accountId, change.email(), account.country(),
				issued.code(), VALID_MINUTES, issued.expires()));
		audit.record(agent, "AGENT", "NEW_EMAIL_CODE_SENT", accountId, "code for CHANGE_EMAIL sent to the new address",
				caseNumber, "confirming a new address");
		return Sent.SENT;
	}

	/**
	 * Checks the code the caller read back against this agent's latest live step-up code for the account. Every try
	 * counts; after {@value #MAX_TRIES} the code is spent.
	 *
	 * @return the outcome, and for a confirmed code the action it opens
	 */
	@Transactional
	public Checked confirm(String accountId, String agent, @Nullable String caseNumber, String typedCode) {
		verification.requireVerified(accountId, agent);
		Optional<LiveCode> live = latestLive(accountId, agent, false);
		if (live.isEmpty()) {
			audit.record(agent, "AGENT", "STEP_UP_FAILED", accountId, "no live code", caseNumber, "step-up check");
			return new Checked(Confirmation.NO_LIVE_CODE, null);
		}
		LiveCode code = live.get();
		boolean matches = check(code, typedCode);
		SensitiveAction.Kind kind = SensitiveAction.Kind.valueOf(code.action());
		audit.record(agent, "AGENT", matches ? "STEP_UP_CONFIRMED" : "STEP_UP_FAILED", accountId,
				(matches ? "the caller read back the emailed code for %s" : "wrong code for %s").formatted(kind),
				caseNumber, "step-up check");
		return new Checked(matches ? Confirmation.CONFIRMED : Confirmation.WRONG_CODE, kind);
	}

	/** The outcome of a check, and the action of the code checked ({@code null} when none was waiting). */
	public record Checked(Confirmation outcome, SensitiveAction.@Nullable Kind action) {
	}

	/**
	 * Checks the code the caller read back from the new address against this agent's latest live code sent to
	 * {@code newEmail}. Every try counts, and is kept whatever comes next; after {@value #MAX_TRIES} the code is spent.
	 */
	@Transactional
	public Confirmation confirmNewAddress(String accountId, String agent, @Nullable String caseNumber, String newEmail,
			String typedCode) {
		verification.requireVerified(accountId, agent);
		String target = target(new SensitiveAction.ChangeEmail(requirePlain(newEmail)));
		Optional<LiveCode> live = latestLive(accountId, agent, true).filter(c -> sameTarget(c.id(), c.target(), target));
		if (live.isEmpty()) {
			audit.record(agent, "AGENT", "NEW_EMAIL_CODE_FAILED", accountId, "no live code for this address", caseNumber,
					"confirming a new address");
			return Confirmation.NO_LIVE_CODE;
		}
		boolean matches = check(live.get(), typedCode);
		audit.record(agent, "AGENT", matches ? "NEW_EMAIL_CODE_CONFIRMED" : "NEW_EMAIL_CODE_FAILED", accountId,
				matches ? "the caller read back the code sent to the new address" : "wrong code from the new address",
				caseNumber, "confirming a new address");
		return matches ? Confirmation.CONFIRMED : Confirmation.WRONG_CODE;
	}

	/**
	 * Whether this agent confirmed a code for exactly this action in the last 10 minutes, after verifying the caller
	 * on the line, has not used it yet, and that verification holds. For a change of email, the step-up code; the code
	 * from the new address is checked when the change is made.
	 */
	@Transactional(readOnly = true)
	public boolean isConfirmed(String accountId, String agent, SensitiveAction action) {
		return verification.isVerified(accountId, agent)
				&& confirmedCode(accountId, agent, action.kind().name(), target(action), false).isPresent();
	}

	/** The actions this agent has a confirmed, unused code for on the account, for the console to show. */
	@Transactional(readOnly = true)
	public List<SensitiveAction.Kind> confirmedActions(String accountId, String agent) {
		if (!verification.isVerified(accountId, agent)) {
			return List.of();
		}
		return java.util.Arrays.stream(SensitiveAction.Kind.values())
			.filter(k -> !candidates(accountId, agent, k.name(), false).isEmpty())
			.toList();
	}

	/**
	 * Throws {@code 403 CALLER_NOT_VERIFIED} without the ordinary verification, {@code 403 STEP_UP_REQUIRED}
	 * without a confirmed code for this action: a check before the action, which uses nothing up ({@link #consume}).
	 */
	public void requireConfirmed(String accountId, String agent, SensitiveAction action) {
		verification.requireVerified(accountId, agent);
		if (!isConfirmed(accountId, agent, action)) {
			throw stepUpRequired();
		}
	}

	/**
	 * Uses up the confirmed code for this action, in the action's own transaction, so that it is spent if and only if
	 * the action commits. A change of email uses up the step-up code and the confirmed code from the new address
	 * together. Throws as {@link #requireConfirmed}.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void consume(String accountId, String agent, SensitiveAction action) {
		verification.requireVerified(accountId, agent);
		String target = target(action);
		Candidate code = confirmedCode(accountId, agent, action.kind().name(), target, true)
			.orElseThrow(StepUpCodes::stepUpRequired);
		Optional<Candidate> newAddress = action instanceof SensitiveAction.ChangeEmail
				? confirmedCode(accountId, agent, NEW_EMAIL, target, true)
				: Optional.empty();
		if (action instanceof SensitiveAction.ChangeEmail && newAddress.isEmpty()) {
			throw SubdeskException.of(SupportErrorCode.STEP_UP_REQUIRED,
					"Changing the email also needs the code sent to the new address, read back by the caller");
		}
		Timestamp now = Timestamp.from(clock.instant());
		for (Candidate used : newAddress.map(n -> List.of(code, n)).orElse(List.of(code))) {
			if (jdbc.sql(USE).param("at", now).param("id", used.id()).update() != 1) {
				throw stepUpRequired();
			}
		}
	}

	/**
	 * Deletes the codes that expired more than {@link #KEPT_AFTER_EXPIRY} ago, whatever became of them; returns how
	 * many. By then each was used or never can be: a code is checked only before it expires, a confirmed one opens its
	 * action for {@link #CONFIRMED_FOR} after its confirmation, and the limit of codes counts only {@link #WINDOW}.
	 * What the codes were for and what was done with them is in the audit trail, which reads nothing from here.
	 */
	@Scheduled(fixedDelayString = "${subdesk.console.step-up-code-purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	@Transactional
	public int forgetOldCodes() {
		return jdbc.sql("DELETE FROM step_up_action_codes WHERE expires_at < :before")
			.param("before", Timestamp.from(clock.instant().minus(KEPT_AFTER_EXPIRY)))
			.update();
	}

	/** Throws {@code 403 CALLER_NOT_VERIFIED} unless this agent verified the caller of the account on this call. */
	public void requireVerified(String accountId, String agent) {
		verification.requireVerified(accountId, agent);
	}

	private static SubdeskException stepUpRequired() {
		return SubdeskException.of(SupportErrorCode.STEP_UP_REQUIRED,
				"This action needs its own code, sent for it to the email on file and read back by the caller");
	}

	private record Issued(String id, String code, Instant expires) {
	}

	private boolean tooMany(String accountId, boolean toNewAddress, Instant now) {
		return jdbc.sql(COUNT_RECENT)
			.param("account", accountId)
			.param("since", Timestamp.from(now.minus(WINDOW)))
			.param("toNewAddress", toNewAddress)
			.query(Long.class)
			.single() >= PER_WINDOW;
	}

	private Issued issue(String accountId, String agent, @Nullable String caseNumber, String action, String target,
			boolean toNewAddress, Instant now) {
		String id = Ids.next("suc");
		String code = OneTimeCodes.generate();
		Instant expires = now.plus(VALID_FOR);
		jdbc.sql(RETIRE_LIVE)
			.param("at", Timestamp.from(now))
			.param("account", accountId)
			.param("toNewAddress", toNewAddress)
			.update();
		jdbc.sql(INSERT)
			.param("id", id)
			.param("account", accountId)
			.param("agent", agent)
			.param("case", caseNumber)
			.param("hash", OneTimeCodes.hash(id, code))
			.param("at", Timestamp.from(now))
			.param("expires", Timestamp.from(expires))
			.param("action", action)
			.param("target", OneTimeCodes.hash(id, target))
			.update();
		return new Issued(id, code, expires);
	}

	private Optional<LiveCode> latestLive(String accountId, String agent, boolean toNewAddress) {
		return jdbc.sql(LATEST_LIVE)
			.param("account", accountId)
			.param("agent", agent)
			.param("now", Timestamp.from(clock.instant()))
			.param("toNewAddress", toNewAddress)
			.query((rs, n) -> new LiveCode(rs.getString("id"), rs.getString("code_hash"), rs.getInt("attempts"),
					rs.getString("action"), rs.getString("target_hash")))
			.optional()
			.filter(c -> c.attempts() < MAX_TRIES);
	}

	/** Counts a try of a live code, confirming it when it matches. */
	private boolean check(LiveCode code, String typedCode) {
		boolean matches = OneTimeCodes.matches(code.hash(), code.id(), typedCode);
		jdbc.sql("""
				UPDATE step_up_action_codes SET attempts = attempts + 1,
				    confirmed_at = CASE WHEN :ok THEN CAST(:at AS timestamptz) END,
				    retired_at = CASE WHEN NOT :ok AND attempts + 1 >= :max THEN CAST(:at AS timestamptz) END
				WHERE id = :id
				""").param("ok", matches).param("at", Timestamp.from(clock.instant())).param("max", MAX_TRIES)
			.param("id", code.id())
			.update();
		return matches;
	}

	private List<Candidate> candidates(String accountId, String agent, String action, boolean lock) {
		return jdbc.sql(CONFIRMED + (lock ? " FOR UPDATE OF s" : ""))
			.param("account", accountId)
			.param("agent", agent)
			.param("action", action)
			.param("since", Timestamp.from(clock.instant().minus(CONFIRMED_FOR)))
			.query((rs, n) -> new Candidate(rs.getString("id"), rs.getString("target_hash")))
			.list();
	}

	private Optional<Candidate> confirmedCode(String accountId, String agent, String action, String target,
			boolean lock) {
		return candidates(accountId, agent, action, lock).stream()
			.filter(c -> sameTarget(c.id(), c.target(), target))
			.findFirst();
	}

	private static boolean sameTarget(String id, @Nullable String storedHash, String target) {
		return storedHash != null && MessageDigest.isEqual(storedHash.getBytes(StandardCharsets.US_ASCII),
				OneTimeCodes.hash(id, target).getBytes(StandardCharsets.US_ASCII));
	}

	/** The target as it is hashed with the code: the same target always gives the same text. */
	private String target(SensitiveAction action) {
		return switch (action) {
			case SensitiveAction.CloseAccount c -> "account";
			case SensitiveAction.RemoveCard r -> r.paymentMethodId();
			case SensitiveAction.ChangeEmail e -> EmailAddresses.key(jdbc, e.email());
			case SensitiveAction.Refund r -> r.chargeId() + ":" + r.amount();
		};
	}

	/** What the email names, checked against the account. */
	private VerificationCodeIssued.Opens opens(String accountId, SensitiveAction action) {
		return switch (action) {
			case SensitiveAction.CloseAccount c -> new VerificationCodeIssued.Opens(c.kind(), null, null, null, null, null);
			case SensitiveAction.RemoveCard r -> {
				PaymentMethod card = accounts.paymentMethod(accountId, r.paymentMethodId())
					.orElseThrow(() -> SubdeskException.notFound("Payment method", r.paymentMethodId()));
				yield new VerificationCodeIssued.Opens(r.kind(), card.brand(), card.last4(), null, null, null);
			}
			case SensitiveAction.ChangeEmail e ->
				new VerificationCodeIssued.Opens(e.kind(), null, null, masked(requirePlain(e.email())), null, null);
			case SensitiveAction.Refund r -> {
				Charge charge = billing.charge(r.chargeId())
					.filter(c -> c.accountId().equals(accountId))
					.orElseThrow(() -> SubdeskException.notFound("Charge", r.chargeId()));
				if (!charge.successful()) {
					throw SubdeskException.of(SupportErrorCode.CHARGE_NOT_REFUNDABLE, "A failed charge moved no money to refund");
				}
				if (r.amount() > charge.remaining().amount()) {
					throw SubdeskException.of(SupportErrorCode.REFUND_EXCEEDS_CHARGE,
							"Only %d of this charge is left to refund".formatted(charge.remaining().amount()));
				}
				yield new VerificationCodeIssued.Opens(r.kind(), null, null, null, Money.of(r.amount(), charge.currency()),
						charge.createdAt());
			}
		};
	}

	/**
	 * {@code 409 EMAIL_TAKEN} for an address another account has, before any code is mailed: the change would be
	 * refused at its end anyway, and a code for it would name that address to this account's holder and go to the
	 * other account's holder.
	 */
	private void refuseTaken(String accountId, SensitiveAction.ChangeEmail change) {
		if (accounts.emailTakenByAnother(accountId, change.email())) {
			throw SubdeskException.of(dev.subdesk.accounts.AccountsErrorCode.EMAIL_TAKEN,
					"An account with this email already exists: no code was sent");
		}
	}

	/**
	 * The new address as the email to the address on file names it: the first character of its local part and of its
	 * domain, and the top-level domain ({@code paula.k@mail.example.org} becomes {@code p***@m***.org}). The address is
	 * what the caller dictated, and the email goes to the account's holder, who may not be the caller: written in full,
	 * its local part could carry a message ("call-this-number-to-cancel@...") into the holder's mailbox.
	 */
	static String masked(String email) {
		int at = email.lastIndexOf('@');
		String domain = email.substring(at + 1);
		int dot = domain.lastIndexOf('.');
		String tld = dot > 0 && domain.substring(dot + 1).chars().allMatch(Character::isLetter)
				&& domain.length() - dot - 1 <= 6 ? domain.substring(dot) : "";
		return email.codePoints().limit(1).collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
				+ "***@" + domain.codePoints().limit(1).collect(StringBuilder::new, StringBuilder::appendCodePoint,
						StringBuilder::append) + "***" + tld;
	}

	/** The target in the audit trail's words: ids and amounts, never the address itself. */
	private static String described(SensitiveAction action) {
		return switch (action) {
			case SensitiveAction.CloseAccount c -> "";
			case SensitiveAction.RemoveCard r -> " " + r.paymentMethodId();
			case SensitiveAction.ChangeEmail e -> " to a new address";
			case SensitiveAction.Refund r -> " of %d from %s".formatted(r.amount(), r.chargeId());
		};
	}

	private static String requirePlain(String email) {
		String address = email.strip();
		if (!EmailAddresses.plain(address)) {
			throw SubdeskException.invalid("email", "Give the new address as local@domain.tld, without spaces");
		}
		return address;
	}
}
