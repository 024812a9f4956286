package dev.subdesk.devices;

/**
 * The error codes of module devices, all {@code 409}: the one place they are named (the OpenAPI document lists
 * them for clients).
 */
public enum DevicesErrorCode implements dev.subdesk.shared.ErrorCode {

	DEVICE_LIMIT_REACHED;
}
