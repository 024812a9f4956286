package dev.subdesk.support;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A support case: every contact with a customer lives in one, with a number the customer can quote. {@code accountId}
 * is null only for a store purchase that matched no account ({@link Support#openUnmatched}). {@code
 * waitingAfterEscalation}: it waits for the customer (PENDING_CUSTOMER) after it was escalated ({@link
 * Support#awaitCustomer}). {@code escalationReason} stays once a case was escalated: such a case is ESCALATED again
 * whenever it is reopened ({@link Support#reopen}), until a supervisor hands it back to the agents ({@link
 * Support#returnToAgents}), which clears it. {@code internal}: opened for work only staff do ({@link
 * Support#openOrAddForStaff}), which its customer was never told about and is told nothing about, whatever is done on
 * it (no CASE_UPDATE notice); it does not wait for the customer ({@link Support#awaitCustomer}).
 */
public record SupportCase(String caseNumber, @Nullable String accountId, Status status, String subject, String channel,
		Instant createdAt, Priority priority, @Nullable String owner, Instant slaDueAt,
		@Nullable String escalationReason, Instant updatedAt, boolean waitingAfterEscalation, boolean internal) {

	public enum Status {
		OPEN, PENDING_CUSTOMER, ESCALATED, RESOLVED
	}

	public enum Priority {
		LOW, NORMAL, HIGH, URGENT
	}

	/** What the audit trail names as the target of work on this case: its account, or the case itself. */
	public String auditTarget() {
		return accountId != null ? accountId : "case:" + caseNumber;
	}

	/**
	 * Whether the case is in the supervisors' hands: ESCALATED, or waiting for the customer after it was escalated
	 * (waiting does not take it off their hands). Whoever owns it, only a supervisor resolves it or sets it to wait then.
	 */
	public boolean withSupervisors() {
		return status == Status.ESCALATED || (status == Status.PENDING_CUSTOMER && waitingAfterEscalation);
	}

	/** Whether the case is past its service-level due time without being resolved. */
	public boolean breachesSla(Instant now) {
		return status != Status.RESOLVED && now.isAfter(slaDueAt);
	}
}
