package dev.subdesk.console;

/**
 * The error codes of module console, with their HTTP status: the one place they are named (shared/API.md and the
 * OpenAPI document list them for clients).
 */
public enum ConsoleErrorCode implements dev.subdesk.shared.ErrorCode {

	OFFER_NOT_AVAILABLE(409);

	private final int status;

	ConsoleErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
