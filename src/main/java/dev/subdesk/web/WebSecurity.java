package dev.subdesk.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;

/**
 * Sessions for the pages. The REST API ({@code /api/v1/**}) keeps its own API-key filter and the actuator its
 * own exposure: Spring Security ignores both, so their behaviour is exactly what it was before the portal.
 * Everything under {@code /portal} except sign-in needs a session; every form carries a CSRF token.
 */
@Configuration
class WebSecurity {

	static final String CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; "
			+ "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

	@Bean
	WebSecurityCustomizer apiAndActuatorUntouched() {
		return web -> web.ignoring().requestMatchers("/api/v1", "/api/v1/**", "/actuator", "/actuator/**");
	}

	@Bean
	SecurityContextRepository securityContextRepository() {
		return new HttpSessionSecurityContextRepository();
	}

	@Bean
	SecurityFilterChain pages(HttpSecurity http, SecurityContextRepository contexts) throws Exception {
		http.authorizeHttpRequests(requests -> requests.requestMatchers("/portal/sign-in", "/portal/sign-in/**")
			.permitAll()
			.requestMatchers("/portal", "/portal/**")
			.hasRole("CUSTOMER")
			.anyRequest()
			.permitAll())
			.securityContext(context -> context.securityContextRepository(contexts))
			.exceptionHandling(errors -> errors.authenticationEntryPoint(new LoginUrlAuthenticationEntryPoint("/portal/sign-in")))
			.logout(logout -> logout.logoutUrl("/portal/sign-out").logoutSuccessUrl("/portal/sign-in?signedOut"))
			.headers(headers -> headers.contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY)));
		return http.build();
	}
}
