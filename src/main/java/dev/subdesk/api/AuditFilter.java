package dev.subdesk.api;

import dev.subdesk.support.AuditTrail;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Records every change made through the API (POST, PATCH, DELETE that succeeded) with its actor: the
 * {@code X-Actor} header, or {@code api}. Replays of an idempotent request are not changes and are not recorded, nor
 * are a receipt check and a device's entitlement token, which change nothing.
 */
@Component
@Order(ApiSecurity.AFTER_THE_KEY)
class AuditFilter extends OncePerRequestFilter {

	private final AuditTrail audit;

	AuditFilter(AuditTrail audit) {
		this.audit = audit;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String method = request.getMethod();
		return !ApiSecurity.API_V1.matches(request)
				|| !("POST".equals(method) || "PATCH".equals(method) || "DELETE".equals(method))
				|| ApiSecurity.VERIFY_RECEIPT.matches(request) || ApiSecurity.CHECK_CHANNEL.matches(request)
				|| ApiSecurity.ENTITLEMENT_TOKEN.matches(request);
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		chain.doFilter(request, response);
		if (response.getStatus() < 400 && response.getHeader("Idempotent-Replayed") == null) {
			String path = ApiSecurity.routedPath(request);
			audit.record(Actors.of(request), "API", request.getMethod() + " " + path, path, response.getStatus());
		}
	}
}
