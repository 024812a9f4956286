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

	/** One charge of a batch. */
	record ChargeRequest(String token, Money amount, String idempotencyKey) {
	}

	/** Charges a batch; the answers are in the order of the requests. */
	default java.util.List<PaymentResult> chargeAll(java.util.List<ChargeRequest> requests) {
		return requests.stream().map(r -> charge(r.token(), r.amount(), r.idempotencyKey())).toList();
	}

	/**
	 * Refunds to the card of the original charge. A repeated call with the same key never refunds twice and
	 * answers what the first successful call did. {@link PaymentResult.Unknown} when the gateway gave no answer
	 * (the refund may or may not have happened: ask again with the same key, or {@link #lookup}).
	 */
	PaymentResult refund(String token, Money amount, String idempotencyKey);

	/**
	 * What the gateway's ledger holds for an idempotency key (a charge or a refund): its outcome, or empty when
	 * no call with that key ever moved money or was declined. The sweep that reconciles pending records asks this.
	 */
	Optional<PaymentResult> lookup(String idempotencyKey);
}
