package dev.subdesk.api;

/**
 * The error codes of module api, with their HTTP status: the one place they are named (the OpenAPI
 * document lists them for clients).
 */
public enum ApiErrorCode implements dev.subdesk.shared.ErrorCode {

	IDEMPOTENCY_KEY_IN_USE(409),

	IDEMPOTENCY_KEY_REUSED(422),

	NOT_STORE_BILLED(409);

	private final int status;

	ApiErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
