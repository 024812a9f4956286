package dev.subdesk.cancellation;

import dev.subdesk.shared.Money;
import java.time.Instant;

/**
 * A withdrawal from a contract within the EU's 14-day period (R-EU-5..8): its own reference number, what the
 * customer sent (name, contract, email) with the time of receipt, and the cancellation that ended the contract
 * at once with the full refund.
 */
public record Withdrawal(String referenceNumber, String accountId, String subscriptionId, String orderNumber,
		String name, String email, CancellationChannel channel, Instant receivedAt, String confirmationNumber,
		Money refundTotal) {
}
