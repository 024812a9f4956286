package dev.subdesk.intake;

import java.time.Instant;

/**
 * A withdrawal sent with the public form for a contract already withdrawn from: nothing new was ended, refunded or
 * recorded, but every withdrawal sent is acknowledged. The acknowledgement goes to the account's own email
 * ({@code accountEmail}, {@code country}: the holder's) and names the withdrawal that stands ({@code referenceNumber},
 * received {@code withdrawnAt}); nothing typed into the form. {@code requestId}: the request's, one acknowledgement each.
 */
public record PublicWithdrawalRepeated(String requestId, String accountId, String country, String accountEmail,
		Instant receivedAt, String referenceNumber, Instant withdrawnAt, String orderNumber) {
}
