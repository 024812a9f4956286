package dev.subdesk.api;

import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 9457 problem details with the stable {@code code} of the public contract, and the {@code requestId} of the
 * request answered ({@link RequestIds}), the same as its {@code X-Request-Id} header.
 */
final class Problems {

	static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

	private Problems() {
	}

	static Map<String, Object> body(int status, String code, String detail, List<SubdeskException.FieldError> errors) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", "https://subdesk.dev/problems/" + code.toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
		HttpStatus known = HttpStatus.resolve(status);
		body.put("title", known == null ? "Error" : known.getReasonPhrase());
		body.put("status", status);
		body.put("detail", detail);
		body.put("code", code);
		if (status == 400 || !errors.isEmpty()) {
			body.put("errors", errors);
		}
		RequestIds.current().ifPresent(id -> body.put("requestId", id));
		return body;
	}

	static ResponseEntity<Object> response(SubdeskException e) {
		return ResponseEntity.status(e.status())
			.contentType(PROBLEM_JSON)
			.body(body(e.status(), e.code(), String.valueOf(e.getMessage()), e.errors()));
	}

	static ResponseEntity<Object> response(int status, String code, String detail) {
		return response(new SubdeskException(status, code, detail));
	}

	/** Writes a problem from a servlet filter, before any controller ran. */
	static void write(HttpServletResponse response, JsonMapper json, SubdeskException e) throws IOException {
		response.setStatus(e.status());
		response.setContentType(PROBLEM_JSON.toString());
		response.setCharacterEncoding("UTF-8");
		json.writeValue(response.getOutputStream(), body(e.status(), e.code(), String.valueOf(e.getMessage()), e.errors()));
	}
}
