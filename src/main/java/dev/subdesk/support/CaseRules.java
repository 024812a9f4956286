package dev.subdesk.support;

import dev.subdesk.shared.SubdeskException;
import dev.subdesk.staff.StaffAccounts;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Who may work a case: only its owner or a supervisor resolves it or sets it to wait, and only a supervisor while it
 * is in the supervisors' hands ({@link SupportCase#withSupervisors}: escalated, or waiting for the customer after it
 * was): the agent who owned it when it was handed up keeps it, but cannot close what a supervisor is to judge (and
 * send its customer a resolution no supervisor made). A staff member takes a case over only when nobody owns it, when
 * its owner's staff account is disabled (a leaver's cases do not wait for a supervisor), or as a supervisor; never,
 * unless a supervisor, while it is in the supervisors' hands. A case is reopened by its owner or a supervisor, or by
 * whoever may take it when it was never escalated; a case that was ever escalated reopens ESCALATED, whoever reopens
 * it and whether it waited for the customer or was resolved ({@link Support#reopen}): its owner reopening it hands it
 * back to the supervisors, never to themselves as an ordinary case. Only its owner or a
 * supervisor escalates it: another agent would hand up a colleague's case (and send its customer an email) without
 * having worked it; they take it first where they may. Only a supervisor hands an escalated case back to the agents
 * ({@link Support#returnToAgents}): the agents cannot take back what was handed up. A note typed with a step has at
 * most {@value #MAX_NOTE} characters.
 *
 * <p>The checks come in two kinds: on the case as read (for the page to offer what is allowed), and on the case's row
 * locked in the caller's transaction, just before the change, so that a reassignment meanwhile is seen.
 */
@Component
public class CaseRules {

	public static final int MAX_NOTE = 2000;

	/** The staff member asking: their username, and whether they are a SUPERVISOR or an ADMIN. */
	public record Worker(String username, boolean supervisor) {
	}

	private final Support support;
	private final StaffAccounts staff;

	CaseRules(Support support, StaffAccounts staff) {
		this.support = support;
		this.staff = staff;
	}

	/**
	 * Whether {@code worker} may resolve the case or set it to wait: a supervisor, or its owner while it is not in the
	 * supervisors' hands.
	 */
	public boolean mayWork(SupportCase c, Worker worker) {
		return worker.supervisor() || (ownerOf(c, worker) && !c.withSupervisors());
	}

	private static boolean ownerOf(SupportCase c, Worker worker) {
		return worker.username().equals(c.owner());
	}

	/**
	 * Whether {@code worker} may make the case theirs (see the class comment); an escalated case waits for a supervisor,
	 * whether nobody owns it or its owner has left, or an agent would take back what was handed up (a lockout after
	 * failed verifications included) and resolve it.
	 */
	public boolean mayTake(SupportCase c, Worker worker) {
		if (worker.supervisor()) {
			return true;
		}
		if (c.withSupervisors()) {
			return false;
		}
		return c.owner() == null || !staff.enabled(c.owner());
	}

	/** Whether {@code worker} may open the case again (see the class comment). */
	public boolean mayReopen(SupportCase c, Worker worker) {
		return worker.supervisor() || ownerOf(c, worker) || (c.escalationReason() == null && mayTake(c, worker));
	}

	/** The case, which {@code worker} owns or may take; {@code 403 CASE_OWNED} when another owns it. */
	public SupportCase takeable(String caseNumber, Worker worker) {
		return takeable(find(caseNumber), worker);
	}

	/** As {@link #takeable(String, Worker)}, on the case's row locked until the caller's transaction ends. */
	@Transactional(propagation = Propagation.MANDATORY)
	public SupportCase lockTakeable(String caseNumber, Worker worker) {
		return takeable(support.lock(caseNumber), worker);
	}

	private SupportCase takeable(SupportCase c, Worker worker) {
		if (!ownerOf(c, worker) && !mayTake(c, worker)) {
			throw new SubdeskException(SupportErrorCode.CASE_OWNED, c.withSupervisors()
					? "Case " + c.caseNumber() + " was escalated: it waits for a supervisor"
					: "Case " + c.caseNumber() + " belongs to " + c.owner() + "; a supervisor can reassign it");
		}
		return c;
	}

	/** The case, which {@code worker} may resolve or set to wait; {@code 403 CASE_NOT_YOURS} otherwise. */
	public SupportCase workable(String caseNumber, Worker worker) {
		return workable(find(caseNumber), worker);
	}

	/** As {@link #workable(String, Worker)}, on the case's row locked until the caller's transaction ends. */
	@Transactional(propagation = Propagation.MANDATORY)
	public SupportCase lockWorkable(String caseNumber, Worker worker) {
		return workable(support.lock(caseNumber), worker);
	}

	private SupportCase workable(SupportCase c, Worker worker) {
		if (!mayWork(c, worker)) {
			throw new SubdeskException(SupportErrorCode.CASE_NOT_YOURS, c.withSupervisors()
					? "Case " + c.caseNumber() + " was escalated: only a supervisor can resolve it or set it to wait"
					: "Only the case's owner or a supervisor can do this; take ownership of the case first");
		}
		return c;
	}

	/** The case, which {@code worker} may reopen; {@code 403 CASE_NOT_YOURS} otherwise. */
	public SupportCase reopenable(String caseNumber, Worker worker) {
		return reopenable(find(caseNumber), worker);
	}

	/** As {@link #reopenable(String, Worker)}, on the case's row locked until the caller's transaction ends. */
	@Transactional(propagation = Propagation.MANDATORY)
	public SupportCase lockReopenable(String caseNumber, Worker worker) {
		return reopenable(support.lock(caseNumber), worker);
	}

	private SupportCase reopenable(SupportCase c, Worker worker) {
		if (!mayReopen(c, worker)) {
			throw new SubdeskException(SupportErrorCode.CASE_NOT_YOURS, c.escalationReason() != null
					? "This case was escalated: its owner or a supervisor reopens it"
					: "Only the case's owner or a supervisor can reopen it; another staff member owns it");
		}
		return c;
	}

	/** Whether {@code worker} may escalate the case to a supervisor: its owner, or a supervisor (see the class comment). */
	public boolean mayEscalate(SupportCase c, Worker worker) {
		return worker.supervisor() || ownerOf(c, worker);
	}

	/** The case, which {@code worker} may escalate; {@code 403 CASE_NOT_YOURS} otherwise. */
	public SupportCase escalatable(String caseNumber, Worker worker) {
		return escalatable(find(caseNumber), worker);
	}

	/** As {@link #escalatable(String, Worker)}, on the case's row locked until the caller's transaction ends. */
	@Transactional(propagation = Propagation.MANDATORY)
	public SupportCase lockEscalatable(String caseNumber, Worker worker) {
		return escalatable(support.lock(caseNumber), worker);
	}

	private SupportCase escalatable(SupportCase c, Worker worker) {
		if (!mayEscalate(c, worker)) {
			throw new SubdeskException(SupportErrorCode.CASE_NOT_YOURS, mayTake(c, worker)
					? "Only the case's owner or a supervisor can escalate it; take ownership of the case first"
					: "Only the case's owner or a supervisor can escalate it; another staff member owns it");
		}
		return c;
	}

	/**
	 * Whether {@code worker} may hand an escalated case back to the agents: a supervisor (see the class comment), for a
	 * case someone owns ({@link Support#returnToAgents}).
	 */
	public boolean mayReturn(SupportCase c, Worker worker) {
		return worker.supervisor() && c.status() == SupportCase.Status.ESCALATED && c.owner() != null;
	}

	/** The case, which {@code worker} may hand back to the agents once escalated; {@code 403 CASE_NOT_YOURS} otherwise. */
	public SupportCase returnable(String caseNumber, Worker worker) {
		return returnable(find(caseNumber), worker);
	}

	/** As {@link #returnable(String, Worker)}, on the case's row locked until the caller's transaction ends. */
	@Transactional(propagation = Propagation.MANDATORY)
	public SupportCase lockReturnable(String caseNumber, Worker worker) {
		return returnable(support.lock(caseNumber), worker);
	}

	private SupportCase returnable(SupportCase c, Worker worker) {
		if (!worker.supervisor()) {
			throw new SubdeskException(SupportErrorCode.CASE_NOT_YOURS, "Case " + c.caseNumber()
					+ ": only a supervisor can hand an escalated case back to the agents");
		}
		return c;
	}

	/** {@code 404} for an unknown case. */
	public SupportCase find(String caseNumber) {
		return support.find(caseNumber).orElseThrow(() -> SubdeskException.notFound("Case", caseNumber));
	}
}
