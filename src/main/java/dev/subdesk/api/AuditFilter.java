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
 * Records every change made through the API (POST, PATCH, DELETE) with its actor: the {@code X-Actor} header, or
 * {@code api}. The entry is written in the transaction of the change ({@link AuditTrail#changesOf}): a request that
 * commits no change leaves none, and no change commits without it. Runs inside the idempotency filter, so a replay
 * and the idempotency key's own rows are not recorded; nor are a receipt check and a device's entitlement token.
 */
@Component
@Order(ApiSecurity.AFTER_THE_KEY + 6)
class AuditFilter extends OncePerRequestFilter {

	private final AuditTrail audit;

	AuditFilter(AuditTrail audit) {
		this.audit = audit;
	}

	/**
	 * A request that waited for its {@code Idempotency-Key} and then runs itself does so in an asynchronous dispatch
	 * ({@link IdempotencyFilter}); the API has no other asynchronous requests.
	 */
	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
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
		String path = ApiSecurity.routedPath(request);
		try (AuditTrail.ChangeScope scope = audit.changesOf(Actors.of(request), "API", request.getMethod() + " " + path,
				path)) {
			chain.doFilter(request, response);
		}
	}
}
