package dev.subdesk.api;

import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The body of every {@code /api/v1} request, public ones included, before anything reads it: larger than
 * {@link #MAX_BODY_BYTES} is {@code 413 PAYLOAD_TOO_LARGE} (a chunked body is read up to the limit to find out),
 * and a body whose {@code Content-Type} is not JSON ({@code application/json} or {@code application/*+json}) is
 * {@code 415 UNSUPPORTED_MEDIA_TYPE}. A body without a {@code Content-Type} is read as JSON. Runs after the API
 * key check, so that a caller without a key learns nothing but {@code 401}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 15)
class RequestBodyFilter extends OncePerRequestFilter {

	static final long MAX_BODY_BYTES = 1024 * 1024;

	private final JsonMapper json;

	RequestBodyFilter(JsonMapper json) {
		this.json = json;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return !request.getRequestURI().startsWith("/api/v1/");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		long length = request.getContentLengthLong();
		boolean chunked = length < 0 && request.getHeader("Transfer-Encoding") != null;
		if (length > MAX_BODY_BYTES) {
			tooLarge(response);
			return;
		}
		if ((length > 0 || chunked) && !isJson(request.getContentType())) {
			Problems.write(response, json, new SubdeskException(415, "UNSUPPORTED_MEDIA_TYPE",
					"Send the body as JSON with Content-Type: application/json"));
			return;
		}
		if (chunked) {
			CachedBodyRequest cached = new CachedBodyRequest(request, MAX_BODY_BYTES + 1);
			if (cached.body().length > MAX_BODY_BYTES) {
				tooLarge(response);
				return;
			}
			request = cached;
		}
		chain.doFilter(request, response);
	}

	private void tooLarge(HttpServletResponse response) throws IOException {
		Problems.write(response, json, new SubdeskException(413, "PAYLOAD_TOO_LARGE",
				"The request body is larger than %d bytes".formatted(MAX_BODY_BYTES)));
	}

	private static boolean isJson(@Nullable String contentType) {
		if (contentType == null) {
			return true;
		}
		try {
			MediaType type = MediaType.parseMediaType(contentType);
			String subtype = type.getSubtype().toLowerCase(Locale.ROOT);
			return type.getType().equalsIgnoreCase("application") && (subtype.equals("json") || subtype.endsWith("+json"));
		}
		catch (InvalidMediaTypeException e) {
			return false;
		}
	}
}
