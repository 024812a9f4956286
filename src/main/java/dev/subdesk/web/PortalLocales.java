package dev.subdesk.web;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.LocaleResolver;

/**
 * The language of the pages: for a signed-in customer, German when the account is in Germany, Austria or
 * Liechtenstein and English otherwise; for everyone else German or English by {@code Accept-Language}.
 * Registered as the application's {@code localeResolver}.
 */
@Component("localeResolver")
class PortalLocales implements LocaleResolver {

	static final Set<String> GERMAN_SPEAKING = Set.of("DE", "AT", "LI");

	private static final String CACHED = PortalLocales.class.getName() + ".locale";

	private final Accounts accounts;

	PortalLocales(Accounts accounts) {
		this.accounts = accounts;
	}

	@Override
	public Locale resolveLocale(HttpServletRequest request) {
		if (request.getAttribute(CACHED) instanceof Locale cached) {
			return cached;
		}
		Locale locale = customer().flatMap(accounts::find)
			.map(PortalLocales::forAccount)
			.orElseGet(() -> PageFormats.pageLocale(request.getLocale()));
		request.setAttribute(CACHED, locale);
		return locale;
	}

	@Override
	public void setLocale(HttpServletRequest request, @Nullable HttpServletResponse response, @Nullable Locale locale) {
		// nothing to remember: the language follows the account's country or Accept-Language
	}

	static Locale forAccount(Account account) {
		return GERMAN_SPEAKING.contains(account.country()) ? Locale.GERMAN : Locale.ENGLISH;
	}

	private static Optional<String> customer() {
		Authentication auth = SecurityContextHolder.getContext().getAuthentication();
		boolean isCustomer = auth != null && auth.isAuthenticated()
				&& auth.getAuthorities().stream().anyMatch(a -> "ROLE_CUSTOMER".equals(a.getAuthority()));
		return isCustomer ? Optional.of(auth.getName()) : Optional.empty();
	}
}
