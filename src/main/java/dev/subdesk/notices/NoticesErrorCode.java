package dev.subdesk.notices;

/**
 * The error codes of module notices, with their HTTP status: the one place they are named (shared/API.md and the
 * OpenAPI document list them for clients).
 */
public enum NoticesErrorCode implements dev.subdesk.shared.ErrorCode {

	NOTICE_ERASED(409);

	private final int status;

	NoticesErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
