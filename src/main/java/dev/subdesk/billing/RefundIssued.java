package dev.subdesk.billing;

import dev.subdesk.shared.Money;
import java.time.Instant;

/**
 * A refund of {@code amount} of a charge was recorded at {@code at}, going back to the charge's card
 * ({@code cardBrand} ending {@code cardLast4}), in the transaction that publishes this. {@code email} and
 * {@code country}: the account holder's, to tell them.
 */
public record RefundIssued(String refundId, String chargeId, String accountId, Money amount, String reason, Instant at,
		String email, String country, String cardBrand, String cardLast4) {
}
