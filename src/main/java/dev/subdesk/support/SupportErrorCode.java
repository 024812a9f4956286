package dev.subdesk.support;

/**
 * The error codes of module support, with their HTTP status: the one place they are named (the OpenAPI
 * document lists them for clients).
 */
public enum SupportErrorCode implements dev.subdesk.shared.ErrorCode {

	APPROVAL_DECIDED(409),

	CALLER_NOT_VERIFIED(403),

	CASE_NOT_ESCALATABLE(409),

	CASE_NOT_OPEN(409),

	CASE_NOT_REOPENABLE(409),

	CASE_NOT_YOURS(403),

	CASE_OWNED(403),

	CASE_RESOLVED(409),

	CHARGE_NOT_DISPUTABLE(409),

	CHARGE_NOT_REFUNDABLE(409),

	NOTHING_TO_REFUND(409),

	OWN_REQUEST(409),

	REFUND_EXCEEDS_CHARGE(409),

	STEP_UP_REQUIRED(403);

	private final int status;

	SupportErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
