package dev.subdesk.catalog;

/**
 * The error codes of module catalog, with their HTTP status: the one place they are named (the OpenAPI
 * document lists them for clients).
 */
public enum CatalogErrorCode implements dev.subdesk.shared.ErrorCode {

	EFFECTIVE_FROM_TOO_SOON(422),

	PLAN_EXISTS(409),

	PLAN_RETIRED(409),

	PRICE_CHANGE_PENDING(409),

	PRICE_EXISTS(409),

	PRODUCT_EXISTS(409);

	private final int status;

	CatalogErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
