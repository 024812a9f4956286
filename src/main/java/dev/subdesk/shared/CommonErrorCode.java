package dev.subdesk.shared;

/** The error codes that are no module's own: malformed requests, missing resources, the edges' refusals. */
public enum CommonErrorCode implements ErrorCode {

	VALIDATION_FAILED(400),

	UNAUTHORIZED(401),

	NOT_FOUND(404),

	METHOD_NOT_ALLOWED(405),

	PAYLOAD_TOO_LARGE(413),

	UNSUPPORTED_MEDIA_TYPE(415),

	INTERNAL_ERROR(500);

	private final int status;

	CommonErrorCode(int status) {
		this.status = status;
	}

	@Override
	public int status() {
		return status;
	}
}
