package dev.subdesk.api;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
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
 * key check ({@link ApiSecurity}), so that a caller without a key learns nothing but {@code 401}.
 */
@Component
@Order(ApiSecurity.AFTER_THE_KEY)
class RequestBodyFilter extends OncePerRequestFilter {

	static final long MAX_BODY_BYTES = 1024 * 1024;

	private final JsonMapper json;

	RequestBodyFilter(JsonMapper json) {
		this.json = json;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return !ApiSecurity.API_V1.matches(request);
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
			Problems.write(response, json, new SubdeskException(CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
					"Send the body as JSON with Content-Type: application/json"));
			return;
		}
		if (length > 0 || chunked) {
			CachedBodyRequest cached = new CachedBodyRequest(request, MAX_BODY_BYTES + 1);
			if (cached.body().length > MAX_BODY_BYTES) {
				tooLarge(response);
				return;
			}
			if (readAsUtf8(request.getContentType()) && !isUtf8(cached.body())) {
				request.setAttribute(NOT_UTF8, Boolean.TRUE);
			}
			request = cached;
		}
		chain.doFilter(request, response);
	}

	/**
	 * Marks a body that is not valid UTF-8, for {@link JsonBody} to refuse as malformed once the ids in the path
	 * have been checked (instead of the decoder silently replacing the bytes with U+FFFD).
	 */
	static final String NOT_UTF8 = RequestBodyFilter.class.getName() + ".notUtf8";

	private static boolean readAsUtf8(@Nullable String contentType) {
		try {
			Charset charset = contentType == null ? null : MediaType.parseMediaType(contentType).getCharset();
			return charset == null || StandardCharsets.UTF_8.equals(charset);
		}
		catch (IllegalArgumentException e) {
			return true;
		}
	}

	private static boolean isUtf8(byte[] body) {
		try {
			StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(body));
			return true;
		}
		catch (CharacterCodingException e) {
			return false;
		}
	}

	private void tooLarge(HttpServletResponse response) throws IOException {
		Problems.write(response, json, new SubdeskException(CommonErrorCode.PAYLOAD_TOO_LARGE,
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
