package dev.subdesk.console;

/**
 * The error codes of module console, all {@code 409}: the one place they are named (the OpenAPI document lists
 * them for clients).
 */
public enum ConsoleErrorCode implements dev.subdesk.shared.ErrorCode {

	OFFER_NOT_AVAILABLE;
}
