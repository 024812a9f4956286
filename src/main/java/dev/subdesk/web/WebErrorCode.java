package dev.subdesk.web;

/**
 * The error codes of module web, all {@code 409}: the one place they are named (the OpenAPI document lists
 * them for clients).
 */
public enum WebErrorCode implements dev.subdesk.shared.ErrorCode {

	ACCOUNT_CLOSED;
}
