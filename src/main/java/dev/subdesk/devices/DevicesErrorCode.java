package dev.subdesk.devices;

/**
 * The error codes of module devices, with their HTTP status: the one place they are named (shared/API.md and the
 * OpenAPI document list them for clients).
 */
public enum DevicesErrorCode implements dev.subdesk.shared.ErrorCode {

	DEVICE_LIMIT_REACHED(409);

	private final int status;

	DevicesErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
