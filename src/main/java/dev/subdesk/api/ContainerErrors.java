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

	static SubdeskException problem(int status) {
		return switch (status) {
			case 400 -> SubdeskException.invalid("", "the request URL is not valid");
			case 401 -> new SubdeskException(CommonErrorCode.UNAUTHORIZED, "Send the API key as Authorization: Bearer <key>");
			case 404 -> new SubdeskException(CommonErrorCode.NOT_FOUND, "No such path");
			case 405 -> new SubdeskException(CommonErrorCode.METHOD_NOT_ALLOWED, "This method is not allowed here");
			case 413 -> new SubdeskException(CommonErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large");
			case 415 -> new SubdeskException(CommonErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send JSON with Content-Type: application/json");
			default -> {
				HttpStatus known = HttpStatus.resolve(status);
				String code = known == null ? "ERROR" : known.name().toUpperCase(Locale.ROOT);
				yield new SubdeskException(status, status >= 500 ? "INTERNAL_ERROR" : code,
						known == null ? "Error" : known.getReasonPhrase(), List.of());
			}
		};
	}
}
