package dev.subdesk.entitlements;

/**
 * The error codes of module entitlements, all {@code 409}: the one place they are named (the OpenAPI document lists
 * them for clients).
 */
public enum EntitlementsErrorCode implements dev.subdesk.shared.ErrorCode {

	NOT_ENTITLED;
}
