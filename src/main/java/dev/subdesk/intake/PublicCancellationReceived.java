package dev.subdesk.intake;

import java.time.Instant;

/**
 * A request of the "Cancel contracts here" form, received at {@code receivedAt}, cancelled the contract with order
 * number {@code orderNumber} (as the database has it) under {@code confirmationNumber}, effective at
 * {@code effectiveAt}, in the transaction that publishes this; its confirmation is due (R-DE-5). The confirmation
 * goes to {@code confirmationEmail}, typed in the form and so possibly anyone's: this event carries nothing else that
 * was typed (invariant 13). {@code country}: the account holder's, for the language of the confirmation.
 */
public record PublicCancellationReceived(String accountId, String country, String confirmationEmail,
		Instant receivedAt, boolean extraordinary, boolean immediately, String orderNumber, String confirmationNumber,
		Instant effectiveAt) {
}
