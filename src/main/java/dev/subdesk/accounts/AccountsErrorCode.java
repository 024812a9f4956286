package dev.subdesk.accounts;

/**
 * The error codes of module accounts, all {@code 409}: the one place they are named (the OpenAPI document lists
 * them for clients).
 */
public enum AccountsErrorCode implements dev.subdesk.shared.ErrorCode {

	EMAIL_TAKEN;
}
