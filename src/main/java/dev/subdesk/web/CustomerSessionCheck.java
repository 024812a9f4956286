package dev.subdesk.web;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.shared.SessionChecks;
import java.util.Optional;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * A customer's session holds while their account is open and has the address its sign-in code went to: every portal
 * and checkout request checks both and otherwise ends the session and sends the browser to the sign-in page.
 * {@link CustomerSessions} ends the sessions it finds when the email changes or the account closes; this check also
 * ends the one it cannot find, a sign-in whose session was stored just after that (a code of the old mailbox used
 * at the very moment an agent changed the address).
 */
@Configuration(proxyBeanMethods = false)
class CustomerSessionCheck implements WebMvcConfigurer {

	/** The session attribute with the address the customer signed in with. */
	static final String SIGNED_IN_EMAIL = "portal.signedInEmail";

	private final Accounts accounts;

	CustomerSessionCheck(Accounts accounts) {
		this.accounts = accounts;
	}

	@Override
	public void addInterceptors(InterceptorRegistry registry) {
		registry.addInterceptor(SessionChecks.ending(request -> request.isUserInRole("CUSTOMER"),
				CustomerSessionCheck.this::current,
				"/portal/sign-in"))
			.addPathPatterns("/portal/**", "/checkout/**")
			.excludePathPatterns("/portal/sign-in", "/portal/sign-in/**", "/portal/closed", "/portal/sign-out");
	}

	/**
	 * Whether the session still holds: the account open, with the address it signed in with. A session from before
	 * this check (or signed in by a node of the previous version during a deploy) has no address: it is taken as the
	 * account's present one, so that a deploy signs nobody out.
	 */
	private boolean current(String accountId, jakarta.servlet.http.HttpSession session) {
		Optional<Account> account = accounts.find(accountId);
		if (account.isEmpty() || account.get().closed()) {
			return false;
		}
		if (!(session.getAttribute(SIGNED_IN_EMAIL) instanceof String email)) {
			session.setAttribute(SIGNED_IN_EMAIL, account.get().email());
			return true;
		}
		return accounts.sameEmail(account.get().email(), email);
	}
}
