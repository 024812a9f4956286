package dev.subdesk.accounts;

/**
 * The error codes of module accounts, with their HTTP status: the one place they are named (shared/API.md and the
 * OpenAPI document list them for clients).
 */
public enum AccountsErrorCode implements dev.subdesk.shared.ErrorCode {

	EMAIL_TAKEN(409);

	private final int status;

	AccountsErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
