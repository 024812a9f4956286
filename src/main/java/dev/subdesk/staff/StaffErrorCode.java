package dev.subdesk.staff;

/**
 * The error codes of module staff, with their HTTP status: the one place they are named (shared/API.md and the
 * OpenAPI document list them for clients).
 */
public enum StaffErrorCode implements dev.subdesk.shared.ErrorCode {

	OWN_ACCOUNT(409),

	USERNAME_TAKEN(409);

	private final int status;

	StaffErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
