package dev.subdesk.shared;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * A check of a signed-in session at every request: a session that no longer holds (its staff account disabled, its
 * customer's address changed) is ended, and the browser sent to the sign-in page.
 */
public final class SessionChecks {

	private SessionChecks() {
	}

	/**
	 * Checks the sessions of users {@code signedIn} picks with {@code current} (the user's name and their session);
	 * one that fails it is ended and sent to {@code signIn}.
	 */
	public static HandlerInterceptor ending(Predicate<HttpServletRequest> signedIn,
			BiPredicate<String, HttpSession> current, String signIn) {
		return new HandlerInterceptor() {

			@Override
			public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
					throws java.io.IOException {
				String user = request.getRemoteUser();
				if (user == null || !signedIn.test(request)) {
					return true;
				}
				HttpSession session = request.getSession(false);
				if (session != null && current.test(user, session)) {
					return true;
				}
				if (session != null) {
					session.invalidate();
				}
				SecurityContextHolder.clearContext();
				response.sendRedirect(request.getContextPath() + signIn);
				return false;
			}
		};
	}
}
