package dev.subdesk.billing;

import java.time.Instant;

/** Money returned to the payment method of a charge. */
public record Refund(String id, String chargeId, long amount, String currency, String status, String reason,
		Instant createdAt) {

	/** This refund as paid back by the gateway. */
	Refund succeeded() {
		return new Refund(id, chargeId, amount, currency, "SUCCEEDED", reason, createdAt);
	}
}
