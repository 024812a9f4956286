package dev.subdesk.billing;

/**
 * The error codes of module billing, with their HTTP status: the one place they are named (the OpenAPI
 * document lists them for clients).
 */
public enum BillingErrorCode implements dev.subdesk.shared.ErrorCode {

	CHARGE_NOT_REFUNDABLE(409),

	PAYMENT_GATEWAY_UNAVAILABLE(503),

	REFUND_EXCEEDS_CHARGE(409);

	private final int status;

	BillingErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
