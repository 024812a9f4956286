package dev.subdesk.payments;

/** The answer of the gateway to one charge attempt. */
public sealed interface PaymentResult {

	/** The money moved. */
	record Succeeded(String gatewayReference) implements PaymentResult {
	}

	/** The card was declined; retrying now will not help. */
	record Declined(String code) implements PaymentResult {
	}

	/** No answer (transient error or time-out): the charge may or may not have happened. */
	record Unknown(String why) implements PaymentResult {
	}
}
