package dev.subdesk.shared;

import java.util.List;

/**
 * A rule a request broke, with the stable code and HTTP status of the public contract. Thrown by the
 * modules, turned into problem+json once, at the API edge.
 */
public class SubdeskException extends RuntimeException {

	private final int status;
	private final String code;
	private final List<FieldError> errors;

	/** A code known only when the error happens (a status the servlet container chose); else use a catalogue's. */
	public SubdeskException(int status, String code, String detail, List<FieldError> errors) {
		super(detail);
		this.status = status;
		this.code = code;
		this.errors = List.copyOf(errors);
	}

	public SubdeskException(int status, String code, String detail) {
		this(status, code, detail, List.of());
	}

	public SubdeskException(ErrorCode code, String detail, List<FieldError> errors) {
		this(code.status(), code.name(), detail, errors);
	}

	public SubdeskException(ErrorCode code, String detail) {
		this(code.status(), code.name(), detail, List.of());
	}

	/** The rule of {@code code} was broken; {@code detail} says how, for a person. */
	public static SubdeskException of(ErrorCode code, String detail) {
		return new SubdeskException(code, detail);
	}

	/** {@code 404 NOT_FOUND}. */
	public static SubdeskException notFound(String what, String id) {
		return new SubdeskException(CommonErrorCode.NOT_FOUND, what + " " + id + " does not exist");
	}

	/** {@code 400 VALIDATION_FAILED} naming one field. */
	public static SubdeskException invalid(String field, String message) {
		return new SubdeskException(CommonErrorCode.VALIDATION_FAILED, "The request is not valid",
				List.of(new FieldError(field, message)));
	}

	public int status() {
		return status;
	}

	public String code() {
		return code;
	}

	public List<FieldError> errors() {
		return errors;
	}

	public record FieldError(String field, String message) {
	}
}
