package dev.subdesk.support;

import dev.subdesk.accounts.AccountClosedException;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.billing.Refund;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Refunds outside the written policy (goodwill): an agent asks for one, with the caller's step-up code
 * confirmed, for any amount up to what is left of the charge; it waits as PENDING until a supervisor approves
 * it (then the refund is made, with its REFUND_ISSUED notice) or rejects it. Nobody decides their own request.
 * Every step is in the audit trail and on the case's timeline.
 */
@Service
public class RefundApprovals {

	private static final String COLUMNS = """
			id, account_id, charge_id, amount, currency, reason, case_number, requested_by, requested_at, status,
			decided_by, decided_at, decision_note, refund_id""";

	private static final String INSERT = """
			INSERT INTO refund_approvals (id, account_id, charge_id, amount, currency, reason, case_number, requested_by,
			                              requested_at, status)
			VALUES (:id, :account, :charge, :amount, :currency, :reason, :case, :agent, :at, 'PENDING')
			""";

	private static final String DECIDE = """
			UPDATE refund_approvals SET status = :status, decided_by = :by, decided_at = :at, decision_note = :note,
			    refund_id = :refund
			WHERE id = :id
			""";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Billing billing;
	private final StepUpCodes stepUp;
	private final Support support;
	private final AuditTrail audit;
	private final Accounts accounts;

	RefundApprovals(JdbcClient jdbc, Clock clock, Billing billing, StepUpCodes stepUp, Support support,
			AuditTrail audit, Accounts accounts) {
		this.accounts = accounts;
		this.jdbc = jdbc;
		this.clock = clock;
		this.billing = billing;
		this.stepUp = stepUp;
		this.support = support;
		this.audit = audit;
	}

	/**
	 * Asks for a goodwill refund of a charge of the account. Needs the caller verified and the step-up code
	 * confirmed for this refund, of this charge and amount ({@code 403}, used up by the request); the charge must be the account's ({@code 404}), successful
	 * ({@code 409 CHARGE_NOT_REFUNDABLE}) with at least {@code amount} left ({@code 409 REFUND_EXCEEDS_CHARGE}), and
	 * the account open ({@code 409 ACCOUNT_CLOSED}: nothing new is asked for after the closure; a request already
	 * waiting is still decided, keeping no note about the customer).
	 *
	 * @param amount in the charge's minor unit; null means what is left
	 */
	@Transactional
	public RefundApproval request(String accountId, String chargeId, @Nullable Long amount, String reason, String agent,
			@Nullable String caseNumber) {
		stepUp.requireVerified(accountId, agent);
		if (accounts.lock(accountId).closed()) {
			throw new AccountClosedException(accountId);
		}
		Charge charge = billing.charge(chargeId)
			.filter(c -> c.accountId().equals(accountId))
			.orElseThrow(() -> SubdeskException.notFound("Charge", chargeId));
		if (!charge.successful()) {
			throw SubdeskException.of(SupportErrorCode.CHARGE_NOT_REFUNDABLE, "A failed charge moved no money to refund");
		}
		long left = charge.remaining().amount();
		long value = amount == null ? left : amount;
		if (value <= 0 || value > left) {
			throw SubdeskException.of(SupportErrorCode.REFUND_EXCEEDS_CHARGE, "Only %d of this charge is left to refund".formatted(left));
		}
		// the code the caller read back for this refund, of this amount of this charge: spent if the request is stored
		stepUp.consume(accountId, agent, new SensitiveAction.Refund(chargeId, value));
		String id = Ids.next("rfa");
		jdbc.sql(INSERT)
			.param("id", id)
			.param("account", accountId)
			.param("charge", chargeId)
			.param("amount", value)
			.param("currency", charge.currency())
			.param("reason", reason)
			.param("case", caseNumber)
			.param("agent", agent)
			.param("at", Timestamp.from(clock.instant()))
			.update();
		String what = "%s of charge %s (%s), waiting for a supervisor".formatted(
				Formats.money(Money.of(value, charge.currency())), chargeId, id);
		record(agent, "REFUND_APPROVAL_REQUESTED", accountId, what, caseNumber, reason);
		return get(id);
	}

	/** Approves a pending request and makes the refund; {@code 409} when it was decided or is the approver's own. */
	public RefundApproval approve(String id, String supervisor, @Nullable String note) {
		billing.recordThenSettle(() -> approveLocked(id, supervisor, note));
		return get(id);
	}

	private RefundApproval approveLocked(String id, String supervisor, @Nullable String note) {
		Locked locked = lockPending(id, supervisor);
		RefundApproval pending = locked.approval();
		Money left = billing.charge(pending.chargeId()).orElseThrow().remaining();
		if (left.amount() < pending.amount()) {
			throw SubdeskException.of(SupportErrorCode.REFUND_EXCEEDS_CHARGE, ("Only %s is left of charge %s: it was refunded "
					+ "since the request. Reject this request; the agent can ask for what is left").formatted(
							Formats.money(left), pending.chargeId()));
		}
		// The refund, kept for as long as money records are, says which request it answers, not the reason typed for
		// it: that reason is erased with the request when the account closes, and must not outlive it here, in the
		// refund's event or in the notice of the refund. Nor does it name the supervisor: a console username is half of a
		// staff credential, and who approved is in the request and the audit trail.
		Refund refund = billing.recordRefund(pending.chargeId(), pending.amount(),
				"Goodwill refund %s, approved by an Acme support supervisor".formatted(pending.id()), clock.instant());
		decide(pending, RefundApproval.Status.APPROVED, supervisor, note == null ? null : locked.kept(note),
				refund.id());
		record(supervisor, "REFUND_APPROVED", pending.accountId(), "%s of charge %s refunded (%s, refund %s)".formatted(
				Formats.money(Money.of(pending.amount(), pending.currency())), pending.chargeId(), id, refund.id()),
				pending.caseNumber(), locked.kept(note == null ? pending.reason() : note));
		return get(id);
	}

