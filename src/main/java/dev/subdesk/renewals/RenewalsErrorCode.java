package dev.subdesk.renewals;

/**
 * The error codes of module renewals, with their HTTP status: the one place they are named (the OpenAPI document
 * lists them for clients).
 */
public enum RenewalsErrorCode implements dev.subdesk.shared.ErrorCode {

	/**
	 * The node has begun to stop and runs no job, so it makes no test-clock advance (which runs the jobs due on the
	 * way); nothing changed, and the same request may be tried again (a 5xx is not stored for its Idempotency-Key).
	 */
	NODE_STOPPING(503);

	/** How many seconds a client waits before trying a refused request again ({@code Retry-After}). */
	public static final int RETRY_AFTER_SECONDS = 5;

	private final int status;

	RenewalsErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
