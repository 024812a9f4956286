package dev.subdesk.api;

import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * A path under {@code /api} or {@code /actuator} is served only in its normal form (shared/API.md, Conventions,
 * 1.1): a percent-encoded letter, digit, {@code -}, {@code .}, {@code _} or {@code ~}, a {@code .} or {@code ..}
 * segment, an empty segment (a {@code //} or a trailing {@code /}) or a {@code ;} parameter is
 * {@code 400 VALIDATION_FAILED} on {@code path}, before the security chain and any handler run, so that no
 * spelling can make the routed path and the path a rule was written for differ.
 *
 * <p>A path is under {@code /api} when the container's decoded, normalised path is, or when the path as sent
 * starts so (refusing is the safe side of both readings).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class PathNormalForm extends OncePerRequestFilter {

	private final JsonMapper json;

	PathNormalForm(JsonMapper json) {
		this.json = json;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String decoded = request.getServletPath() + Optional.ofNullable(request.getPathInfo()).orElse("");
		String sent = request.getRequestURI().substring(request.getContextPath().length()).toLowerCase(Locale.ROOT);
		return !(guarded(decoded) || guarded(sent));
	}

	private static boolean guarded(String path) {
		return path.equals("/api") || path.startsWith("/api/") || path.startsWith("/api;") || path.equals("/actuator")
				|| path.startsWith("/actuator/") || path.startsWith("/actuator;");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Optional<String> wrong = flaw(request.getRequestURI().substring(request.getContextPath().length()));
		if (wrong.isPresent()) {
			Problems.write(response, json, SubdeskException.invalid("path", wrong.get()));
			return;
		}
		chain.doFilter(request, response);
	}

	/** What keeps a path (as sent, without the query) from its normal form, if anything. */
	static Optional<String> flaw(String path) {
		if (path.indexOf(';') >= 0) {
			return Optional.of("must not carry ';' parameters");
		}
		String[] segments = path.split("/", -1);
		for (int i = 1; i < segments.length; i++) {
			String segment = segments[i];
			if (segment.isEmpty()) {
				return Optional.of("must not have an empty segment ('//' or a trailing '/')");
			}
			if (segment.equals(".") || segment.equals("..")) {
				return Optional.of("must not have a '.' or '..' segment");
			}
			for (int at = segment.indexOf('%'); at >= 0; at = segment.indexOf('%', at + 1)) {
				int value = octet(segment, at + 1);
				if (value < 0) {
					return Optional.of("has a '%' that is not followed by two hex digits");
				}
				if (unreserved((char) value)) {
					return Optional.of("must not percent-encode a letter, digit, '-', '.', '_' or '~'");
				}
			}
		}
		return Optional.empty();
	}

	private static boolean unreserved(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
				|| c == '_' || c == '~';
	}

	/** The octet of the two hex digits at {@code from}, or -1 when there are not two. */
	private static int octet(String text, int from) {
		if (from + 1 >= text.length() || !HexFormat.isHexDigit(text.charAt(from))
				|| !HexFormat.isHexDigit(text.charAt(from + 1))) {
			return -1;
		}
		return HexFormat.fromHexDigits(text, from, from + 2);
	}
}
