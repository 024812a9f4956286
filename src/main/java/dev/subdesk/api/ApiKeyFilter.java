package dev.subdesk.api;

import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code Authorization: Bearer <api key>} on {@code /api/v1/**}, except the two public receipt endpoints. The
 * key comes from {@code SUBDESK_API_KEY}; in demo mode an unset key is generated and printed once; with an
 * external database and no key the server refuses to start.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class ApiKeyFilter extends OncePerRequestFilter {

	private static final Logger log = LoggerFactory.getLogger(ApiKeyFilter.class);

	private final byte[] expected;
	private final JsonMapper json;

	ApiKeyFilter(@Value("${subdesk.api.key:}") String configured, @Value("${subdesk.db-url:}") String dbUrl,
			JsonMapper json) {
		this.json = json;
		String key = configured;
		if (key.isBlank()) {
			if (!dbUrl.isBlank()) {
				throw new IllegalStateException(
						"SUBDESK_API_KEY is not set. With an external database (SUBDESK_DB_URL) the API key must be "
								+ "configured: set SUBDESK_API_KEY to a long random secret and start again.");
			}
			byte[] random = new byte[24];
			new SecureRandom().nextBytes(random);
			key = "sk_demo_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
			log.warn("""

					=====================================================================
					 Demo mode: SUBDESK_API_KEY was not set, so this key was generated.
					 API key: {}
					 Use it as:  Authorization: Bearer <key>
					=====================================================================""", key);
		}
		this.expected = key.getBytes(StandardCharsets.UTF_8);
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String path = request.getRequestURI();
		if (!path.startsWith("/api/v1/") && !path.equals("/api/v1")) {
			return true;
		}
		return ("GET".equals(request.getMethod()) && path.equals("/api/v1/receipt-keys"))
				|| ("POST".equals(request.getMethod()) && path.equals("/api/v1/receipts/verify"));
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String header = request.getHeader("Authorization");
		String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim()
				: "";
		if (!MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8))) {
			Problems.write(response, json, new SubdeskException(401, "UNAUTHORIZED",
					"Send the API key as Authorization: Bearer <key>"));
			return;
		}
		chain.doFilter(request, response);
	}
}
