package dev.subdesk.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Dates as pages show them, in the page's language: {@code 28 November 2026}, {@code 28. November 2026}. */
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
		String pattern = german(locale) ? "d. MMMM uuuu" : "d MMMM uuuu";
		return DateTimeFormatter.ofPattern(pattern, pageLocale(locale)).withZone(ZoneOffset.UTC).format(instant);
	}

	static String dateTime(Instant instant, Locale locale) {
		String pattern = german(locale) ? "d. MMMM uuuu 'um' HH:mm:ss 'UTC'" : "d MMMM uuuu 'at' HH:mm:ss 'UTC'";
		return DateTimeFormatter.ofPattern(pattern, pageLocale(locale)).withZone(ZoneOffset.UTC).format(instant);
	}
}
