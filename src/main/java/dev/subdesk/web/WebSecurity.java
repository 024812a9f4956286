package dev.subdesk.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;

/**
 * Sessions for the pages. The REST API and the actuator ({@code /api/**}, {@code /actuator/**}) have their own,
 * stateless chain with the API key (module api), the console its own ({@code /console/**}); both are ordered
 * before this one, which takes every other path. Everything under {@code /portal} except sign-in needs a
 * session; every form carries a CSRF token.
 */
@Configuration
class WebSecurity {

	static final String CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self'; "
			+ "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

	@Bean
	SecurityContextRepository securityContextRepository() {
		return new HttpSessionSecurityContextRepository();
	}

	@Bean
	SecurityFilterChain pages(HttpSecurity http, SecurityContextRepository contexts) throws Exception {
		// "/portal/closed" follows the closing of the account, which signs its session out: it shows that session's
		// confirmation numbers, and to anyone else only that an account was closed
		http.authorizeHttpRequests(requests -> requests.requestMatchers("/portal/sign-in", "/portal/sign-in/**", "/portal/closed")
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
