package dev.subdesk.cancellation;

/**
 * The error codes of module cancellation, with their HTTP status: the one place they are named (shared/API.md and the
 * OpenAPI document list them for clients).
 */
public enum CancellationErrorCode implements dev.subdesk.shared.ErrorCode {

	ALREADY_CANCELLED(409),

	CHANNEL_MANAGED(409),

	NOT_SCHEDULED_TO_END(409),

	NOT_WITHDRAWABLE(409),

	OFFER_NOT_AVAILABLE(409),

	PARENT_ENDING(409),

	PAYMENT_METHOD_REQUIRED(409);

	private final int status;

	CancellationErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
