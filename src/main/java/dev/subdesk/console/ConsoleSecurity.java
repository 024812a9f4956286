package dev.subdesk.console;

import dev.subdesk.staff.StaffAccounts;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationSuccessHandler;

/**
 * The console's own security: it guards {@code /console/**} only (the API keeps its API key, other pages their
 * own chain). Form login with staff accounts, CSRF on every form, and role checks: the supervisors' pages (queue,
 * audit, reports, refund approvals) need SUPERVISOR or ADMIN, the staff accounts, webhooks, receipt keys and catalog pages ADMIN. Ten failed sign-ins
 * of a username within 15 minutes make its sign-in wait ({@link StaffAccounts#beginSignIn}), and so do
 * {@code subdesk.console.sign-in-failures-per-address} (30) failed sign-ins of any usernames from one client address
 * for every sign-in from that address ({@link #limitedByAddress}), as do 300 attempts within an hour from one address
 * on usernames waiting for the ceiling of 100 failures from all addresses
 * ({@link StaffAccounts#MAX_CEILING_ATTEMPTS_PER_ADDRESS}); the page says the same for a wrong password and a
 * wait, so it tells nobody which usernames exist.
 *
 * <p>Every console response carries {@link #CONTENT_SECURITY_POLICY}, set the way the portal sets its own
 * ({@code web.WebSecurity}): the console runs no script and has no inline style, so the policy allows none, and loads
 * only its own stylesheet and icon; a script that reached a page through what a customer typed (a name, a case note)
 * would not run, and no other site may frame the console or receive its forms.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurity {

	static final String SIGN_IN = "/console/sign-in";

	/** The sign-in page's parameter that says a session was signed out for its wrong passwords typed again. */
	static final String PASSWORD_RETRIES = "password-retries";

	/**
	 * No script at all (should one ever be needed: a static file, or a per-response nonce, never {@code unsafe-inline}),
	 * styles and images only from the console's own origin and never inline, forms posted only back to it.
	 */
	static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'none'; style-src 'self'; "
			+ "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

	/**
	 * The sign-in's check of a username and password, at the cost of one password check whatever the answer: an
	 * unknown username costs a check of a dummy hash, and Spring Security (7) checks the password of a locked or
	 * disabled account too before it refuses it (the same refusal whatever the password), so the time of the answer
	 * does not tell which usernames exist ({@code ConsoleSignInCostTests}).
	 */
	static DaoAuthenticationProvider provider(UserDetailsService users, PasswordEncoder passwords) {
		DaoAuthenticationProvider provider = new DaoAuthenticationProvider(users);
		provider.setPasswordEncoder(passwords);
		return provider;
	}

	/**
	 * {@code provider}, asked only while the client's address may still sign in
	 * ({@link StaffAccounts#signInsRefusedFrom}): an address past its limit is refused before any password is checked,
	 * so posting sign-ins from one address cannot keep the server busy with Argon2 checks. The refusal depends on the
	 * address alone, never on the username, so neither its answer nor its speed tells which usernames exist.
	 */
	static AuthenticationProvider limitedByAddress(AuthenticationProvider provider, StaffAccounts staff) {
		return new AuthenticationProvider() {

			@Override
			public Authentication authenticate(Authentication authentication) {
				if (staff.signInsRefusedFrom(ConsoleStaff.clientAddress())) {
					throw new LockedException("Too many failed sign-ins from this address");
				}
				return provider.authenticate(authentication);
			}

			@Override
			public boolean supports(Class<?> authentication) {
				return provider.supports(authentication);
			}
		};
	}

	/** The id of the request's session (what a password typed again is counted for), or "" when it has none. */
	static String sessionId(jakarta.servlet.http.HttpServletRequest request) {
		jakarta.servlet.http.HttpSession session = request.getSession(false);
		return session == null ? "" : session.getId();
	}

	/**
	 * Signs the request's session out, its wrong passwords typed again used up
	 * ({@link dev.subdesk.staff.PasswordRetriesUsedUp}); the view that sends the browser to the sign-in page, which
	 * says why.
	 */
	static String signOutForPasswordRetries(jakarta.servlet.http.HttpServletRequest request,
			jakarta.servlet.http.HttpServletResponse response) {
		new org.springframework.security.web.authentication.logout.SecurityContextLogoutHandler().logout(request, response,
				org.springframework.security.core.context.SecurityContextHolder.getContext().getAuthentication());
		return "redirect:" + SIGN_IN + "?" + PASSWORD_RETRIES;
	}

	@Bean
	@Order(1)
	SecurityFilterChain consoleSecurityFilterChain(HttpSecurity http, ConsoleStaff signIn, StaffAccounts staff)
			throws Exception {
		DaoAuthenticationProvider provider = provider(signIn, staff.passwordEncoder());
		SimpleUrlAuthenticationSuccessHandler toConsole = new SimpleUrlAuthenticationSuccessHandler("/console");
		toConsole.setAlwaysUseDefaultTargetUrl(true);
		return http.securityMatcher("/console/**")
			.authenticationManager(new ProviderManager(limitedByAddress(provider, staff)))
			.authorizeHttpRequests(requests -> requests
				.requestMatchers(SIGN_IN, "/console/console.css").permitAll()
				.requestMatchers("/console/queue", "/console/audit", "/console/reports").hasAnyRole("SUPERVISOR", "ADMIN")
				.requestMatchers("/console/staff", "/console/staff/**").hasRole("ADMIN")
				.requestMatchers("/console/webhooks", "/console/webhooks/**").hasRole("ADMIN")
				.requestMatchers("/console/receipt-keys", "/console/receipt-keys/**").hasRole("ADMIN")
				.requestMatchers("/console/catalog", "/console/catalog/**").hasRole("ADMIN")
				.requestMatchers("/console/approvals", "/console/approvals/**").hasAnyRole("SUPERVISOR", "ADMIN")
				.requestMatchers("/console/accounts/*/consents.txt").hasAnyRole("SUPERVISOR", "ADMIN")
				.anyRequest().hasAnyRole("AGENT", "SUPERVISOR", "ADMIN"))
			.formLogin(form -> form.loginPage(SIGN_IN)
				.successHandler((request, response, authentication) -> {
					staff.signedIn(authentication.getName(), request.getRemoteAddr());
					if (authentication.getPrincipal() instanceof ConsoleStaff.SignedIn signedIn) {
						request.getSession().setAttribute(ConsoleStaff.SESSION_VERSION, signedIn.sessionVersion());
					}
					toConsole.onAuthenticationSuccess(request, response, authentication);
				})
				.failureHandler((request, response, exception) -> {
					staff.signInFailed(request.getParameter("username"), request.getRemoteAddr());
					response.sendRedirect(request.getContextPath() + SIGN_IN + "?error");
				})
				.permitAll())
			.logout(logout -> logout.logoutUrl("/console/sign-out").logoutSuccessUrl(SIGN_IN + "?signed-out"))
			.headers(headers -> headers.contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY)))
			// no request saved at a sign-in redirect: the sign-in always leads to /console, and a saved request (an
			// old link's query, with a caller's email or card digits) would sit in the stored session unused
			.requestCache(cache -> cache.disable())
			.build();
	}
}