	/** Rejects a pending request: no money moves. */
	@Transactional
	public RefundApproval reject(String id, String supervisor, String note) {
		Locked locked = lockPending(id, supervisor);
		RefundApproval pending = locked.approval();
		decide(pending, RefundApproval.Status.REJECTED, supervisor, locked.kept(note), null);
		record(supervisor, "REFUND_REJECTED", pending.accountId(), "%s of charge %s not refunded (%s)".formatted(
				Formats.money(Money.of(pending.amount(), pending.currency())), pending.chargeId(), id), pending.caseNumber(),
				locked.kept(note));
		return get(id);
	}

	/** The requests waiting for a supervisor, oldest first. */
	@Transactional(readOnly = true)
	public List<RefundApproval> pending() {
		return jdbc.sql("SELECT " + COLUMNS + " FROM refund_approvals WHERE status = 'PENDING' ORDER BY requested_at, seq")
			.query(RefundApprovals::map)
			.list();
	}

	/** Every request about an account, newest first. */
	@Transactional(readOnly = true)
	public List<RefundApproval> forAccount(String accountId) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM refund_approvals WHERE account_id = :account ORDER BY seq DESC")
			.param("account", accountId)
			.query(RefundApprovals::map)
			.list();
	}

	@Transactional(readOnly = true)
	public RefundApproval get(String id) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM refund_approvals WHERE id = :id")
			.param("id", id)
			.query(RefundApprovals::map)
			.optional()
			.orElseThrow(() -> SubdeskException.notFound("Refund approval", id));
	}

	/**
	 * The pending request, locked, with its account's row locked first (as the closure locks it before erasing the
	 * account's words): a decision either commits before a closure, whose erasure then covers its note and audit
	 * reason, or sees the account closed and keeps no note ({@link #kept}).
	 */
	private Locked lockPending(String id, String supervisor) {
		String accountId = jdbc.sql("SELECT account_id FROM refund_approvals WHERE id = :id")
			.param("id", id)
			.query(String.class)
			.optional()
			.orElseThrow(() -> SubdeskException.notFound("Refund approval", id));
		boolean closed = accounts.lock(accountId).closed();
		RefundApproval approval = jdbc.sql("SELECT " + COLUMNS + " FROM refund_approvals WHERE id = :id FOR UPDATE")
			.param("id", id)
			.query(RefundApprovals::map)
			.single();
		if (approval.status() != RefundApproval.Status.PENDING) {
			throw SubdeskException.of(SupportErrorCode.APPROVAL_DECIDED, "This request was already " + approval.status());
		}
		if (approval.requestedBy().equals(supervisor)) {
			throw SubdeskException.of(SupportErrorCode.OWN_REQUEST, "Another supervisor must decide your own request");
		}
		return new Locked(approval, closed);
	}

	/** A pending request, locked, and whether its account was closed (its words erased) before the decision. */
	private record Locked(RefundApproval approval, boolean accountClosed) {

		/**
		 * What of a supervisor's note (or the request's reason, erased at the closure) is kept: nothing once the account
		 * is closed, since the closure's erasure has run and a note about its customer would outlive it.
		 */
		String kept(String text) {
			return accountClosed ? Support.ERASED_DETAIL : text;
		}
	}

	private void decide(RefundApproval approval, RefundApproval.Status status, String by, @Nullable String note,
			@Nullable String refundId) {
		jdbc.sql(DECIDE)
			.param("status", status.name())
			.param("by", by)
			.param("at", Timestamp.from(clock.instant()))
			.param("note", note)
			.param("refund", refundId)
			.param("id", approval.id())
			.update();
	}

	private void record(String actor, String action, String accountId, String detail, @Nullable String caseNumber,
			String reason) {
		audit.record(actor, "AGENT", action, accountId, detail, caseNumber, reason);
		if (caseNumber != null) {
			support.action(caseNumber, actor, action + ": " + detail);
		}
	}

	private static RefundApproval map(ResultSet rs, int row) throws SQLException {
		Timestamp decided = rs.getTimestamp("decided_at");
		return new RefundApproval(rs.getString("id"), rs.getString("account_id"), rs.getString("charge_id"),
				rs.getLong("amount"), rs.getString("currency"), rs.getString("reason"), rs.getString("case_number"),
				rs.getString("requested_by"), rs.getTimestamp("requested_at").toInstant(),
				RefundApproval.Status.valueOf(rs.getString("status")), rs.getString("decided_by"),
				decided == null ? null : decided.toInstant(), rs.getString("decision_note"), rs.getString("refund_id"));
	}
}
