package dev.subdesk.console;

import dev.subdesk.shared.SessionChecks;
import dev.subdesk.staff.StaffAccounts;
import org.springframework.context.annotation.Configuration;
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
		registry.addInterceptor(SessionChecks.ending(
				request -> request.isUserInRole("AGENT") || request.isUserInRole("SUPERVISOR")
						|| request.isUserInRole("ADMIN"),
				(user, session) -> session.getAttribute(ConsoleStaff.SESSION_VERSION) instanceof Long version
						&& staff.sessionCurrent(user, version),
				ConsoleSecurity.SIGN_IN + "?error"))
			.addPathPatterns("/console/**")
			.excludePathPatterns(ConsoleSecurity.SIGN_IN);
	}
}
