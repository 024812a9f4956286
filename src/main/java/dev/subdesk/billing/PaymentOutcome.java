package dev.subdesk.billing;

/** How a purchase charge ended after the gateway retries. */
public sealed interface PaymentOutcome {

	record Paid(String gatewayKey) implements PaymentOutcome {
	}

	record Declined(String code) implements PaymentOutcome {
	}

	/** No answer after every attempt: nothing may be recorded as charged. */
	record Unavailable() implements PaymentOutcome {
	}
}
