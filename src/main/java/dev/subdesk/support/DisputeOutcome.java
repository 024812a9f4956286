package dev.subdesk.support;

import dev.subdesk.billing.Refund;
import org.jspecify.annotations.Nullable;

/** REFUNDED at once (with the refund, null if nothing was left), or UNDER_REVIEW in a support case. */
public record DisputeOutcome(Outcome outcome, @Nullable Refund refund, @Nullable String caseNumber) {

	public enum Outcome {
		REFUNDED, UNDER_REVIEW
	}
}
