package dev.subdesk.cancellation;

/**
 * The error codes of module cancellation, all {@code 409}: the one place they are named (the OpenAPI document lists
 * them for clients).
 */
public enum CancellationErrorCode implements dev.subdesk.shared.ErrorCode {

	ALREADY_CANCELLED,
	CHANNEL_MANAGED,
	NOT_SCHEDULED_TO_END,
	NOT_WITHDRAWABLE,
	OFFER_NOT_AVAILABLE,
	PARENT_ENDING,
	PAYMENT_METHOD_REQUIRED;
}
