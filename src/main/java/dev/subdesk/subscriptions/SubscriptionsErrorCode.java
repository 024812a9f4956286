package dev.subdesk.subscriptions;

/**
 * The error codes of module subscriptions, with their HTTP status: the one place they are named (the OpenAPI
 * document lists them for clients).
 */
public enum SubscriptionsErrorCode implements dev.subdesk.shared.ErrorCode {

	ADD_ON_EXISTS(409),

	ADD_ON_NOT_ALLOWED(409),

	ALREADY_CANCELLED(409),

	CHANNEL_MANAGED(409),

	NO_PRICE_CHANGE_PENDING(409),

	PARENT_NOT_ACTIVE(409),

	PAYMENT_DECLINED(402),

	PAYMENT_GATEWAY_UNAVAILABLE(503),

	PAYMENT_METHOD_IN_USE(409);

	private final int status;

	SubscriptionsErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
