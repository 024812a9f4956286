package dev.subdesk.accounts;

import java.time.Instant;

/** A card on file, known only by its gateway token. */
public record PaymentMethod(String id, String accountId, String gatewayToken, String brand, String last4, int expMonth,
		int expYear, boolean isDefault, Instant createdAt, long seq) {
}
