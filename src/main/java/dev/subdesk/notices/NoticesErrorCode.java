package dev.subdesk.notices;

/**
 * The error codes of module notices, all {@code 409}: the one place they are named (the OpenAPI document lists
 * them for clients).
 */
public enum NoticesErrorCode implements dev.subdesk.shared.ErrorCode {

	NOTICE_ERASED;
}
