package dev.subdesk.billing;

import dev.subdesk.shared.Money;
import java.time.Instant;

/** One charge attempt for one subscription period. */
public record Charge(String id, String accountId, String subscriptionId, long amount, String currency, Status status,
		Instant periodStart, Instant periodEnd, Instant createdAt, long refundedAmount, String paymentMethodId,
		long seq) {

	public enum Status {
		SUCCEEDED, FAILED, REFUNDED, PARTIALLY_REFUNDED
	}

	/** Whether money moved (a refunded charge was still a successful one). */
	public boolean successful() {
		return status != Status.FAILED;
	}

	/** What can still be refunded. */
	public Money remaining() {
		return Money.of(amount - refundedAmount, currency);
	}
}
