package dev.subdesk.support;

import dev.subdesk.shared.SubdeskException;
import dev.subdesk.staff.StaffAccounts;
import org.springframework.stereotype.Component;

/**
 * Who may work a case: only its owner or a supervisor resolves it or sets it to wait; a staff member takes a case
 * over only when nobody owns it (and it is not escalated), when its owner's staff account is disabled (a leaver's
 * cases do not wait for a supervisor), or as a supervisor. A note typed with a step has at most {@value #MAX_NOTE} characters.
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

	/** Whether {@code worker} may resolve the case or set it to wait: its owner, or a supervisor. */
	public boolean mayWork(SupportCase c, Worker worker) {
		return worker.supervisor() || worker.username().equals(c.owner());
	}

	/**
	 * Whether {@code worker} may make the case theirs (see the class comment); an escalated case nobody owns waits for
	 * a supervisor, or an agent would take back what was handed up (a lockout after failed verifications included).
	 */
	public boolean mayTake(SupportCase c, Worker worker) {
		if (worker.supervisor()) {
			return true;
		}
		if (c.owner() == null) {
			return c.status() != SupportCase.Status.ESCALATED;
		}
		return !staff.enabled(c.owner());
	}

	/** The case, which {@code worker} owns or may take; {@code 403 CASE_OWNED} when another owns it. */
	public SupportCase takeable(String caseNumber, Worker worker) {
		SupportCase c = find(caseNumber);
		if (!worker.username().equals(c.owner()) && !mayTake(c, worker)) {
			throw new SubdeskException(SupportErrorCode.CASE_OWNED, "Case " + c.caseNumber() + " belongs to " + c.owner()
					+ "; a supervisor can reassign it");
		}
		return c;
	}

	/** The case, which {@code worker} may resolve or set to wait; {@code 403 CASE_NOT_YOURS} otherwise. */
	public SupportCase workable(String caseNumber, Worker worker) {
		SupportCase c = find(caseNumber);
		if (!mayWork(c, worker)) {
			throw new SubdeskException(SupportErrorCode.CASE_NOT_YOURS,
					"Only the case's owner or a supervisor can do this; take ownership of the case first");
		}
		return c;
	}

	/** {@code 404} for an unknown case. */
	public SupportCase find(String caseNumber) {
		return support.find(caseNumber).orElseThrow(() -> SubdeskException.notFound("Case", caseNumber));
	}
}
