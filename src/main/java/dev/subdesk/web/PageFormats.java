package dev.subdesk.web;

import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;
import org.springframework.context.i18n.LocaleContext;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.context.i18n.TimeZoneAwareLocaleContext;

/**
 * Dates, times and amounts as pages show them, in the page's language and, for a signed-in customer, in the time
 * zone of the account's country with the zone named ({@link PortalLocales}); UTC for everyone else. They read like
 * the customer's emails ({@code notices.Letter}): {@code 28. November 2026}, {@code 59,99 $},
 * {@code 18. Dezember 2026 um 00:00:00 MEZ (Europe/Berlin)}.
 */
final class PageFormats {

	private PageFormats() {
	}

	static boolean german(Locale locale) {
		return "de".equals(locale.getLanguage());
	}

	static Locale pageLocale(Locale requested) {
		return german(requested) ? Locale.GERMAN : Locale.ENGLISH;
	}

	static String date(Instant instant, Locale locale) {
		return Formats.date(instant.atZone(zone()).toLocalDate(), pageLocale(locale));
	}

	static String dateTime(Instant instant, Locale locale) {
		return Formats.dateTime(instant, pageLocale(locale), zone());
	}

	static String money(Money money, Locale locale) {
		return Formats.money(money, pageLocale(locale));
	}

	/** The zone of this request's page: the signed-in customer's country's, else UTC. */
	static ZoneId zone() {
		LocaleContext context = LocaleContextHolder.getLocaleContext();
		if (context instanceof TimeZoneAwareLocaleContext zoned && zoned.getTimeZone() != null) {
			return zoned.getTimeZone().toZoneId();
		}
		return ZoneOffset.UTC;
	}
}
