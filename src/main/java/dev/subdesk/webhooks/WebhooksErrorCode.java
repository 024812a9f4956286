package dev.subdesk.webhooks;

/**
 * The error codes of module webhooks, all {@code 409}: the one place they are named (the OpenAPI document lists
 * them for clients).
 */
public enum WebhooksErrorCode implements dev.subdesk.shared.ErrorCode {

	/** A manual retry of a delivery to a DISABLED endpoint: nothing is sent to it until it is enabled again. */
	ENDPOINT_DISABLED;
}
