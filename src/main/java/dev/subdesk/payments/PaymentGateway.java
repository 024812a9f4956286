package dev.subdesk.payments;

import dev.subdesk.shared.Money;
import java.util.Optional;

/**
 * The payment gateway. Charges carry an idempotency key: a repeated call with the same key never moves
 * money twice and answers what the first successful call did.
 */
public interface PaymentGateway {

	/** The card behind a token, or empty when the gateway does not know the token. */
	Optional<CardDetails> describe(String token);

	PaymentResult charge(String token, Money amount, String idempotencyKey);

	/** Refunds to the card of the original charge. The sandbox always succeeds. */
	void refund(String token, Money amount, String idempotencyKey);
}
