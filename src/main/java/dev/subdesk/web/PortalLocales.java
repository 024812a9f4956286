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
import dev.subdesk.shared.Formats;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.TimeZone;
import org.springframework.context.i18n.LocaleContext;
import org.springframework.context.i18n.TimeZoneAwareLocaleContext;
import org.springframework.web.servlet.LocaleContextResolver;

/**
 * The language of the pages: for a signed-in customer, German when the account is in Germany, Austria or
 * Liechtenstein and English otherwise, and times in the zone of the account's country; for everyone else German or
 * English by {@code Accept-Language}, times in UTC. Registered as the application's {@code localeResolver}.
 */
@Component("localeResolver")
class PortalLocales implements LocaleContextResolver {

	static final Set<String> GERMAN_SPEAKING = Set.of("DE", "AT", "LI");

	private static final String CACHED = PortalLocales.class.getName() + ".locale";

	private static final String CACHED_ZONE = PortalLocales.class.getName() + ".zone";

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

	/** The page's language and time zone, worked out when first asked for. */
	@Override
	public LocaleContext resolveLocaleContext(HttpServletRequest request) {
		return new TimeZoneAwareLocaleContext() {
			@Override
			public Locale getLocale() {
				return resolveLocale(request);
			}

			@Override
			public TimeZone getTimeZone() {
				return TimeZone.getTimeZone(zone(request));
			}
		};
	}

	private ZoneId zone(HttpServletRequest request) {
		if (request.getAttribute(CACHED_ZONE) instanceof ZoneId cached) {
			return cached;
		}
		ZoneId zone = customer().flatMap(accounts::find)
			.map(account -> Formats.zone(account.country(), account.region()))
			.orElse(ZoneOffset.UTC);
		request.setAttribute(CACHED_ZONE, zone);
		return zone;
	}

	@Override
	public void setLocaleContext(HttpServletRequest request, @Nullable HttpServletResponse response,
			@Nullable LocaleContext context) {
		// nothing to remember, as for the locale
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
