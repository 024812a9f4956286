package dev.subdesk.api;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * An {@code /api/v1} request that the servlet container or the security firewall refused before any controller
 * ran (a {@code TRACE}, a URL with {@code //}, {@code ;}, an encoded {@code %} or {@code .}, a control character)
 * reaches the error dispatch: it is answered as problem+json with the contract's code, not as the generic error
 * body the pages use.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1) // after RequestIds, which gives the error dispatch its request id
class ContainerErrors extends OncePerRequestFilter {

	private final JsonMapper json;

	ContainerErrors(JsonMapper json) {
		this.json = json;
	}

	@Override
	protected boolean shouldNotFilterErrorDispatch() {
		return false;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return request.getDispatcherType() != DispatcherType.ERROR
				|| !(request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri)
				|| !uri.startsWith("/api/v1/");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code ? code : 500;
		Problems.write(response, json, problem(status));
	}

	/**
	 * The problem for a status the container or the firewall chose. The contract names a code for every client error
	 * ({@code VALIDATION_FAILED}, {@code METHOD_NOT_ALLOWED}, ...), never the status's own name: a {@code 4xx} it
	 * names no code for (a {@code 414}, {@code 417}, {@code 431}) keeps its status and is {@code VALIDATION_FAILED},
	 * with one error on field {@code ""} saying what was refused.
	 */
	static SubdeskException problem(int status) {
		return switch (status) {
			case 400 -> SubdeskException.invalid("", "the request URL is not valid");
			case 401 -> new SubdeskException(CommonErrorCode.UNAUTHORIZED, "Send the API key as Authorization: Bearer <key>");
			case 404 -> new SubdeskException(CommonErrorCode.NOT_FOUND, "No such path");
			case 405 -> new SubdeskException(CommonErrorCode.METHOD_NOT_ALLOWED, "This method is not allowed here");
			case 413 -> new SubdeskException(CommonErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large");
			case 415 -> new SubdeskException(CommonErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send JSON with Content-Type: application/json");
			case 414 -> refused(status, "the request line is too long");
			case 431 -> refused(status, "the request headers are too large");
			default -> {
				HttpStatus known = HttpStatus.resolve(status);
				String reason = known == null ? "Error" : known.getReasonPhrase();
				yield status >= 400 && status < 500
						? refused(status, "the request was refused: " + reason.toLowerCase(Locale.ROOT))
						: new SubdeskException(status, CommonErrorCode.INTERNAL_ERROR.name(), reason, List.of());
			}
		};
	}

	/** A client error with the status the container chose and the contract's {@code VALIDATION_FAILED}. */
	static SubdeskException refused(int status, String message) {
		return new SubdeskException(status, CommonErrorCode.VALIDATION_FAILED.name(), "The request is not valid",
				List.of(new SubdeskException.FieldError("", message)));
	}
}
