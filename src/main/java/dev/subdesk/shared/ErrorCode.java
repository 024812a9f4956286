package dev.subdesk.shared;

/**
 * A stable error code of the public contract with its HTTP status. Each module names its own in one enum (its
 * catalogue, such as {@code cancellation.CancellationErrorCode}); those every module may use are
 * {@link CommonErrorCode}.
 */
public interface ErrorCode {

	/** The code as clients see it in a problem's {@code code}, such as {@code ALREADY_CANCELLED}. */
	String name();

	/** Its HTTP status: {@code 409} (the current state forbids the action) unless the catalogue says otherwise. */
	default int status() {
		return 409;
	}
}
