package dev.subdesk.staff;

/**
 * The error codes of module staff, all {@code 409}: the one place they are named (the OpenAPI document lists
 * them for clients).
 */
public enum StaffErrorCode implements dev.subdesk.shared.ErrorCode {

	OWN_ACCOUNT,
	USERNAME_TAKEN;
}
