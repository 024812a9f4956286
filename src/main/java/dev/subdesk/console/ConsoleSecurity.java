package dev.subdesk.console;

import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.DelegatingPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The console's own security: it guards {@code /console/**} only (the API keeps its API key, other pages their
 * own chain). Form login with staff accounts, CSRF on every form, and role checks: the supervisors' pages (queue,
 * audit, reports, refund approvals) need SUPERVISOR or ADMIN, the staff accounts page ADMIN.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurity {

	static final String SIGN_IN = "/console/sign-in";

	/** Argon2id for new hashes; bcrypt hashes still verify. */
	static PasswordEncoder passwordEncoder() {
		return new DelegatingPasswordEncoder("argon2",
				Map.of("argon2", Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8(), "bcrypt", new BCryptPasswordEncoder()));
	}

	@Bean
	@Order(1)
	SecurityFilterChain consoleSecurityFilterChain(HttpSecurity http, ConsoleStaff staff) throws Exception {
		DaoAuthenticationProvider provider = new DaoAuthenticationProvider(staff);
		provider.setPasswordEncoder(staff.passwordEncoder());
		return http.securityMatcher("/console/**")
			.authenticationManager(new ProviderManager(provider))
			.authorizeHttpRequests(requests -> requests
				.requestMatchers(SIGN_IN, "/console/console.css").permitAll()
				.requestMatchers("/console/queue", "/console/audit", "/console/reports").hasAnyRole("SUPERVISOR", "ADMIN")
				.requestMatchers("/console/staff", "/console/staff/**").hasRole("ADMIN")
				.requestMatchers("/console/approvals", "/console/approvals/**").hasAnyRole("SUPERVISOR", "ADMIN")
				.anyRequest().hasAnyRole("AGENT", "SUPERVISOR", "ADMIN"))
			.formLogin(form -> form.loginPage(SIGN_IN).defaultSuccessUrl("/console", true).permitAll())
			.logout(logout -> logout.logoutUrl("/console/sign-out").logoutSuccessUrl(SIGN_IN + "?signed-out"))
			.build();
	}
}
