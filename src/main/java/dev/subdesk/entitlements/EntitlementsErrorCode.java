package dev.subdesk.entitlements;

/**
 * The error codes of module entitlements, with their HTTP status: the one place they are named (shared/API.md and the
 * OpenAPI document list them for clients).
 */
public enum EntitlementsErrorCode implements dev.subdesk.shared.ErrorCode {

	NOT_ENTITLED(409);

	private final int status;

	EntitlementsErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
