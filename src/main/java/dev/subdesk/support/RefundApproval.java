package dev.subdesk.support;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A refund outside the written policy, asked for by an agent and decided by a supervisor. */
public record RefundApproval(String id, String accountId, String chargeId, long amount, String currency, String reason,
		@Nullable String caseNumber, String requestedBy, Instant requestedAt, Status status, @Nullable String decidedBy,
		@Nullable Instant decidedAt, @Nullable String decisionNote, @Nullable String refundId) {

	public enum Status {
		PENDING, APPROVED, REJECTED
	}
}
