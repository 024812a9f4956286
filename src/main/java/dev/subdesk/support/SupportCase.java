package dev.subdesk.support;

import java.time.Instant;

/** A support case. */
public record SupportCase(String caseNumber, String accountId, Status status, String subject, String channel,
		Instant createdAt) {

	public enum Status {
		OPEN, PENDING_CUSTOMER, ESCALATED, RESOLVED
	}
}
