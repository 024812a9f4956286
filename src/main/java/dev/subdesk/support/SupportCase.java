package dev.subdesk.support;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A support case: every contact with a customer lives in one, with a number the customer can quote. */
public record SupportCase(String caseNumber, String accountId, Status status, String subject, String channel,
		Instant createdAt, Priority priority, @Nullable String owner, Instant slaDueAt,
		@Nullable String escalationReason, Instant updatedAt) {

	public enum Status {
		OPEN, PENDING_CUSTOMER, ESCALATED, RESOLVED
	}

	public enum Priority {
		LOW, NORMAL, HIGH, URGENT
	}

	/** Whether the case is past its service-level due time without being resolved. */
	public boolean breachesSla(Instant now) {
		return status != Status.RESOLVED && now.isAfter(slaDueAt);
	}
}
