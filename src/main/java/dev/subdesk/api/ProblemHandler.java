package dev.subdesk.api;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Turns every error into problem+json, once, at the API edge. Nothing a client sends ends in a 5xx. */
@RestControllerAdvice
class ProblemHandler {

	private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

	private static final Pattern PARAMETER = Pattern.compile("Parameter \\[([^\\]]{1,100})\\]");

	@ExceptionHandler(SubdeskException.class)
	ResponseEntity<Object> rule(SubdeskException e) {
		return Problems.response(e);
	}

	@ExceptionHandler(HttpMessageNotReadableException.class)
	ResponseEntity<Object> unreadable(HttpMessageNotReadableException e) {
		return Problems.response(SubdeskException.invalid("", "the body is not valid JSON"));
	}

	@ExceptionHandler(MissingServletRequestParameterException.class)
	ResponseEntity<Object> missingParameter(MissingServletRequestParameterException e) {
		return Problems.response(SubdeskException.invalid(e.getParameterName(), "is required"));
	}

	@ExceptionHandler(MissingRequestHeaderException.class)
	ResponseEntity<Object> missingHeader(MissingRequestHeaderException e) {
		return Problems.response(SubdeskException.invalid(e.getHeaderName(), "is required"));
	}

	/**
	 * A query string the container cannot decode (bad percent-encoding, not UTF-8) is the client's error: {@code 400}
	 * on the parameter when the container names it, never a 5xx.
	 */
	@ExceptionHandler(InvalidParameterException.class)
	ResponseEntity<Object> undecodableParameter(InvalidParameterException e) {
		Matcher named = PARAMETER.matcher(String.valueOf(e.getMessage()));
		String field = named.find() && JsonBody.storable(named.group(1)) ? named.group(1) : "";
		return Problems.response(SubdeskException.invalid(field, "is not valid percent-encoded UTF-8"));
	}

	@ExceptionHandler(MethodArgumentTypeMismatchException.class)
	ResponseEntity<Object> typeMismatch(MethodArgumentTypeMismatchException e) {
		return Problems.response(SubdeskException.invalid(e.getName(), "has the wrong type"));
	}

	@ExceptionHandler(HttpRequestMethodNotSupportedException.class)
	ResponseEntity<Object> method(HttpRequestMethodNotSupportedException e, HttpServletRequest request)
			throws HttpRequestMethodNotSupportedException {
		if (browsingPages(request)) {
			throw e;
		}
		return Problems.response(405, "METHOD_NOT_ALLOWED", "Method " + e.getMethod() + " is not allowed here");
	}

	@ExceptionHandler(HttpMediaTypeNotSupportedException.class)
	ResponseEntity<Object> mediaType(HttpMediaTypeNotSupportedException e) {
		return Problems.response(415, "UNSUPPORTED_MEDIA_TYPE", "Send JSON with Content-Type: application/json");
	}

	/**
	 * Outside {@code /api/v1} (the actuator) an {@code Accept} header nothing can answer is {@code 406 NOT_ACCEPTABLE}.
	 * Under {@code /api/v1} {@link JsonNegotiation} does not consult the header and every endpoint answers JSON, so
	 * this does not happen there; should an endpoint ever answer something else, the client still gets a code the
	 * contract names, not one of its own.
	 */
	@ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
	ResponseEntity<Object> notAcceptable(HttpMediaTypeNotAcceptableException e, HttpServletRequest request) {
		if (ApiSecurity.API_V1.matches(request)) {
			return Problems.response(new SubdeskException(406, CommonErrorCode.VALIDATION_FAILED.name(),
					"The request is not valid",
					List.of(new SubdeskException.FieldError(HttpHeaders.ACCEPT, "this endpoint answers application/json"))));
		}
		return Problems.response(406, "NOT_ACCEPTABLE", "This endpoint answers application/json");
	}

	@ExceptionHandler(NoResourceFoundException.class)
	ResponseEntity<Object> noResource(NoResourceFoundException e, HttpServletRequest request)
			throws NoResourceFoundException {
		if (browsingPages(request)) {
			throw e;
		}
		return Problems.response(404, "NOT_FOUND", "No such path: /" + e.getResourcePath());
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<Object> unexpected(Exception e) {
		log.error("Unexpected error", e);
		return Problems.response(new SubdeskException(CommonErrorCode.INTERNAL_ERROR, "Something went wrong on our side", List.of()));
	}

	/**
	 * A browser asking for a page (not under {@code /api/}, HTML accepted) that does not exist, or with a method the
	 * page does not take: the exception goes on to Spring's own resolver and the error page ({@code error.html}),
	 * not to a JSON problem a person cannot read.
	 */
	private static boolean browsingPages(HttpServletRequest request) {
		String accept = request.getHeader(HttpHeaders.ACCEPT);
		return !ApiSecurity.API.matches(request) && accept != null
				&& accept.contains("text/html");
	}
}
