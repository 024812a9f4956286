package dev.subdesk.web;

/**
 * The error codes of module web, with their HTTP status: the one place they are named (shared/API.md and the
 * OpenAPI document list them for clients).
 */
public enum WebErrorCode implements dev.subdesk.shared.ErrorCode {

	ACCOUNT_CLOSED(409);

	private final int status;

	WebErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
