package dev.subdesk.checkout;

/**
 * The error codes of module checkout, all {@code 409}: the one place they are named (the OpenAPI document lists
 * them for clients).
 */
public enum CheckoutErrorCode implements dev.subdesk.shared.ErrorCode {

	PLAN_RETIRED;
}
