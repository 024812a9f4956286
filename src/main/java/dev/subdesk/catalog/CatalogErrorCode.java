package dev.subdesk.catalog;

/**
 * The error codes of module catalog, with their HTTP status: the one place they are named (the OpenAPI
 * document lists them for clients).
 */
public enum CatalogErrorCode implements dev.subdesk.shared.ErrorCode {

	EFFECTIVE_FROM_TOO_SOON(422),

	PRICE_CHANGE_PENDING(409),

	/** A plan with this code exists (catalog administration). */
	PLAN_EXISTS(409),

	/** A product with this code exists. */
	PRODUCT_EXISTS(409),

	/** The plan is retired: sold no more (or retired already). */
	PLAN_RETIRED(409),

	/** The plan has a price in this currency. */
	PRICE_EXISTS(409);

	private final int status;

	CatalogErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
