package dev.subdesk.stores;

/**
 * The error codes of module stores, with their HTTP status: the one place they are named (the OpenAPI
 * document lists them for clients).
 */
public enum StoresErrorCode implements dev.subdesk.shared.ErrorCode {

	STORE_UNAVAILABLE(503);

	private final int status;

	StoresErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
