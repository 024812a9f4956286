package dev.subdesk.console;

import dev.subdesk.staff.StaffAccounts;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Disabling a staff account or giving it a new password ends its sessions too: every console request checks that
 * the signed-in account is still enabled and its session version the one the session began with
 * ({@link ConsoleStaff#SESSION_VERSION}), and otherwise ends the session and sends the browser to the sign-in page.
 */
@Configuration(proxyBeanMethods = false)
class StaffSessions implements WebMvcConfigurer {

	private final StaffAccounts staff;

	StaffSessions(StaffAccounts staff) {
		this.staff = staff;
	}

	@Override
	public void addInterceptors(InterceptorRegistry registry) {
		registry.addInterceptor(new HandlerInterceptor() {

			@Override
			public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
					throws java.io.IOException {
				String user = request.getRemoteUser();
				if (user == null || !request.isUserInRole("AGENT") && !request.isUserInRole("SUPERVISOR")
						&& !request.isUserInRole("ADMIN")) {
					return true;
				}
				HttpSession session = request.getSession(false);
				if (session != null && session.getAttribute(ConsoleStaff.SESSION_VERSION) instanceof Long version
						&& staff.sessionCurrent(user, version)) {
					return true;
				}
				if (session != null) {
					session.invalidate();
				}
				SecurityContextHolder.clearContext();
				response.sendRedirect(request.getContextPath() + ConsoleSecurity.SIGN_IN + "?error");
				return false;
			}
		}).addPathPatterns("/console/**").excludePathPatterns(ConsoleSecurity.SIGN_IN);
	}
}
